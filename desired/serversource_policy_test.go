package desired

import (
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/statedir"
)

const policySum = "SHA256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestServerSourceJobPolicy(t *testing.T) {
	install := api.Job{ID: "j1", Action: api.ActionInstall, Name: "A", URL: "http://pkg/a.tar.gz", Checksum: policySum}
	with := func(f func(j *api.Job)) api.Job { j := install; f(&j); return j }
	tests := []struct {
		name      string
		policy    JobPolicy
		before    []api.Job // applied first
		job       api.Job
		wantUser  string
		wantGroup string
		wantErr   string
	}{
		{name: "default root", job: install},
		{name: "server_job_user", policy: JobPolicy{DefaultUser: "nobody"}, job: install, wantUser: "nobody"},
		{name: "job user wins", policy: JobPolicy{DefaultUser: "nobody"}, job: with(func(j *api.Job) { j.User, j.Group = "daemon", "adm" }), wantUser: "daemon", wantGroup: "adm"},
		{name: "upgrade keeps the user", policy: JobPolicy{DefaultUser: "nobody"},
			before: []api.Job{with(func(j *api.Job) { j.User = "daemon" })},
			job:    with(func(j *api.Job) { j.ID, j.Action = "j2", api.ActionUpgrade }), wantUser: "daemon"},
		{name: "signature kept in the doc", job: with(func(j *api.Job) { j.Signature = "https://sigs/a.minisig" })},
		{name: "file URL refused", job: with(func(j *api.Job) { j.URL = "file:///srv/a.tar.gz" }), wantErr: "a server job may not name a local file"},
		{name: "file URL allowed", policy: JobPolicy{AllowLocalPackages: true}, job: with(func(j *api.Job) { j.URL = "file:///srv/a.tar.gz" })},
		{name: "LD_PRELOAD refused", policy: JobPolicy{AllowLocalPackages: true}, job: with(func(j *api.Job) { j.Envs = map[string]string{"LD_PRELOAD": "/x.so"} }), wantErr: "LD_PRELOAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := statedir.EnsurePrivate(dir); err != nil {
				t.Fatal(err)
			}
			s := OpenServerSource(dir)
			s.SetJobPolicy(tt.policy)
			for _, j := range tt.before {
				if _, err := s.Apply(j); err != nil {
					t.Fatal(err)
				}
			}
			doc, err := s.Apply(tt.job)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Apply = %v, want an error containing %q", err, tt.wantErr)
				}
				if _, ok := s.Doc(tt.job.Name); ok {
					t.Errorf("refused job left a doc")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.User != tt.wantUser || doc.Group != tt.wantGroup || doc.Package.Signature != tt.job.Signature {
				t.Errorf("doc user %q group %q signature %q, want %q %q %q", doc.User, doc.Group, doc.Package.Signature, tt.wantUser, tt.wantGroup, tt.job.Signature)
			}
		})
	}
}
