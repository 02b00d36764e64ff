package syntax

import (
	"slices"
	"strings"
	"testing"
)

func TestParsePin(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"hex", "sha256:" + hex64, true},
		{"upper case", "sha256:" + strings.ToUpper(hex64), true},
		{"colon pairs", "sha256:" + strings.TrimSuffix(strings.Repeat("ab:", 32), ":"), true},
		{"no prefix", hex64, false},
		{"other hash", "sha1:" + hex64, false},
		{"short", "sha256:abcd", false},
		{"not hex", "sha256:" + strings.Repeat("zz", 32), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParsePin(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParsePin(%q) = %x, %v; want ok=%v", tt.in, b, err, tt.ok)
			}
			if tt.ok && len(b) != 32 {
				t.Fatalf("ParsePin(%q) = %d bytes", tt.in, len(b))
			}
		})
	}
}

func TestParseSvrlistTLS(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		errHas   string
	}{
		{"bare becomes https", "10.0.0.1:8600,", []string{"https://10.0.0.1:8600"}, ""},
		{"https kept", "https://b.example:443", []string{"https://b.example:443"}, ""},
		{"http refused", "10.0.0.1:8600,http://evil:80", nil, "plain http"},
		{"HTTP upper refused", "HTTP://evil:80", nil, "plain http"},
		{"bare without port", "host", nil, "no port"},
		{"duplicates dropped", "a:1,https://a:1", []string{"https://a:1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSvrlistTLS(tt.in)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("ParseSvrlistTLS(%q) = %v, %v; want error with %q", tt.in, got, err, tt.errHas)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseSvrlistTLS(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}
