package syntax

import "testing"

func TestSelfJob(t *testing.T) {
	tests := []struct {
		name, action, agent string
		ok                  bool
	}{
		{"upgrade of bootagent", "upgrade", "bootagent", true},
		{"install of bootagent is reserved", "install", "bootagent", false},
		{"stop of bootagent is reserved", "stop", "bootagent", false},
		{"any action on another name", "uninstall", "mon", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := SelfJob(tt.action, tt.agent); (err == nil) != tt.ok {
				t.Errorf("SelfJob(%q, %q) = %v", tt.action, tt.agent, err)
			}
		})
	}
}

func TestParseJobURL(t *testing.T) {
	tests := []struct {
		name, agent, url string
		ok               bool
	}{
		{"bootagent: a plain binary URL", "bootagent", "https://repo.example/bootagent-2.0-x86_64", true},
		{"bootagent: a local path", "bootagent", "/srv/bootagent", true},
		{"bootagent: no forced getters", "bootagent", "git::https://x/y", false},
		{"bootagent: schemes as for packages", "bootagent", "s3://bucket/bootagent", false},
		{"an agent still needs an archive", "mon", "https://repo.example/mon-1.0", false},
		{"an agent's archive", "mon", "https://repo.example/mon-1.0.tar.gz", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseJobURL(tt.agent, tt.url); (err == nil) != tt.ok {
				t.Errorf("ParseJobURL(%q, %q) = %v", tt.agent, tt.url, err)
			}
		})
	}
}
