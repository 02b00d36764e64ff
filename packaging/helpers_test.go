package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// built holds the real binaries and the four packages, built once per
// test binary: building is the slow part, and every test reads the same.
var built struct {
	once sync.Once
	dir  string // bin/ and the packages
	err  error
	pkgs map[string]string // "bootagent.deb" → path
}

// packages0 builds bootagent and bootserver (static, as `make build`) and
// their packages at version 0.1.0; the directory is removed by TestMain.
func builtPackages(t *testing.T) map[string]string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "bootpkg")
		if built.err != nil {
			return
		}
		built.pkgs, built.err = buildAll(built.dir, "0.1.0")
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.pkgs
}

func buildAll(dir, version string) (map[string]string, error) {
	bin := filepath.Join(dir, "bin")
	if _, err := os.Stat(filepath.Join(bin, "bootserver")); err != nil {
		for _, name := range Names {
			cmd := exec.Command("go", "build", "-o", filepath.Join(bin, name), "./cmd/"+name)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, &buildError{name, out, err}
			}
		}
	}
	spec := Spec{Version: version, Arch: runtime.GOARCH, BinDir: bin, FilesDir: "files"}
	pkgs := map[string]string{}
	for _, name := range Names {
		for _, format := range Formats {
			path, err := Build(name, format, spec, filepath.Join(dir, "dist-"+version))
			if err != nil {
				return nil, err
			}
			pkgs[name+"."+format] = path
		}
	}
	return pkgs, nil
}

type buildError struct {
	name string
	out  []byte
	err  error
}

func (e *buildError) Error() string {
	return "go build " + e.name + ": " + e.err.Error() + "\n" + string(e.out)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
