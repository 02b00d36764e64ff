package packaging

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/internal/testtools"
	"pault.ag/go/debian/deb"
)

// want is what a package must hold: path → mode (type bits included).
var wantFiles = map[string]map[string]fs.FileMode{
	"bootagent": {
		"/usr/bin/bootagent":                        0o755,
		"/usr/lib/systemd/system/bootagent.service": 0o644,
		"/etc/bootagent/bootagent.yaml":             0o644,
		"/etc/bootagent/agents.d":                   fs.ModeDir | 0o755,
		"/var/lib/bootagent":                        fs.ModeDir | 0o711,
	},
	"bootserver": {
		"/usr/bin/bootserver":                        0o755,
		"/usr/lib/systemd/system/bootserver.service": 0o644,
		"/etc/default/bootserver":                    0o644,
		"/var/lib/bootserver":                        fs.ModeDir | 0o700,
	},
}

var wantConf = map[string]string{"bootagent": "/etc/bootagent/bootagent.yaml", "bootserver": "/etc/default/bootserver"}

func TestDebContents(t *testing.T) {
	pkgs := builtPackages(t)
	for _, name := range Names {
		t.Run(name, func(t *testing.T) {
			d, closer, err := deb.LoadFile(pkgs[name+".deb"])
			if err != nil {
				t.Fatal(err)
			}
			defer closer()
			if d.Control.Package != name || d.Control.Version.Version != "0.1.0" {
				t.Errorf("control: package %q version %q", d.Control.Package, d.Control.Version)
			}
			got := map[string]fs.FileMode{}
			for {
				h, err := d.Data.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if h.Uid != 0 || h.Gid != 0 {
					t.Errorf("%s owned by %d:%d, want root", h.Name, h.Uid, h.Gid)
				}
				got[path.Clean("/"+h.Name)] = h.FileInfo().Mode()
			}
			checkModes(t, name, got)
			ctl := debControl(t, d)
			if strings.TrimSpace(ctl["conffiles"].body) != wantConf[name] {
				t.Errorf("conffiles = %q, want %q", ctl["conffiles"].body, wantConf[name])
			}
			for _, s := range []string{"postinst", "prerm", "postrm"} {
				want, _ := os.ReadFile("files/" + name + "." + s)
				if ctl[s].body != string(want) || ctl[s].mode&0o111 == 0 {
					t.Errorf("%s: %s missing, different from files/, or not executable (mode %v)", name, s, ctl[s].mode)
				}
			}
		})
	}
}

func checkModes(t *testing.T, name string, got map[string]fs.FileMode) {
	t.Helper()
	for p, mode := range wantFiles[name] {
		m, ok := got[p]
		if !ok {
			t.Errorf("%s: %s missing (have %v)", name, p, got)
			continue
		}
		if m.Perm() != mode.Perm() || m.IsDir() != mode.IsDir() {
			t.Errorf("%s: %s mode %v, want %v", name, p, m, mode)
		}
	}
}

type member struct {
	body string
	mode fs.FileMode
}

func debControl(t *testing.T, d *deb.Deb) map[string]member {
	t.Helper()
	for n, e := range d.ArContent {
		if !strings.HasPrefix(n, "control.tar") {
			continue
		}
		e.Data.Seek(0, io.SeekStart) // Load read it already
		tr, closer, err := e.Tarfile()
		if err != nil {
			t.Fatal(err)
		}
		defer closer.Close()
		out := map[string]member{}
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			b, _ := io.ReadAll(tr)
			out[path.Clean(h.Name)] = member{string(b), h.FileInfo().Mode()}
		}
	}
	t.Fatal("no control.tar member")
	return nil
}

// The rpm is read back with rpm itself (its query tags), the reference
// reader of the format.
func TestRPMContents(t *testing.T) {
	testtools.Need(t, "apt-get install rpm (make deps)", "rpm")
	pkgs := builtPackages(t)
	for _, name := range Names {
		t.Run(name, func(t *testing.T) {
			p := pkgs[name+".rpm"]
			out := run(t, "rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]", p)
			got := map[string]fs.FileMode{}
			conf := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				f := strings.Fields(line)
				if len(f) == 3 { // no flags
					f = []string{f[0], f[1], "", f[2]}
				}
				if f[1] != "root:root" {
					t.Errorf("%s owned by %s", f[3], f[1])
				}
				got[f[3]] = permsMode(f[0])
				conf[f[3]] = f[2]
			}
			checkModes(t, name, got)
			// c: config, n: noreplace (an edited file is kept, the new one is .rpmnew)
			if fl := conf[wantConf[name]]; !strings.Contains(fl, "c") || !strings.Contains(fl, "n") {
				t.Errorf("%s flags %q, want config|noreplace", wantConf[name], fl)
			}
			scripts := run(t, "rpm", "-qp", "--scripts", p)
			for _, s := range []string{"postinst", "prerm", "postrm"} {
				want, _ := os.ReadFile("files/" + name + "." + s)
				if !strings.Contains(scripts, string(want)) {
					t.Errorf("%s: %s not in the rpm's scriptlets:\n%s", name, s, scripts)
				}
			}
		})
	}
}

// permsMode parses ls-style permissions ("drwx--x--x").
func permsMode(s string) fs.FileMode {
	var m fs.FileMode
	if s[0] == 'd' {
		m |= fs.ModeDir
	}
	for i, c := range s[1:10] {
		if c != '-' {
			m |= 1 << (8 - i)
		}
	}
	return m
}
