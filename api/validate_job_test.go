package api

import (
	"strings"
	"testing"
)

const goodSum = "SHA256:0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"

func TestValidateJob(t *testing.T) {
	install := Job{ID: "j1", Action: ActionInstall, Name: "BasicAgent", URL: "http://pkg/a.tar.gz", Checksum: goodSum}
	with := func(f func(j *Job)) Job { j := install; f(&j); return j }
	tests := []struct {
		name    string
		job     Job
		wantErr string // "" = valid
	}{
		{name: "install", job: install},
		{name: "upgrade", job: with(func(j *Job) { j.Action = ActionUpgrade })},
		{name: "checksum prefix in any case", job: with(func(j *Job) { j.Checksum = "sha256:" + goodSum[7:] })},
		{name: "uninstall needs only a name", job: Job{ID: "j", Action: ActionUninstall, Name: "a.b_c-1"}},
		{name: "restart", job: Job{ID: "j", Action: ActionRestart, Name: "x"}},
		{name: "stop", job: Job{ID: "j", Action: ActionStop, Name: "x"}},
		{name: "start", job: Job{ID: "j", Action: ActionStart, Name: "x"}},
		{name: "config svrlist", job: Job{ID: "j", Action: ActionConfig, Svrlist: "192.168.9.1:1234,"}},
		{name: "config step", job: Job{ID: "j", Action: ActionConfig, Step: 60}},
		{name: "envs", job: with(func(j *Job) { j.Envs = map[string]string{"A": "1"} })},
		{name: "user and group", job: with(func(j *Job) { j.User, j.Group = "monitor", "1000" })},
		{name: "signature URL", job: with(func(j *Job) { j.Signature = "https://sigs/a.minisig" })},
		{name: "inline signature", job: with(func(j *Job) { j.Signature = "untrusted comment: x\nRUQ\n" })},
		{name: "bad user", job: with(func(j *Job) { j.User = "a b" }), wantErr: `user: "a b" is neither`},
		{name: "bad group", job: with(func(j *Job) { j.Group = "4294967295" }), wantErr: "group: numeric id 4294967295 is out of range"},
		{name: "bad signature", job: with(func(j *Job) { j.Signature = "git::https://x/y" }), wantErr: "signature:"},
		{name: "self-upgrade: a plain binary", job: Job{ID: "s", Action: ActionUpgrade, Name: "bootagent", URL: "https://repo/bootagent-2.0", Checksum: goodSum}},
		{name: "bootagent is reserved", job: Job{ID: "s", Action: ActionStop, Name: "bootagent"}, wantErr: "reserved for BootAgent itself"},

		{name: "no id", job: with(func(j *Job) { j.ID = "" }), wantErr: "id is required"},
		{name: "id with a newline", job: with(func(j *Job) { j.ID = "a\nb" }), wantErr: "control characters"},
		{name: "no action", job: with(func(j *Job) { j.Action = "" }), wantErr: "action is required"},
		{name: "unknown action", job: with(func(j *Job) { j.Action = "reboot" }), wantErr: `unknown action "reboot"`},
		{name: "action case matters", job: with(func(j *Job) { j.Action = "Install" }), wantErr: "unknown action"},
		{name: "path escape", job: Job{ID: "j", Action: ActionStop, Name: "../x"}, wantErr: `name "../x" is invalid`},
		{name: "slash", job: Job{ID: "j", Action: ActionStop, Name: "a/b"}, wantErr: "is invalid"},
		{name: "dot", job: Job{ID: "j", Action: ActionStop, Name: "."}, wantErr: "is invalid"},
		{name: "name too long", job: Job{ID: "j", Action: ActionStop, Name: strings.Repeat("a", 65)}, wantErr: "is invalid"},
		{name: "no name", job: Job{ID: "j", Action: ActionRestart}, wantErr: "name is required"},
		{name: "install without url", job: with(func(j *Job) { j.URL = "" }), wantErr: "url is required"},
		{name: "install without checksum", job: with(func(j *Job) { j.Checksum = "" }), wantErr: "checksum is required"},
		{name: "checksum short", job: with(func(j *Job) { j.Checksum = "SHA256:abc" }), wantErr: "is not SHA256:<64 hex digits>"},
		{name: "checksum other algorithm", job: with(func(j *Job) { j.Checksum = "MD5:" + goodSum[7:] }), wantErr: "is not SHA256"},
		{name: "checksum not hex", job: with(func(j *Job) { j.Checksum = "SHA256:" + strings.Repeat("g", 64) }), wantErr: "is not SHA256"},
		{name: "config empty", job: Job{ID: "j", Action: ActionConfig}, wantErr: "needs svrlist or a step > 0"},
		{name: "config negative step", job: Job{ID: "j", Action: ActionConfig, Svrlist: "a:1", Step: -5}, wantErr: "negative"},
		{name: "config bad svrlist", job: Job{ID: "j", Action: ActionConfig, Svrlist: "a:1,b:x"}, wantErr: `"b:x"`},
		{name: "env name with =", job: with(func(j *Job) { j.Envs = map[string]string{"A=B": "1"} }), wantErr: `variable name "A"…: a name cannot contain`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateJob(tt.job)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateJob(%+v): %v", tt.job, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateJob(%+v) = %v, want %q", tt.job, err, tt.wantErr)
			}
		})
	}
}

func TestCheckServerJob(t *testing.T) {
	install := Job{ID: "j1", Action: ActionInstall, Name: "A", URL: "http://pkg/a.tar.gz", Checksum: goodSum}
	with := func(f func(j *Job)) Job { j := install; f(&j); return j }
	tests := []struct {
		name       string
		job        Job
		allowLocal bool
		wantErr    string // "" = allowed
	}{
		{name: "remote install", job: install},
		{name: "file URL", job: with(func(j *Job) { j.URL = "file:///srv/a.tar.gz" }), wantErr: "install A: url /srv/a.tar.gz: a server job may not name a local file"},
		{name: "absolute path", job: with(func(j *Job) { j.URL = "/srv/a.tar.gz" }), wantErr: "allow_local_packages: true"},
		{name: "local allowed", job: with(func(j *Job) { j.URL = "/srv/a.tar.gz" }), allowLocal: true},
		{name: "local signature URL", job: with(func(j *Job) { j.Signature = "file:///etc/sig" }), wantErr: "signature /etc/sig: a server job may not"},
		{name: "inline signature", job: with(func(j *Job) { j.Signature = "untrusted comment: x\n" })},
		{name: "LD_PRELOAD", job: with(func(j *Job) { j.Envs = map[string]string{"A": "1", "LD_PRELOAD": "/tmp/x.so"} }), wantErr: "install A: envs: variable LD_PRELOAD: a server job may not set LD_*"},
		{name: "BASH_ENV even with local allowed", job: with(func(j *Job) { j.Envs = map[string]string{"BASH_ENV": "/x"} }), allowLocal: true, wantErr: "BASH_ENV"},
		{name: "env on a start job", job: Job{ID: "j", Action: ActionStart, Name: "A", Envs: map[string]string{"GCONV_PATH": "/x"}}, wantErr: "GCONV_PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckServerJob(tt.job, tt.allowLocal)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckServerJob = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckServerJob = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
