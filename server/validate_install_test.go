package server

import (
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

func TestJobFromRequestInstallMode(t *testing.T) {
	for _, c := range []struct {
		name    string
		req     api.JobRequest
		wantErr string // "" = valid
	}{
		{"rpm in store mode by default", api.JobRequest{Action: "install", Name: "A", URL: "ftp://h/A/A-1.5.6.rpm", Checksum: sum64}, ""},
		// Only the agent knows its allow_system_packages: the server queues it.
		{"deb in system mode", api.JobRequest{Action: "upgrade", Name: "A", URL: "https://h/a.deb", Checksum: sum64, Install: "system"}, ""},
		{"system mode of a tarball", api.JobRequest{Action: "install", Name: "A", URL: "https://h/a.tgz", Checksum: sum64, Install: "system"}, "needs an .rpm or .deb"},
		{"unknown mode", api.JobRequest{Action: "install", Name: "A", URL: "https://h/a.rpm", Checksum: sum64, Install: "yum"}, `"yum" is not store or system`},
		{"system with a command", api.JobRequest{Action: "install", Name: "A", URL: "https://h/a.rpm", Checksum: sum64, Install: "system", Command: []string{"/opt/a/run"}}, ""},
		{"command of a store install", api.JobRequest{Action: "install", Name: "A", URL: "https://h/a.rpm", Checksum: sum64, Command: []string{"usr/sbin/a"}}, ""},
		{"command of an archive", api.JobRequest{Action: "install", Name: "A", URL: "https://h/a.tgz", Checksum: sum64, Command: []string{"/bin/sh"}}, "only an .rpm or .deb job"},
		{"command on a restart", api.JobRequest{Action: "restart", Name: "A", Command: []string{"/bin/sh"}}, "or install"},
		{"install on a stop job", api.JobRequest{Action: "stop", Name: "A", Install: "system"}, "or install"},
		{"install on a config job", api.JobRequest{Action: "config", Step: 5, Install: "store"}, "only svrlist and step"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j, err := jobFromRequest(c.req)
			if c.wantErr == "" {
				if err != nil || j.Install != c.req.Install {
					t.Fatalf("jobFromRequest = %+v, %v; want the job with install %q", j, err, c.req.Install)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("jobFromRequest = %v; want %q", err, c.wantErr)
			}
		})
	}
}
