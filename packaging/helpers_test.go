package packaging

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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
		// The binaries, and bootpackage itself, as `make build` and
		// `make package` compile them (static, no race detector): run
		// under -race, nfpm's compressors take minutes instead of seconds.
		for _, name := range append(slices.Clone(Names), "bootpackage") {
			cmd := exec.Command("go", "build", "-o", filepath.Join(bin, name), "./cmd/"+name)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, &buildError{name, out, err}
			}
		}
	}
	files, err := filepath.Abs("files")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(bin, "bootpackage"), "--bin", bin, "--files", files,
		"--out", filepath.Join(dir, "dist-"+version), "--version", version, "--arch", runtime.GOARCH)
	out, err := cmd.Output()
	if err != nil {
		return nil, &buildError{"packages " + version, exitStderr(err), err}
	}
	// bootpackage prints one path per package, Names × Formats in order.
	paths := strings.Fields(string(out))
	pkgs := map[string]string{}
	i := 0
	for _, name := range Names {
		for _, format := range Formats {
			if i >= len(paths) {
				return nil, fmt.Errorf("bootpackage printed %d paths, want %d", len(paths), len(Names)*len(Formats))
			}
			pkgs[name+"."+format] = paths[i]
			i++
		}
	}
	return pkgs, nil
}

func exitStderr(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
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
