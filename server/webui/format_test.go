package webui

import (
	"testing"
	"time"
)

func TestStatusLook(t *testing.T) {
	tests := []struct {
		name   string
		status string
		class  string
	}{
		{name: "running is ok", status: "running", class: "ok"},
		{name: "fatal is bad", status: "fatal", class: "bad"},
		{name: "failed job is bad", status: "failed", class: "bad"},
		{name: "backoff warns", status: "backoff", class: "warn"},
		{name: "stale host warns", status: "stale", class: "warn"},
		{name: "stopped is idle", status: "stoped", class: "idle"},
		{name: "queued is busy", status: "queued", class: "busy"},
		{name: "unknown is neutral", status: "weird", class: "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := statusLook(tt.status)
			if l.Class != tt.class || l.Icon == "" || l.Text != tt.status {
				t.Fatalf("statusLook(%q) = %+v, want class %s with an icon and the status as text", tt.status, l, tt.class)
			}
		})
	}
	if l := statusLook(""); l.Text != "unknown" {
		t.Fatalf("statusLook(\"\") text = %q, want unknown", l.Text)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		name string
		secs int64
		want string
	}{
		{name: "zero", secs: 0, want: "0s"},
		{name: "negative clamps", secs: -5, want: "0s"},
		{name: "seconds", secs: 45, want: "45s"},
		{name: "minutes and seconds", secs: 302, want: "5m 2s"},
		{name: "whole hour", secs: 3600, want: "1h"},
		{name: "two largest units", secs: 3*86400 + 4*3600 + 5*60, want: "3d 4h"},
		{name: "skips an empty unit", secs: 86400 + 7, want: "1d 7s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := duration(tt.secs); got != tt.want {
				t.Fatalf("duration(%d) = %q, want %q", tt.secs, got, tt.want)
			}
		})
	}
}

func TestAgo(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	tests := []struct {
		name string
		unix int64
		want string
	}{
		{name: "never", unix: 0, want: "never"},
		{name: "now", unix: 1_000_000, want: "just now"},
		{name: "future clock skew", unix: 1_000_010, want: "just now"},
		{name: "past", unix: 1_000_000 - 90, want: "1m 30s ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ago(now, tt.unix); got != tt.want {
				t.Fatalf("ago(%d) = %q, want %q", tt.unix, got, tt.want)
			}
		})
	}
}

func TestBytesAndCPU(t *testing.T) {
	u := func(v uint64) *uint64 { return &v }
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "absent memory", got: bytesIEC(nil), want: "—"},
		{name: "bytes", got: bytesIEC(u(512)), want: "512 B"},
		{name: "mebibytes", got: bytesIEC(u(20 << 20)), want: "20.0 MiB"},
		{name: "gibibytes cap", got: bytesIEC(u(3 << 40)), want: "3072.0 GiB"},
		{name: "absent cpu", got: cpuSeconds(nil), want: "—"},
		{name: "cpu", got: cpuSeconds(f(12.34)), want: "12.3 s"},
		{name: "no limits", got: limitsText(nil), want: "none"},
		{name: "limits sorted, keys lower-cased", got: limitsText(map[string]string{"memory": "20M", "CPU": "10%"}), want: "cpu 10%, memory 20M"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
