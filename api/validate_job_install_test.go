package api

import (
	"strings"
	"testing"
)

func TestJobInstallMode(t *testing.T) {
	install := Job{ID: "j1", Action: ActionInstall, Name: "A", URL: "http://pkg/A-1.5.6.rpm", Checksum: goodSum}
	with := func(f func(j *Job)) Job { j := install; f(&j); return j }
	for _, tt := range []struct {
		name        string
		job         Job
		allowSystem bool
		wantErr     string // "" = accepted by ValidateJob and CheckServerJobPolicy
	}{
		{name: "rpm, store by default", job: install},
		{name: "deb, store", job: with(func(j *Job) { j.URL, j.Install = "http://pkg/a.deb", "store" })},
		{name: "system allowed", job: with(func(j *Job) { j.Install = "system" }), allowSystem: true},
		{name: "system refused by the host", job: with(func(j *Job) { j.Install = "system" }), wantErr: "install A: install: system is refused: the agent does not set allow_system_packages: true"},
		{name: "system of a tarball", job: with(func(j *Job) { j.URL, j.Install = "http://pkg/a.tar.gz", "system" }), allowSystem: true, wantErr: "needs an .rpm or .deb"},
		{name: "unknown mode", job: with(func(j *Job) { j.Install = "snap" }), allowSystem: true, wantErr: `"snap" is not store or system`},
		{name: "system with a command", job: with(func(j *Job) { j.Install, j.Command = "system", []string{"/opt/a/bin/a", "-f"} }), allowSystem: true},
		{name: "store rpm with a command (no agent.yaml in its payload)", job: with(func(j *Job) { j.Command = []string{"usr/sbin/a", "-f"} })},
		{name: "command on an archive", job: with(func(j *Job) { j.URL, j.Command = "http://pkg/a.tar.gz", []string{"/bin/sh"} }), wantErr: "only an .rpm or .deb job takes one"},
		{name: "empty command[0]", job: with(func(j *Job) { j.Install, j.Command = "system", []string{""} }), allowSystem: true, wantErr: "command[0] is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateJob(tt.job)
			if err == nil {
				err = CheckServerJobPolicy(tt.job, false, tt.allowSystem)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
