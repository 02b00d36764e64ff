package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/internal/testtools"
)

// upgradePackages are the same binaries packaged as 0.1.1: an upgrade.
func upgradePackages(t *testing.T) map[string]string {
	t.Helper()
	builtPackages(t)
	pkgs, err := buildAll(built.dir, "0.1.1")
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// checkInstalled: the files are in root with their modes, and the
// packaged binary runs.
func checkInstalled(t *testing.T, root, name string) {
	t.Helper()
	for p, mode := range wantFiles[name] {
		fi, err := os.Lstat(filepath.Join(root, p))
		if err != nil {
			t.Errorf("installed %s: %v", p, err)
			continue
		}
		if fi.Mode().Perm() != mode.Perm() || fi.IsDir() != mode.IsDir() {
			t.Errorf("installed %s mode %v, want %v", p, fi.Mode(), mode)
		}
	}
	if name == "bootagent" {
		if out := run(t, filepath.Join(root, "usr/bin/bootagent"), "version"); !strings.HasPrefix(out, "bootagent-") {
			t.Errorf("installed bootagent version: %q", out)
		}
	}
}

const editedConfig = "# edited by the operator\nstate_dir: /var/lib/bootagent\n"

// The .deb installs into a throwaway dpkg root (an empty status
// database). dpkg runs the maintainer scripts on the host with
// $DPKG_ROOT set (--force-script-chrootless), where they touch no service
// (TestMaintainerScripts covers a live system). Then: the operator edits
// the config, 0.1.1 upgrades over it and keeps the edit, purge removes
// everything, state included.
func TestInstallDeb(t *testing.T) {
	testtools.Need(t, "dpkg", "dpkg")
	if os.Getuid() != 0 {
		testtools.Unavailable(t, "dpkg --root needs root")
	}
	pkgs := builtPackages(t)
	next := upgradePackages(t)
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dpkg := func(args ...string) string {
		return run(t, "dpkg", append([]string{"--root=" + root, "--force-script-chrootless", "--log=/dev/null", "--force-confold"}, args...)...)
	}
	dpkg("-i", pkgs["bootagent.deb"], pkgs["bootserver.deb"])
	for _, name := range Names {
		checkInstalled(t, root, name)
		if out := dpkg("-s", name); !strings.Contains(out, "Status: install ok installed") || !strings.Contains(out, "Version: 0.1.0-1") {
			t.Errorf("dpkg -s %s:\n%s", name, out)
		}
	}
	conf := filepath.Join(root, "etc/bootagent/bootagent.yaml")
	if err := os.WriteFile(conf, []byte(editedConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	dpkg("-i", next["bootagent.deb"])
	if out := dpkg("-s", "bootagent"); !strings.Contains(out, "Version: 0.1.1-1") {
		t.Errorf("after upgrade, dpkg -s:\n%s", out)
	}
	if b, _ := os.ReadFile(conf); string(b) != editedConfig {
		t.Errorf("upgrade replaced the edited config:\n%s", b)
	}
	checkInstalled(t, root, "bootagent")
	// a self-upgrade's kept binary goes with the package
	if err := os.WriteFile(filepath.Join(root, "usr/bin/bootagent.prev"), []byte("old"), 0o755); err != nil {
		t.Fatal(err)
	}
	dpkg("--purge", "bootagent", "bootserver")
	if _, err := os.Lstat(filepath.Join(root, "usr/bin/bootagent.prev")); err == nil {
		t.Error("usr/bin/bootagent.prev still there after purge")
	}
	for _, name := range Names {
		for p := range wantFiles[name] {
			if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
				t.Errorf("%s still there after purge", p)
			}
		}
	}
}

// The .rpm installs into a throwaway rpm root (a fresh database). rpm
// would chroot into the root to run the scriptlets, and that root has no
// /bin/sh, so it runs with --noscripts (TestMaintainerScripts runs them);
// --nodeps likewise (the root has no glibc or systemd to depend on; the
// binaries are static). An edited config survives the upgrade
// (config|noreplace) and is saved as .rpmsave on erase.
func TestInstallRPM(t *testing.T) {
	testtools.Need(t, "apt-get install rpm (make deps)", "rpm")
	if os.Getuid() != 0 {
		testtools.Unavailable(t, "rpm --root needs root")
	}
	pkgs := builtPackages(t)
	next := upgradePackages(t)
	root := t.TempDir()
	rpm := func(args ...string) string {
		return run(t, "rpm", append([]string{"--root", root, "--dbpath", "/var/lib/rpm"}, args...)...)
	}
	rpm("--initdb")
	rpm("-i", "--nodeps", "--noscripts", pkgs["bootagent.rpm"], pkgs["bootserver.rpm"])
	for _, name := range Names {
		checkInstalled(t, root, name)
		if out := rpm("-q", name); !strings.HasPrefix(out, name+"-0.1.0-1.") {
			t.Errorf("rpm -q %s: %s", name, out)
		}
	}
	if out := rpm("-V", "bootagent"); strings.TrimSpace(out) != "" {
		t.Errorf("rpm -V bootagent right after install: %s", out)
	}
	conf := filepath.Join(root, "etc/bootagent/bootagent.yaml")
	if err := os.WriteFile(conf, []byte(editedConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	rpm("-U", "--nodeps", "--noscripts", next["bootagent.rpm"])
	if out := rpm("-q", "bootagent"); !strings.HasPrefix(out, "bootagent-0.1.1-1.") {
		t.Errorf("after upgrade, rpm -q: %s", out)
	}
	if b, _ := os.ReadFile(conf); string(b) != editedConfig {
		t.Errorf("upgrade replaced the edited config:\n%s", b)
	}
	rpm("-e", "--nodeps", "--noscripts", "bootagent", "bootserver")
	if b, err := os.ReadFile(conf + ".rpmsave"); err != nil || string(b) != editedConfig {
		t.Errorf("edited config not saved as .rpmsave on erase: %v %q", err, b)
	}
	if _, err := os.Lstat(filepath.Join(root, "usr/bin/bootagent")); err == nil {
		t.Error("usr/bin/bootagent still there after erase")
	}
	if err := exec.Command("rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-q", "bootagent").Run(); err == nil {
		t.Error("rpm -q bootagent still answers after erase")
	}
}
