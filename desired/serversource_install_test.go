package desired

import (
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/statedir"
)

func TestServerSourceInstallMode(t *testing.T) {
	install := api.Job{ID: "j1", Action: api.ActionInstall, Name: "A", URL: "http://pkg/A-1.5.6-1.x86_64.rpm", Checksum: policySum}
	with := func(f func(j *api.Job)) api.Job { j := install; f(&j); return j }
	for _, tt := range []struct {
		name    string
		policy  JobPolicy
		job     api.Job
		want    string // the doc's package.install
		wantErr string
	}{
		{name: "rpm in store mode", job: install},
		{name: "store named", job: with(func(j *api.Job) { j.Install = "store" }), want: "store"},
		{name: "system allowed", policy: JobPolicy{AllowSystemPackages: true}, job: with(func(j *api.Job) { j.Install = "system" }), want: "system"},
		{name: "system refused", job: with(func(j *api.Job) { j.Install = "system" }), wantErr: "allow_system_packages: true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := statedir.EnsurePrivate(dir); err != nil {
				t.Fatal(err)
			}
			s := OpenServerSource(dir)
			s.SetJobPolicy(tt.policy)
			doc, err := s.Apply(tt.job)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Apply = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.Package.Install != tt.want {
				t.Errorf("package.install %q, want %q", doc.Package.Install, tt.want)
			}
		})
	}
}
