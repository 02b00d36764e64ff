package webui

import "testing"

func TestCheckSite(t *testing.T) {
	tests := []struct {
		name      string
		fetchSite string
		origin    string
		host      string
		tls       bool
		ok        bool
	}{
		{name: "no headers (not a browser)", host: "h:8600", ok: true},
		{name: "same origin", fetchSite: "same-origin", origin: "https://h:8600", host: "h:8600", tls: true, ok: true},
		{name: "typed by the user", fetchSite: "none", host: "h:8600", ok: true},
		{name: "other site", fetchSite: "cross-site", origin: "https://evil.example", host: "h:8600", tls: true},
		{name: "same site, other origin", fetchSite: "same-site", host: "h:8600"},
		{name: "origin of another host", origin: "https://evil.example", host: "h:8600", tls: true},
		{name: "origin with another scheme", origin: "http://h:8600", host: "h:8600", tls: true},
		{name: "origin with another port", origin: "https://h:9999", host: "h:8600", tls: true},
		{name: "opaque origin", origin: "null", host: "h:8600"},
		{name: "host case ignored", origin: "http://H:8600", host: "h:8600", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkSite(tt.fetchSite, tt.origin, tt.host, tt.tls)
			if (err == nil) != tt.ok {
				t.Fatalf("checkSite(%q, %q, %q, %v) = %v, want ok=%v", tt.fetchSite, tt.origin, tt.host, tt.tls, err, tt.ok)
			}
		})
	}
}
