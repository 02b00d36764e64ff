package syntax

import (
	"strings"
	"testing"
)

func TestServerJobEnv(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		refused   bool
	}{
		{"plain", "PATH", false},
		{"preload", "LD_PRELOAD", true},
		{"library path", "LD_LIBRARY_PATH", true},
		{"audit", "LD_AUDIT", true},
		{"gconv", "GCONV_PATH", true},
		{"bash env", "BASH_ENV", true},
		{"sh env", "ENV", true},
		{"env prefix is fine", "ENVIRONMENT", false},
		{"ld without underscore", "LDFLAGS", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ServerJobEnv(tc.env)
			if (err != nil) != tc.refused {
				t.Fatalf("ServerJobEnv(%q) = %v, refused want %v", tc.env, err, tc.refused)
			}
			if err != nil && !strings.Contains(err.Error(), tc.env) {
				t.Errorf("error %q does not name %s", err, tc.env)
			}
		})
	}
}

func TestServerJobURL(t *testing.T) {
	for _, tc := range []struct {
		name, url  string
		allowLocal bool
		refused    bool
	}{
		{"http", "http://repo/a.tar.gz", false, false},
		{"file url", "file:///srv/a.tar.gz", false, true},
		{"absolute path", "/srv/a.tar.gz", false, true},
		{"file url allowed", "file:///srv/a.tar.gz", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParsePackageURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			err = ServerJobURL("url", u, tc.allowLocal)
			if (err != nil) != tc.refused {
				t.Fatalf("ServerJobURL(%q) = %v, refused want %v", tc.url, err, tc.refused)
			}
			if err != nil && !strings.Contains(err.Error(), "allow_local_packages") {
				t.Errorf("error %q does not name allow_local_packages", err)
			}
		})
	}
}

func TestSignatureURL(t *testing.T) {
	for _, tc := range []struct {
		name, pkg, sig string
		want           string // Getter
		local          string
	}{
		{"default http", "http://repo/a-1.tar.gz", "", "http://repo/a-1.tar.gz.minisig", ""},
		{"default drops archive", "http://repo/get?archive=tgz&v=1", "", "http://repo/get.minisig?v=1", ""},
		{"default absolute path", "/srv/a.tgz", "", "file:///srv/a.tgz.minisig", "/srv/a.tgz.minisig"},
		{"default file url", "file:///srv/a.tgz", "", "file:///srv/a.tgz.minisig", "/srv/a.tgz.minisig"},
		{"given url", "http://repo/a.tgz", "https://sigs/a.sig", "https://sigs/a.sig", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := SignatureURL(tc.pkg, tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			if u.Getter != tc.want || u.LocalPath != tc.local || u.Local != (tc.local != "") {
				t.Errorf("SignatureURL(%q, %q) = %+v, want getter %s local %q", tc.pkg, tc.sig, u, tc.want, tc.local)
			}
		})
	}
}

func TestCheckSignature(t *testing.T) {
	for _, tc := range []struct {
		name, sig string
		ok        bool
	}{
		{"empty", "", true},
		{"inline", "untrusted comment: x\nRUQ...\n", true},
		{"url", "https://sigs/a.minisig", true},
		{"bad scheme", "git::https://x/y", false},
		{"not a url", "hello", false},
		{"inline too long", "untrusted comment: " + strings.Repeat("x", MaxSignature), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckSignature(tc.sig); (err == nil) != tc.ok {
				t.Errorf("CheckSignature = %v, ok want %v", err, tc.ok)
			}
		})
	}
}

func TestAccount(t *testing.T) {
	for _, tc := range []struct {
		name, s string
		ok      bool
	}{
		{"empty", "", true},
		{"name", "monitor", true},
		{"machine", "host$", true},
		{"uid", "1000", true},
		{"minus one", "4294967295", false},
		{"slash", "a/b", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Account(tc.s); (err == nil) != tc.ok {
				t.Errorf("Account(%q) = %v, ok want %v", tc.s, err, tc.ok)
			}
		})
	}
}
