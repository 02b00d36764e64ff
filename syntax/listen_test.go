package syntax

import "testing"

func TestListenAddr(t *testing.T) {
	tests := []struct {
		name, addr string
		ok         bool
	}{
		{"off", "", true},
		{"loopback", "127.0.0.1:9610", true},
		{"every address", ":9610", true},
		{"ipv6", "[::1]:9610", true},
		{"no port", "127.0.0.1", false},
		{"port 0: any free one", "127.0.0.1:0", true},
		{"port out of range", "127.0.0.1:70000", false},
		{"named port", "127.0.0.1:http", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ListenAddr(tt.addr); (err == nil) != tt.ok {
				t.Errorf("ListenAddr(%q) = %v", tt.addr, err)
			}
		})
	}
}
