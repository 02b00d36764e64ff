package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/internal/testtools"
)

// unitSettings reads a systemd unit's Key=Value lines (sections merged).
func unitSettings(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out
}

// The settings SPEC §14 requires, so that a restart or upgrade of the
// service leaves the sub-agents alone.
func TestUnitSettings(t *testing.T) {
	tests := []struct {
		name, unit, key, want string
	}{
		{"agent is Type=notify", "bootagent.service", "Type", "notify"},
		{"agent owns its cgroups", "bootagent.service", "Delegate", "yes"},
		{"stop signals the daemon only", "bootagent.service", "KillMode", "process"},
		{"agent always restarted", "bootagent.service", "Restart", "always"},
		{"except after shutdown --stop-agents", "bootagent.service", "RestartPreventExitStatus", "3"},
		{"SIGTERM keeps the agents", "bootagent.service", "ExecStart", "/usr/bin/bootagent run --keep-agents-on-term --config /etc/bootagent/bootagent.yaml"},
		{"server is Type=notify", "bootserver.service", "Type", "notify"},
		{"server always restarted", "bootserver.service", "Restart", "always"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unitSettings(t, filepath.Join("files", tt.unit))[tt.key]; got != tt.want {
				t.Errorf("%s: %s=%q, want %q", tt.unit, tt.key, got, tt.want)
			}
		})
	}
}

// systemd-analyze verify checks the units as packaged. It wants their
// ExecStart binaries at their paths, so it runs in a private mount
// namespace where /usr/bin is overlaid with the built binaries; any
// warning (an unknown key, a bad value: verify still exits 0 on those)
// fails the test.
func TestUnitsVerify(t *testing.T) {
	testtools.Need(t, "apt-get install systemd (make deps)", "systemd-analyze", "unshare", "mount")
	if os.Getuid() != 0 {
		testtools.Unavailable(t, "a mount namespace needs root")
	}
	builtPackages(t)
	units, _ := filepath.Abs("files")
	bin := filepath.Join(built.dir, "bin")
	inner := `mount -t overlay overlay -o lowerdir=` + bin + `:/usr/bin /usr/bin && exec systemd-analyze verify "$@"`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", inner, "sh",
		filepath.Join(units, "bootagent.service"), filepath.Join(units, "bootserver.service"))
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
