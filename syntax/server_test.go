package syntax

import (
	"slices"
	"strings"
	"testing"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "http", in: "http://10.0.0.5:8600", want: "http://10.0.0.5:8600"},
		{name: "https without port", in: "https://ctl.example", want: "https://ctl.example"},
		{name: "bare host:port is http", in: "10.0.0.6:8600", want: "http://10.0.0.6:8600"},
		{name: "case folded, trailing slash dropped", in: "HTTP://Ctl.Example:80/", want: "http://ctl.example:80"},
		{name: "path prefix kept", in: "https://h/bootagent/", want: "https://h/bootagent"},
		{name: "ipv6 bracketed", in: "[::1]:8600", want: "http://[::1]:8600"},
		{name: "ipv6 url without port", in: "http://[::1]", want: "http://[::1]"},
		{name: "surrounding space trimmed", in: " h:1 ", want: "http://h:1"},
		{name: "user info refused", in: "http://user:pw@127.0.0.1:9", wantErr: "takes no user or password"},
		{name: "user without password refused", in: "http://user@h:9", wantErr: "takes no user"},
		{name: "other scheme", in: "ftp://h:21", wantErr: `scheme "ftp" is not http or https`},
		{name: "no host", in: "http://:80", wantErr: "has no host"},
		{name: "no host at all", in: "http://", wantErr: "has no host"},
		{name: "query", in: "http://h:1/?x=1", wantErr: "no query or fragment"},
		{name: "empty query", in: "http://h:1/?", wantErr: "no query or fragment"},
		{name: "fragment", in: "http://h:1/#x", wantErr: "no query or fragment"},
		{name: "port out of range", in: "b:99999", wantErr: `port "99999" is not in 1-65535`},
		{name: "port zero", in: "http://h:0", wantErr: "not in 1-65535"},
		{name: "empty port", in: "host:", wantErr: "not in 1-65535"},
		{name: "bare without port", in: "ctl.example", wantErr: "has no port"},
		{name: "bare with a path", in: "h:1/x", wantErr: "is not host:port"},
		{name: "ipv6 without brackets", in: "::1:8600", wantErr: "not a server address"},
		{name: "space inside", in: "a b:1", wantErr: "not a server address"},
		{name: "empty", in: "", wantErr: "not a server address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseServer(tt.in)
			checkParse(t, got, err, tt.want, tt.wantErr)
			if err != nil && strings.Contains(err.Error(), ":pw@") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

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
		{name: "bare entry needs a port", in: "a:1,b", wantErr: []string{`"b" has no port`}},
		{name: "user info refused", in: "a:1,http://u:p@b:2", wantErr: []string{"takes no user"}},
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
