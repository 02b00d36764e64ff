package testtools

import "testing"

func TestMissing(t *testing.T) {
	tests := []struct {
		name  string
		tools []string
		want  string
	}{
		{name: "none asked", tools: nil, want: ""},
		{name: "present", tools: []string{"sh"}, want: ""},
		{name: "first missing named", tools: []string{"sh", "no-such-tool-bootagent", "also-missing"}, want: "no-such-tool-bootagent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Missing(tt.tools...); got != tt.want {
				t.Fatalf("Missing(%v) = %q, want %q", tt.tools, got, tt.want)
			}
		})
	}
}
