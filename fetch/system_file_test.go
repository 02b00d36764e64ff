package fetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bootagent/bootagent/internal/pkgfixture"
	"github.com/bootagent/bootagent/syntax"
)

func TestFetchSystemModeKeepsTheFile(t *testing.T) {
	for _, ext := range []string{".rpm", ".deb"} {
		t.Run(ext, func(t *testing.T) {
			s, state := newTestStore(t, nil)
			p := writePkg(t, "h"+ext, pkgfixture.Spec{Name: "vendor-h", Version: "3.1", Release: "4", Epoch: 2, Files: agentPayload("H", "3.1-4")})
			req := Request{Name: "H", Version: "3.1-4", URL: p, Install: syntax.InstallSystem}
			inst, err := s.Fetch(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(state, "packages", "H", "3.1-4")
			if !inst.System || inst.PackageFile != filepath.Join(dir, "package"+ext) || inst.Package.Name != "vendor-h" || inst.Version != "3.1-4" {
				t.Fatalf("Installed = %+v; want the kept file of vendor-h 3.1-4", inst)
			}
			if _, err := os.Stat(filepath.Join(dir, "opt")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("system mode unpacked the payload (stat opt: %v)", err)
			}
			if list, err := s.List("H"); err != nil || len(list) != 1 || !list[0].System || list[0].PackageFile != inst.PackageFile {
				t.Fatalf("List = %+v, %v", list, err)
			}
			// The same file in store mode is another install: unpacked.
			req.Install = ""
			inst, err = s.Fetch(context.Background(), req)
			if err != nil || inst.System || inst.Dir != filepath.Join(dir, "opt", "H") {
				t.Fatalf("store mode after system: %+v, %v", inst, err)
			}
		})
	}
}

func TestFetchSystemModeVersionMismatch(t *testing.T) {
	s, state := newTestStore(t, nil)
	p := writePkg(t, "i.deb", pkgfixture.Spec{Name: "i", Version: "1", Release: "1"})
	_, err := s.Fetch(context.Background(), Request{Name: "I", Version: "2-1", URL: p, Install: syntax.InstallSystem})
	if !errors.Is(err, ErrVersionMismatch) {
		t.Fatalf("Fetch = %v; want ErrVersionMismatch", err)
	}
	assertNothingInstalled(t, state, "I")
}
