package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/internal/testtools"
)

// The maintainer scripts run for real, with the arguments dpkg and rpm
// give them, on what looks like a live systemd system: a private mount
// namespace whose /run has systemd/system, and systemctl and bootagent
// stand-ins in $PATH that record their calls. The host is not touched.
func TestMaintainerScripts(t *testing.T) {
	testtools.Need(t, "util-linux", "unshare", "mount")
	if os.Getuid() != 0 {
		testtools.Unavailable(t, "a mount namespace needs root")
	}
	const (
		reload    = "systemctl daemon-reload"
		shutdown  = "bootagent shutdown --stop-agents --config /etc/bootagent/bootagent.yaml"
		status    = "bootagent status --config /etc/bootagent/bootagent.yaml"
		agentUnit = "bootagent.service"
	)
	tests := []struct {
		name   string
		script string
		args   []string
		env    string // extra VAR=value
		want   []string
	}{
		{name: "deb first install enables and starts", script: "bootagent.postinst", args: []string{"configure", ""}, want: []string{reload, "systemctl enable --now " + agentUnit}},
		{name: "deb upgrade restarts the service (agents kept by the unit)", script: "bootagent.postinst", args: []string{"configure", "0.0.9-1"}, want: []string{reload, "systemctl try-restart " + agentUnit}},
		{name: "rpm first install", script: "bootagent.postinst", args: []string{"1"}, want: []string{reload, "systemctl enable --now " + agentUnit}},
		{name: "rpm upgrade", script: "bootagent.postinst", args: []string{"2"}, want: []string{reload, "systemctl try-restart " + agentUnit}},
		{name: "deb abort-upgrade does nothing", script: "bootagent.postinst", args: []string{"abort-upgrade", "0.2"}},
		{name: "image build (DPKG_ROOT) touches no service", script: "bootagent.postinst", args: []string{"configure", ""}, env: "DPKG_ROOT=/tmp/img"},
		{name: "deb prerm on upgrade stops nothing", script: "bootagent.prerm", args: []string{"upgrade", "0.2.0-1"}},
		{name: "rpm preun on upgrade stops nothing", script: "bootagent.prerm", args: []string{"1"}},
		{name: "deb remove stops the agents for good", script: "bootagent.prerm", args: []string{"remove"}, want: []string{shutdown, status, "systemctl disable --now " + agentUnit}},
		{name: "rpm erase stops the agents for good", script: "bootagent.prerm", args: []string{"0"}, want: []string{shutdown, status, "systemctl disable --now " + agentUnit}},
		{name: "deb postrm remove reloads systemd", script: "bootagent.postrm", args: []string{"remove"}, want: []string{reload}},
		{name: "deb postrm upgrade does nothing", script: "bootagent.postrm", args: []string{"upgrade", "0.2.0-1"}},
		{name: "rpm postun upgrade does nothing", script: "bootagent.postrm", args: []string{"1"}},
		{name: "bootserver first install", script: "bootserver.postinst", args: []string{"configure", ""}, want: []string{reload, "systemctl enable --now bootserver.service"}},
		{name: "bootserver upgrade", script: "bootserver.postinst", args: []string{"configure", "0.0.9-1"}, want: []string{reload, "systemctl try-restart bootserver.service"}},
		{name: "bootserver prerm upgrade", script: "bootserver.prerm", args: []string{"upgrade", "0.2.0-1"}},
		{name: "bootserver remove", script: "bootserver.prerm", args: []string{"remove"}, want: []string{"systemctl disable --now bootserver.service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "calls")
			for _, tool := range []string{"systemctl", "bootagent"} {
				// status fails: the daemon has gone, the wait loop ends.
				fake := "#!/bin/sh\necho \"" + tool + " $*\" >> '" + log + "'\n[ \"$1\" = status ] && exit 1\nexit 0\n"
				if err := os.WriteFile(filepath.Join(dir, tool), []byte(fake), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			script, _ := filepath.Abs(filepath.Join("files", tt.script))
			inner := `mount -t tmpfs none /run && mkdir -p /run/systemd/system && exec sh "$0" "$@"`
			cmd := exec.Command("unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", inner, script}, tt.args...)...)
			cmd.Env = []string{"PATH=" + dir + ":/usr/sbin:/usr/bin:/sbin:/bin"}
			if tt.env != "" {
				cmd.Env = append(cmd.Env, tt.env)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s %v: %v\n%s", tt.script, tt.args, err, out)
			}
			b, _ := os.ReadFile(log)
			got := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(b) == 0 {
				got = nil
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("%s %v called\n  %s\nwant\n  %s", tt.script, tt.args, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}
