package testscripts

import "testing"

func TestServiceStartDir(t *testing.T) {
	tests := []struct {
		name, subtree, want string
	}{
		{name: "first start: the service cgroup", subtree: "\n", want: "/cg/s.service"},
		{name: "restart after the daemon enabled controllers: its leaf", subtree: "cpu memory\n", want: "/cg/s.service/daemon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := serviceStartDir("/cg/s.service", tt.subtree); got != tt.want {
				t.Fatalf("serviceStartDir(%q) = %q, want %q", tt.subtree, got, tt.want)
			}
		})
	}
}
