package fetch

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseChecksum(t *testing.T) {
	const hex = "4a34b8d7e2c1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5"
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{name: "wire form", in: "SHA256:" + hex, want: hex},
		{name: "lowercase prefix", in: "sha256:" + hex, want: hex},
		{name: "mixed case prefix and digits", in: "Sha256:" + strings.ToUpper(hex), want: hex},
		{name: "surrounding space refused, as validation refuses it", in: " SHA256:" + hex + "\n", wantErr: true},
		{name: "no prefix", in: hex, wantErr: true},
		{name: "other algorithm", in: "MD5:" + hex[:32], wantErr: true},
		{name: "short digest", in: "SHA256:" + hex[:62], wantErr: true},
		{name: "not hex", in: "SHA256:" + strings.Repeat("z", 64), wantErr: true},
		{name: "empty digest", in: "SHA256:", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChecksum(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadChecksum) || !IsTerminal(err) {
					t.Errorf("ParseChecksum(%q) err = %v, want a terminal ErrBadChecksum", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseChecksum(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFetchChecksumMismatchChangesNothing(t *testing.T) {
	web := newPkgServer(t, false)
	url, got := web.put(t, "a.tar.gz", pkgMembers("1.5.6"))
	_, want := web.put(t, "other.tar.gz", pkgMembers("9.9.9"))
	s, state := newTestStore(t, nil)

	_, err := s.Fetch(context.Background(), Request{Name: "BasicAgent", Version: "1.5.6", URL: url, Checksum: want})
	if !errors.Is(err, ErrChecksumMismatch) || !IsTerminal(err) {
		t.Fatalf("err = %v, want a terminal checksum mismatch", err)
	}
	msg := "fetch BasicAgent 1.5.6: checksum mismatch: want " + want + ", got " + got
	if err.Error() != msg {
		t.Errorf("err = %q\nwant  %q", err, msg)
	}
	assertNothingInstalled(t, state, "BasicAgent")
}

func TestFetchChecksumRequirement(t *testing.T) {
	web := newPkgServer(t, false)
	url, _ := web.put(t, "a.tar.gz", pkgMembers("1.0.0"))
	path := writeArchive(t, t.TempDir(), "a.tar.gz", pkgMembers("1.0.0"))

	tests := []struct {
		name     string
		require  bool
		url      string
		wantErr  error
		wantGets int32
	}{
		{name: "http refused when required", require: true, url: url, wantErr: ErrChecksumRequired},
		{name: "ftp refused when required", require: true, url: "ftp://127.0.0.1:1/a.tar.gz", wantErr: ErrChecksumRequired},
		{name: "http allowed when not required", require: false, url: url, wantGets: 1},
		{name: "file URL allowed when required", require: true, url: "file://" + path},
		{name: "absolute path allowed when required", require: true, url: path},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := web.gets.Load()
			s, state := newTestStore(t, func(o *Options) { o.RequireChecksum = tt.require })
			inst, err := s.Fetch(context.Background(), Request{Name: "A", URL: tt.url})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !IsTerminal(err) {
					t.Fatalf("err = %v, want terminal %v", err, tt.wantErr)
				}
				assertNothingInstalled(t, state, "A")
			} else if err != nil || inst.Version != "1.0.0" || !strings.HasPrefix(inst.Checksum, "SHA256:") {
				t.Fatalf("Fetch = %+v, %v; want 1.0.0 installed with its checksum recorded", inst, err)
			}
			if got := web.gets.Load() - before; got != tt.wantGets {
				t.Errorf("%d GET requests, want %d", got, tt.wantGets)
			}
		})
	}
}
