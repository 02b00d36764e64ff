package api

import (
	"slices"
	"strings"
	"testing"
)

func TestClientServerList(t *testing.T) {
	c := NewClient([]string{"http://10.0.0.5:8600", "not a server", "10.0.0.6:8600", "10.0.0.5:8600"}, ClientOptions{Logger: quietLog()})
	want := []string{"http://10.0.0.5:8600", "http://10.0.0.6:8600"}
	if got := c.Servers(); !slices.Equal(got, want) {
		t.Fatalf("configured: %q, want %q (invalid dropped, duplicate dropped)", got, want)
	}

	if err := c.SetExtra("192.168.9.1:1234,10.0.0.6:8600,"); err != nil {
		t.Fatal(err)
	}
	want = []string{"http://10.0.0.5:8600", "http://10.0.0.6:8600", "http://192.168.9.1:1234"}
	if got := c.Servers(); !slices.Equal(got, want) {
		t.Fatalf("after svrlist: %q, want %q (added after, configured not repeated)", got, want)
	}

	if err := c.SetExtra("192.168.9.2:1234,bad:port"); err == nil || !strings.Contains(err.Error(), "bad:port") {
		t.Fatalf("SetExtra with an invalid entry: err = %v, want one naming it", err)
	}
	if got := c.Servers(); !slices.Equal(got, want) {
		t.Fatalf("a failed SetExtra changed the list: %q", got)
	}

	if err := c.SetExtra("192.168.9.2:1234"); err != nil {
		t.Fatal(err)
	}
	want = []string{"http://10.0.0.5:8600", "http://10.0.0.6:8600", "http://192.168.9.2:1234"}
	if got := c.Servers(); !slices.Equal(got, want) {
		t.Fatalf("second svrlist: %q, want %q (replaces the previous svrlist only)", got, want)
	}
}
