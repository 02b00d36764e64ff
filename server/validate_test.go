package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

func TestJobFromRequest(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for _, c := range []struct {
		name    string
		req     api.JobRequest
		wantErr string // "" = valid
	}{
		{"install", api.JobRequest{Action: "install", Name: "BasicAgent", URL: "ftp://h/a.tgz", Checksum: "SHA256:" + hex}, ""},
		{"lower-case checksum prefix", api.JobRequest{Action: "upgrade", Name: "A", URL: "https://pkg/a.tgz", Checksum: "sha256:" + strings.ToUpper(hex)}, ""},
		{"install with env and limits", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: sum64,
			Envs: map[string]string{"PATH": "/usr/bin"}, Limits: api.JobLimits{CPU: "10%", Memory: "20M"}}, ""},
		{"restart", api.JobRequest{Action: "restart", Name: "a.b_c-1"}, ""},
		{"install with signature, user and group", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: sum64,
			Signature: "https://pkg/a.tgz.minisig", User: "monitor", Group: "adm"}, ""},
		// Only the agent knows its allow_local_packages: the server queues it.
		{"local URL is the agent's call", api.JobRequest{Action: "install", Name: "A", URL: "/srv/a.tgz", Checksum: sum64}, ""},
		{"LD_PRELOAD", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: sum64, Envs: map[string]string{"LD_PRELOAD": "/x.so"}}, "LD_PRELOAD: a server job may not set LD_*"},
		{"ENV on start", api.JobRequest{Action: "start", Name: "A", Envs: map[string]string{"ENV": "/x"}}, "variable ENV: a server job may not"},
		{"bad user", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: sum64, User: "a b"}, "user:"},
		{"bad signature", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: sum64, Signature: "nonsense"}, "signature:"},
		{"user on stop", api.JobRequest{Action: "stop", Name: "A", User: "root"}, "takes no url, checksum, signature, user, group or install"},
		{"signature on config", api.JobRequest{Action: "config", Step: 1, Signature: "https://x/y"}, "only svrlist and step"},
		{"config step", api.JobRequest{Action: "config", Step: 1200}, ""},
		{"self-upgrade with a plain binary", api.JobRequest{Action: "upgrade", Name: "bootagent", URL: "https://pkg/bootagent-2.0", Checksum: sum64}, ""},
		{"bootagent is reserved", api.JobRequest{Action: "uninstall", Name: "bootagent"}, "reserved for BootAgent itself"},
		{"config svrlist", api.JobRequest{Action: "config", Svrlist: "192.168.9.1:1234,"}, ""},
		{"config url svrlist", api.JobRequest{Action: "config", Svrlist: "http://a:1, b:2"}, ""},

		{"no action", api.JobRequest{Name: "A"}, "action is required"},
		{"bad action", api.JobRequest{Action: "reboot", Name: "A"}, `unknown action "reboot"`},
		{"no name", api.JobRequest{Action: "stop"}, "name is required"},
		{"bad name", api.JobRequest{Action: "stop", Name: "../etc"}, "is invalid"},
		{"long name", api.JobRequest{Action: "stop", Name: strings.Repeat("a", 65)}, "is invalid"},
		{"install no url", api.JobRequest{Action: "install", Name: "A", Checksum: sum64}, "needs a url"},
		{"install no checksum", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz"}, "needs a checksum"},
		{"short checksum", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: "SHA256:abc"}, "not SHA256"},
		{"md5 checksum", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: "MD5:" + hex}, "not SHA256"},
		{"url on stop", api.JobRequest{Action: "stop", Name: "A", URL: "u"}, "takes no url"},
		{"step on install", api.JobRequest{Action: "install", Name: "A", URL: "https://pkg/a.tgz", Checksum: sum64, Step: 3}, "belong to config"},
		{"bad env", api.JobRequest{Action: "start", Name: "A", Envs: map[string]string{"A=B": "x"}}, "variable name \"A\"…: a name cannot contain"},
		{"bad cpu", api.JobRequest{Action: "start", Name: "A", Limits: api.JobLimits{CPU: "10"}}, "percentage"},
		{"bad memory", api.JobRequest{Action: "start", Name: "A", Limits: api.JobLimits{Memory: "lots"}}, "memory size"},
		{"empty config", api.JobRequest{Action: "config"}, "needs a svrlist or a step"},
		{"negative step", api.JobRequest{Action: "config", Step: -1}, "negative"},
		{"bad svrlist", api.JobRequest{Action: "config", Svrlist: "host-without-port"}, "has no port"},
		{"bad port", api.JobRequest{Action: "config", Svrlist: "h:99999"}, "not in 1-65535"},
		{"config with url", api.JobRequest{Action: "config", Step: 1, URL: "u"}, "only svrlist and step"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j, err := jobFromRequest(c.req)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if j.Action != c.req.Action || (j.Checksum != "" && !strings.HasPrefix(j.Checksum, "SHA256:")) {
					t.Fatalf("job = %+v", j)
				}
				if j.Checksum != "" && j.Checksum != "SHA256:"+strings.ToLower(j.Checksum[7:]) {
					t.Fatalf("checksum not normalised: %s", j.Checksum)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want ErrInvalid containing %q", err, c.wantErr)
			}
		})
	}
}
