package syntax

import (
	"strings"
	"testing"
)

func TestInstallMode(t *testing.T) {
	for _, tc := range []struct {
		name, mode, archive string
		allow               bool
		wantErr             string
	}{
		{name: "default is store", mode: "", archive: "rpm"},
		{name: "store of an archive", mode: "store", archive: "tar.gz"},
		{name: "store of a deb", mode: "store", archive: "deb"},
		{name: "system allowed", mode: "system", archive: "deb", allow: true},
		{name: "system not allowed", mode: "system", archive: "rpm", wantErr: "allow_system_packages"},
		{name: "system of an archive", mode: "system", archive: "tar.gz", allow: true, wantErr: "needs an .rpm or .deb"},
		{name: "unknown mode", mode: "apt", archive: "deb", allow: true, wantErr: `"apt" is not store or system`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := InstallMode(tc.mode, tc.archive, tc.allow)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("InstallMode = %v; want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("InstallMode = %v; want %q", err, tc.wantErr)
			}
		})
	}
}
