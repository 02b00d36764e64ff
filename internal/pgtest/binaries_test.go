package pgtest

import "testing"

func TestNewestVersion(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{name: "none", names: nil, want: ""},
		{name: "one", names: []string{"15"}, want: "15"},
		{name: "numeric not lexical", names: []string{"9.6", "16", "15"}, want: "16"},
		{name: "minor breaks a tie", names: []string{"9.5", "9.6", "9"}, want: "9.6"},
		{name: "non-versions ignored", names: []string{"lib", "15", "16.beta", ".", "-1"}, want: "15"},
		{name: "only non-versions", names: []string{"share", "README"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newestVersion(tt.names); got != tt.want {
				t.Fatalf("newestVersion(%q) = %q, want %q", tt.names, got, tt.want)
			}
		})
	}
}

func TestRunAsName(t *testing.T) {
	tests := []struct {
		name             string
		euid             int
		havePostgresUser bool
		want             string
	}{
		{name: "root with postgres user", euid: 0, havePostgresUser: true, want: "postgres"},
		{name: "root without postgres user", euid: 0, havePostgresUser: false, want: "nobody"},
		{name: "unprivileged stays itself", euid: 1000, havePostgresUser: true, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runAsName(tt.euid, tt.havePostgresUser); got != tt.want {
				t.Fatalf("runAsName(%d, %v) = %q, want %q", tt.euid, tt.havePostgresUser, got, tt.want)
			}
		})
	}
}
