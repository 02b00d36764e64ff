package fetch

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    Manifest
		wantErr bool
	}{
		{name: "full", yaml: "version: 1.5.6\ncommand: [bin/agent, -c, agent.conf]\nenv: {LEVEL: info}\n",
			want: Manifest{Version: "1.5.6", Command: []string{"bin/agent", "-c", "agent.conf"}, Env: map[string]string{"LEVEL": "info"}}},
		{name: "no command: the desired doc supplies it", yaml: "version: 2.0.0\n", want: Manifest{Version: "2.0.0"}},
		{name: "numeric version keeps its text", yaml: "version: 1.10\n", want: Manifest{Version: "1.10"}},
		{name: "integer version", yaml: "version: 3\n", want: Manifest{Version: "3"}},
		{name: "unknown key", yaml: "version: 1.0.0\ncomand: [x]\n", wantErr: true},
		{name: "missing version", yaml: "command: [x]\n", wantErr: true},
		{name: "version that is a path", yaml: "version: ../x\n", wantErr: true},
		{name: "version with a slash", yaml: "version: 1.0/2\n", wantErr: true},
		{name: "command as a string", yaml: "version: 1.0.0\ncommand: bin/agent\n", wantErr: true},
		{name: "empty program", yaml: "version: 1.0.0\ncommand: ['']\n", wantErr: true},
		{name: "env name with =", yaml: "version: 1.0.0\nenv: {'A=B': x}\n", wantErr: true},
		{name: "empty file", yaml: "", wantErr: true},
		{name: "two documents", yaml: "version: 1.0.0\n---\nversion: 2.0.0\n", wantErr: true},
		{name: "not a mapping", yaml: "- version\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseManifest([]byte(tt.yaml))
			if tt.wantErr {
				if err == nil {
					t.Errorf("parsed %+v, want an error", got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestFetchRefusesBadManifest(t *testing.T) {
	p := writeArchive(t, t.TempDir(), "a.tar.gz", []member{{name: "agent.yaml", body: "version: 1.0.0\nversoin: 2\n"}})
	s, state := newTestStore(t, nil)
	_, err := s.Fetch(context.Background(), Request{Name: "A", URL: p})
	if !errors.Is(err, ErrBadManifest) || !IsTerminal(err) {
		t.Fatalf("err = %v, want a terminal ErrBadManifest", err)
	}
	t.Log(err)
	assertNothingInstalled(t, state, "A")
}

// A manifest's env defaults may hold secrets: its errors name the line,
// never the value (SPEC §10).
func TestManifestErrorsHideValues(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"env as a string", "version: 1.0.0\nenv: TOKEN=s3cr3t-VALUE\n", "line 2: cannot unmarshal !!str into map[string]string"},
		{"env value with a wrong tag", "version: 1.0.0\nenv: {TOKEN: !!int s3cr3t-VALUE}\n", "cannot decode !!str as a !!int"},
		{"env NAME=value", "version: 1.0.0\nenv: {'TOKEN=s3cr3t-VALUE': x}\n", `variable name "TOKEN"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseManifest([]byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "TOKEN=s") {
				t.Errorf("error shows the value: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}
