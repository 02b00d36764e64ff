package syspkg

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/internal/pkgfixture"
	"github.com/bootagent/bootagent/internal/testtools"
)

// rpmRoot is a throwaway root with an empty rpm database and a shell, as
// rpm runs scriptlets chrooted into its root.
func rpmRoot(t *testing.T) Options {
	t.Helper()
	testtools.Need(t, "apt-get install rpm (make deps)", "rpm", "ldd")
	root := t.TempDir()
	opts := Options{Root: root, RPMDBPath: "/var/lib/rpm"}
	if out, err := exec.Command("rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--initdb").CombinedOutput(); err != nil {
		t.Fatalf("rpm --initdb: %v: %s", err, out)
	}
	copyShell(t, root)
	return opts
}

// copyShell puts /bin/sh and the libraries it loads into root.
func copyShell(t *testing.T, root string) {
	t.Helper()
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ldd", sh).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", sh, err)
	}
	files := []string{sh}
	for _, l := range strings.Split(string(out), "\n") {
		for _, f := range strings.Fields(l) {
			if strings.HasPrefix(f, "/") {
				files = append(files, f)
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sh, filepath.Join(root, "bin", "sh")); err != nil && !errors.Is(err, os.ErrExist) {
		t.Fatal(err)
	}
}

// dpkgRoot is a throwaway root with an empty dpkg status database.
func dpkgRoot(t *testing.T) Options {
	t.Helper()
	testtools.Need(t, "apt-get install dpkg (make deps)", "dpkg", "dpkg-query")
	root := t.TempDir()
	admin := filepath.Join(root, "var", "lib", "dpkg")
	for _, d := range []string{"updates", "info", "triggers"} {
		if err := os.MkdirAll(filepath.Join(admin, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(admin, "status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return Options{Root: root, ScriptsOutsideRoot: true}
}

func testManager(t *testing.T, opts Options) *Manager {
	m := New(opts, slog.New(slog.NewTextHandler(t.Output(), nil)))
	m.LockWait, m.LockRetry = 5*time.Second, 50*time.Millisecond
	return m
}

// fixture writes s as a package of format f and reads its header back.
func fixture(t *testing.T, f Format, s pkgfixture.Spec) Package {
	t.Helper()
	p, err := pkgfixture.Write(t.TempDir(), s.Name+"."+string(f), s)
	if err != nil {
		t.Fatal(err)
	}
	h, err := fetch.ReadPackageHeader(p, string(f))
	if err != nil {
		t.Fatal(err)
	}
	return Package{Format: f, Name: h.Name, Version: h.Version, File: p}
}

func agentSpec(release string) pkgfixture.Spec {
	return pkgfixture.Spec{Name: "vendor-agent", Version: "1.0", Release: release,
		Files: []pkgfixture.File{{Path: "/opt/vendor/bin/agent", Body: "#!/bin/sh\necho " + release + "\n", Mode: 0o755}}}
}

func roots(t *testing.T) map[Format]func(*testing.T) Options {
	return map[Format]func(*testing.T) Options{RPM: rpmRoot, Deb: dpkgRoot}
}

func wantState(t *testing.T, m *Manager, f Format, name string, state State, version string) {
	t.Helper()
	st, err := m.Query(context.Background(), f, name)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != state || st.Version != version {
		t.Fatalf("%s %s: %s %q; want %s %q", f, name, st.State, st.Version, state, version)
	}
}

func TestInstallUpgradeRollbackRemove(t *testing.T) {
	for f, root := range roots(t) {
		t.Run(string(f), func(t *testing.T) {
			opts := root(t)
			m := testManager(t, opts)
			ctx := context.Background()
			v1, v2 := fixture(t, f, agentSpec("1")), fixture(t, f, agentSpec("2"))
			if changed, err := m.Install(ctx, v1, Prior{}); err != nil || !changed {
				t.Fatalf("install 1.0-1: %v, %v", changed, err)
			}
			wantState(t, m, f, "vendor-agent", Installed, "1.0-1")
			if changed, err := m.Install(ctx, v1, Prior{}); err != nil || changed {
				t.Fatalf("same version again: changed %v, %v; want a no-op", changed, err)
			}
			if _, err := m.Install(ctx, v2, Prior{Package: &v1}); err != nil {
				t.Fatal(err)
			}
			wantState(t, m, f, "vendor-agent", Installed, "1.0-2")
			if b, err := os.ReadFile(filepath.Join(opts.Root, "opt/vendor/bin/agent")); err != nil || !strings.Contains(string(b), "echo 2") {
				t.Fatalf("installed file: %q, %v", b, err)
			}
			// Rollback is an install of the previous file: a downgrade.
			if _, err := m.Install(ctx, v1, Prior{Package: &v2}); err != nil {
				t.Fatal(err)
			}
			wantState(t, m, f, "vendor-agent", Installed, "1.0-1")
			if err := m.Remove(ctx, f, "vendor-agent"); err != nil {
				t.Fatal(err)
			}
			wantState(t, m, f, "vendor-agent", Absent, "")
		})
	}
}

func TestInstallFailuresLeaveTheDatabaseAsItWas(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  pkgfixture.Spec
		rpm   string // what the rpm error says
		deb   string
		prior bool // v1 installed first
	}{
		{name: "failing pre", spec: pkgfixture.Spec{Pre: "echo pre refuses >&2; exit 3"}, rpm: "scriptlet failed, exit status 3", deb: "pre-installation script subprocess returned error exit status 3"},
		{name: "failing post, nothing before", spec: pkgfixture.Spec{Post: "echo post refuses >&2; exit 4"}, rpm: "scriptlet failed, exit status 4", deb: "post-installation script subprocess returned error exit status 4"},
		{name: "failing post over a working version", spec: pkgfixture.Spec{Post: "exit 4"}, prior: true, rpm: "scriptlet failed", deb: "post-installation script"},
		{name: "unmet dependency", spec: pkgfixture.Spec{Requires: []string{"libnothere"}}, rpm: "libnothere is needed by vendor-agent", deb: "depends on libnothere"},
	} {
		for f, root := range roots(t) {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				m := testManager(t, root(t))
				ctx := context.Background()
				var prior Prior
				if tc.prior {
					v1 := fixture(t, f, agentSpec("1"))
					if _, err := m.Install(ctx, v1, Prior{}); err != nil {
						t.Fatal(err)
					}
					prior.Package = &v1
				}
				s := agentSpec("2")
				s.Pre, s.Post, s.Requires = tc.spec.Pre, tc.spec.Post, tc.spec.Requires
				bad := fixture(t, f, s)
				_, err := m.Install(ctx, bad, prior)
				want := tc.rpm
				if f == Deb {
					want = tc.deb
				}
				if !errors.Is(err, ErrInstall) || !strings.Contains(err.Error(), want) {
					t.Fatalf("Install = %v; want ErrInstall with %q", err, want)
				}
				if prior.Package != nil {
					wantState(t, m, f, "vendor-agent", Installed, "1.0-1")
				} else {
					wantState(t, m, f, "vendor-agent", Absent, "")
				}
			})
		}
	}
}

func TestDpkgFrontendLockIsWaitedFor(t *testing.T) {
	opts := dpkgRoot(t)
	m := testManager(t, opts)
	m.LockWait = 300 * time.Millisecond
	held, err := lockFrontendOther(t, opts.dpkgAdmin())
	if err != nil {
		t.Fatal(err)
	}
	v1 := fixture(t, Deb, agentSpec("1"))
	_, err = m.Install(context.Background(), v1, Prior{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Install under a held lock = %v; want ErrLocked", err)
	}
	held.Process.Kill()
	held.Wait()
	m.LockWait = 5 * time.Second
	if _, err := m.Install(context.Background(), v1, Prior{}); err != nil {
		t.Fatalf("Install once the lock is free: %v", err)
	}
	wantState(t, m, Deb, "vendor-agent", Installed, "1.0-1")
}
