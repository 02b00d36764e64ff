package api

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSvrlist(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr []string // substrings the error must contain, naming the bad entries
	}{
		{name: "design note form with trailing comma", in: "192.168.9.1:1234,", want: []string{"http://192.168.9.1:1234"}},
		{name: "empty", in: "", want: nil},
		{name: "only commas and spaces", in: " , ,", want: nil},
		{name: "scheme optional, kept when given", in: "a:1, http://b:2 ,https://c:3", want: []string{"http://a:1", "http://b:2", "https://c:3"}},
		{name: "duplicates dropped, first kept", in: "a:1,b:2,A:1,http://a:1/", want: []string{"http://a:1", "http://b:2"}},
		{name: "ipv6", in: "[::1]:8600", want: []string{"http://[::1]:8600"}},
		{name: "url with path prefix", in: "http://h:1/bootagent/", want: []string{"http://h:1/bootagent"}},
		{name: "bad port named", in: "a:1,b:99999", wantErr: []string{`"b:99999"`}},
		{name: "every invalid entry named", in: "a:1,:80,ftp://x:1,h:abc,host:,u@h:1/x?y", wantErr: []string{`":80"`, `"ftp://x:1"`, `"h:abc"`, `"host:"`}},
		{name: "space inside an entry", in: "a b:1", wantErr: []string{`"a b:1"`}},
		{name: "bare host:port with a path", in: "h:1/x", wantErr: []string{`"h:1/x"`}},
		{name: "query refused", in: "http://h:1/?x=1", wantErr: []string{`"http://h:1/?x=1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSvrlist(tt.in)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("ParseSvrlist(%q) = %q, want an error", tt.in, got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %s", err, w)
					}
				}
				if got != nil {
					t.Errorf("got %q with the error, want nothing", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSvrlist(%q): %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseSvrlist(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

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
