package webui

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/bootagent/bootagent/api"
)

func TestJobFormRequest(t *testing.T) {
	tests := []struct {
		name    string
		form    url.Values
		want    api.JobRequest
		wantErr bool
	}{
		{name: "restart", form: url.Values{"host": {" web-1 "}, "action": {"restart"}, "name": {"A"}},
			want: api.JobRequest{Host: "web-1", Action: "restart", Name: "A"}},
		{name: "install with limits and envs",
			form: url.Values{"host": {"h"}, "action": {"install"}, "name": {"A"}, "url": {"https://x/a.tgz"},
				"checksum": {"SHA256:ab"}, "cpu": {"10%"}, "memory": {"20M"}, "envs": {"K=v=w\r\n\n L = x \n"}},
			want: api.JobRequest{Host: "h", Action: "install", Name: "A", URL: "https://x/a.tgz", Checksum: "SHA256:ab",
				Limits: api.JobLimits{CPU: "10%", Memory: "20M"}, Envs: map[string]string{"K": "v=w", "L": " x "}}},
		{name: "config", form: url.Values{"host": {"h"}, "action": {"config"}, "svrlist": {"a:1,b:2"}, "step": {"30"}},
			want: api.JobRequest{Host: "h", Action: "config", Svrlist: "a:1,b:2", Step: 30}},
		{name: "bad step", form: url.Values{"action": {"config"}, "step": {"soon"}}, wantErr: true},
		{name: "zero step", form: url.Values{"action": {"config"}, "step": {"0"}}, wantErr: true},
		{name: "env without =", form: url.Values{"action": {"install"}, "envs": {"JUSTNAME"}}, wantErr: true},
		{name: "env without name", form: url.Values{"action": {"install"}, "envs": {"=v"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readJobForm(tt.form).request()
			if (err != nil) != tt.wantErr {
				t.Fatalf("request() error = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("request() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
