package syntax

import (
	"strings"
	"testing"
)

// The secret of these tests: no error or display form may contain it.
const secret = "pw-SECRET"

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"password", "http://user:pw-SECRET@h/x.tgz", "http://user:xxxxx@h/x.tgz"},
		{"no password", "ftp://anonymous@h/x.tgz", "ftp://anonymous@h/x.tgz"},
		{"no user", "https://h/x.tgz", "https://h/x.tgz"},
		{"control character", "http://user:pw-SECRET\t@h/x.tgz", "http://user:xxxxx@h/x.tgz"},
		{"forced getter", "git::http://user:pw-SECRET@h/x.tgz", "git::http://user:xxxxx@h/x.tgz"},
		{"bad escape", "http://user:pw-SECRET%zz@h/x.tgz", "http://user:xxxxx@h/x.tgz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactURL(tt.raw); got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestRedactURLsIn(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"quoted URL", "error downloading 'http://user:pw-SECRET@h/x.tgz': 404", "error downloading 'http://user:xxxxx@h/x.tgz': 404"},
		{"JSON", `{"url":"ftp://u:pw-SECRET@h/a.zip","x":"http://h/b"}`, `{"url":"ftp://u:xxxxx@h/a.zip","x":"http://h/b"}`},
		{"nothing to hide", "timeout at http://h:80/x", "timeout at http://h:80/x"},
		{"a port, then an address", "http://h:80 or me@x", "http://h:80 or me@x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactURLsIn(tt.text); got != tt.want {
				t.Errorf("RedactURLsIn(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// Errors about URLs and env names name what is wrong, never a password or
// a value.
func TestErrorsHideSecrets(t *testing.T) {
	tests := []struct {
		name string
		err  func() error
		want string // the error still says what is at fault
	}{
		{"package URL with control character", func() error {
			_, err := ParsePackageURL("http://user:pw-SECRET@h/x\t.tgz")
			return err
		}, "control characters"},
		{"package URL with forced getter", func() error {
			_, err := ParsePackageURL("git::http://user:pw-SECRET@h/x.tgz")
			return err
		}, "forced getters"},
		{"package URL with bad escape", func() error {
			_, err := ParsePackageURL("http://user:pw-SECRET%zz@h/x.tgz")
			return err
		}, "escape"},
		{"package URL with space", func() error {
			_, err := ParsePackageURL("http://user:pw-SECRET@h/x y.tgz")
			return err
		}, "no spaces"},
		{"server with password", func() error {
			_, err := ParseServer("http://user:pw-SECRET@h:8600")
			return err
		}, "no user or password"},
		{"server with bad escape", func() error {
			_, err := ParseServer("http://user:pw-SECRET%zz@h:8600")
			return err
		}, "not a server address"},
		{"server with space", func() error {
			_, err := ParseServer("http://user:pw-SECRET@h:8600 x")
			return err
		}, "not a server address"},
		{"env NAME=value as a name", func() error {
			return Env("TOKEN=pw-SECRET", "")
		}, `"TOKEN"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}
