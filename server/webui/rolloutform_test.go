package webui

import (
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/bootagent/bootagent/api"
)

func TestRolloutFormRequest(t *testing.T) {
	tests := []struct {
		name    string
		form    url.Values
		want    api.RolloutRequest
		wantErr bool
	}{
		{name: "selector with limits", form: url.Values{"action": {"upgrade"}, "name": {"A"}, "url": {"https://x/a.tgz"},
			"checksum": {"SHA256:ab"}, "install": {"system"}, "cpu": {"10%"}, "envs": {"K=v"}, "pick": {"selector"},
			"selector": {" role=web "}, "hosts": {"ignored"}, "waves": {"1,50%"}, "max_in_flight": {"2"}, "max_failures": {"10%"},
			"soak": {"30s"}, "healthy_deadline": {"5m"}, "expire": {"2d"}, "on_failure": {"rollback"}, "follow": {"1"}},
			want: api.RolloutRequest{Job: api.JobRequest{Action: "upgrade", Name: "A", URL: "https://x/a.tgz", Checksum: "SHA256:ab",
				Install: "system", Limits: api.JobLimits{CPU: "10%"}, Envs: map[string]string{"K": "v"}},
				Selector: "role=web", Waves: "1,50%", MaxInFlight: "2", MaxFailures: "10%", Soak: "30s", HealthyDeadline: "5m",
				Expire: "2d", OnFailure: "rollback", Follow: true}},
		{name: "hosts split on commas and spaces", form: url.Values{"action": {"restart"}, "name": {"A"}, "pick": {"hosts"},
			"hosts": {"web-1, web-2\nweb-3"}, "selector": {"ignored"}},
			want: api.RolloutRequest{Job: api.JobRequest{Action: "restart", Name: "A"}, Hosts: []string{"web-1", "web-2", "web-3"}}},
		{name: "all", form: url.Values{"action": {"restart"}, "name": {"A"}, "pick": {"all"}},
			want: api.RolloutRequest{Job: api.JobRequest{Action: "restart", Name: "A"}, All: true}},
		{name: "the host field of a job is never taken", form: url.Values{"action": {"restart"}, "host": {"web-9"}, "pick": {"all"}},
			want: api.RolloutRequest{Job: api.JobRequest{Action: "restart"}, All: true}},
		{name: "no pick", form: url.Values{"action": {"restart"}}, wantErr: true},
		{name: "unknown pick", form: url.Values{"action": {"restart"}, "pick": {"some"}}, wantErr: true},
		{name: "bad env line", form: url.Values{"action": {"install"}, "pick": {"all"}, "envs": {"JUSTNAME"}}, wantErr: true},
		{name: "env typed before, missing now", form: url.Values{"action": {"install"}, "pick": {"all"}, "env_names": {"K,L"},
			"envs": {"K=v"}}, wantErr: true},
		{name: "env typed before and again", form: url.Values{"action": {"install"}, "pick": {"all"}, "env_names": {"K"},
			"envs": {"K=w"}},
			want: api.RolloutRequest{Job: api.JobRequest{Action: "install", Envs: map[string]string{"K": "w"}}, All: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readRolloutForm(tt.form).request()
			if tt.wantErr {
				if !errors.Is(err, ErrRolloutInvalid) {
					t.Fatalf("err = %v, want one wrapping ErrRolloutInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRolloutFormShown(t *testing.T) {
	tests := []struct {
		name      string
		envs      string
		names     string // env_names posted
		wantNames string
	}{
		{name: "no env", wantNames: ""},
		{name: "names sorted, values dropped", envs: "Z=secret\nA=other", wantNames: "A,Z"},
		{name: "names kept when none typed again", names: "K", wantNames: "K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := readRolloutForm(url.Values{"envs": {tt.envs}, "env_names": {tt.names}}).shown()
			if s.Job.Envs != "" || s.EnvNames != tt.wantNames {
				t.Fatalf("shown envs %q names %q, want none and %q", s.Job.Envs, s.EnvNames, tt.wantNames)
			}
		})
	}
}
