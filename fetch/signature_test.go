package fetch

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"
	"github.com/bootagent/bootagent/syntax"
)

// testKey is a minisign key pair generated for one test.
type testKey struct {
	pub  minisign.PublicKey
	priv minisign.PrivateKey
	id   string // as minisign prints it
}

func newTestKey(t *testing.T) testKey {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{pub: pub, priv: priv, id: syntax.KeyID(pub.ID())}
}

// signFile signs the file at p as `minisign -S` does (prehashed), with
// the given trusted comment.
func (k testKey) signFile(t *testing.T, p, comment string) []byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := minisign.NewReader(f)
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	return r.SignWithComments(k.priv, comment, "signature from test key")
}

func TestFetchSignatures(t *testing.T) {
	trusted, other := newTestKey(t), newTestKey(t)
	web := newPkgServer(t, false)

	tests := []struct {
		name string
		// prepare serves the package (and maybe its signature) and
		// returns the request.
		prepare func(t *testing.T) Request
		want    []string // substrings of the error; nil: installs
	}{
		{"good signature installs", func(t *testing.T) Request {
			url, sum := web.put(t, "good.tar.gz", pkgMembers("1.0"))
			writeSig(t, web.dir, "good.tar.gz.minisig", trusted.signFile(t, filepath.Join(web.dir, "good.tar.gz"), "timestamp:1"))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, nil},
		{"legacy (non-prehashed) signature installs", func(t *testing.T) Request {
			url, sum := web.put(t, "legacy.tar.gz", pkgMembers("1.0"))
			body, err := os.ReadFile(filepath.Join(web.dir, "legacy.tar.gz"))
			if err != nil {
				t.Fatal(err)
			}
			writeSig(t, web.dir, "legacy.tar.gz.minisig", minisign.Sign(trusted.priv, body))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, nil},
		{"inline signature in the request", func(t *testing.T) Request {
			url, sum := web.put(t, "inline.tar.gz", pkgMembers("1.0"))
			sig := trusted.signFile(t, filepath.Join(web.dir, "inline.tar.gz"), "timestamp:2")
			return Request{Name: "A", URL: url, Checksum: sum, Signature: string(sig)}
		}, nil},
		{"signature URL in the request", func(t *testing.T) Request {
			url, sum := web.put(t, "elsewhere.tar.gz", pkgMembers("1.0"))
			writeSig(t, web.dir, "sigs-elsewhere", trusted.signFile(t, filepath.Join(web.dir, "elsewhere.tar.gz"), "t"))
			return Request{Name: "A", URL: url, Checksum: sum, Signature: web.URL + "/sigs-elsewhere"}
		}, nil},
		{"unsigned package", func(t *testing.T) Request {
			url, sum := web.put(t, "unsigned.tar.gz", pkgMembers("1.0"))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, []string{"no signature at " + web.URL + "/unsigned.tar.gz.minisig", "404", trusted.id}},
		{"signature by an untrusted key", func(t *testing.T) Request {
			url, sum := web.put(t, "untrusted.tar.gz", pkgMembers("1.0"))
			writeSig(t, web.dir, "untrusted.tar.gz.minisig", other.signFile(t, filepath.Join(web.dir, "untrusted.tar.gz"), "t"))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, []string{"by key id " + other.id + ", which is not one of trusted_keys (key ids " + trusted.id + ")", "untrusted.tar.gz.minisig"}},
		{"signature of another file", func(t *testing.T) Request {
			url, sum := web.put(t, "swapped.tar.gz", pkgMembers("1.0"))
			web.put(t, "decoy.tar.gz", pkgMembers("6.6.6"))
			writeSig(t, web.dir, "swapped.tar.gz.minisig", trusted.signFile(t, filepath.Join(web.dir, "decoy.tar.gz"), "t"))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, []string{"swapped.tar.gz.minisig by key id " + trusted.id + " does not verify"}},
		{"edited trusted comment", func(t *testing.T) Request {
			url, sum := web.put(t, "edited.tar.gz", pkgMembers("1.0"))
			sig := string(trusted.signFile(t, filepath.Join(web.dir, "edited.tar.gz"), "timestamp:1 file:edited.tar.gz"))
			edited := strings.Replace(sig, "trusted comment: timestamp:1", "trusted comment: timestamp:9", 1)
			if edited == sig {
				t.Fatalf("no trusted comment to edit in %q", sig)
			}
			writeSig(t, web.dir, "edited.tar.gz.minisig", []byte(edited))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, []string{"edited.tar.gz.minisig by key id " + trusted.id + " does not verify"}},
		{"not a signature", func(t *testing.T) Request {
			url, sum := web.put(t, "garbage.tar.gz", pkgMembers("1.0"))
			writeSig(t, web.dir, "garbage.tar.gz.minisig", []byte("<html>hello</html>"))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, []string{"garbage.tar.gz.minisig is not a minisign signature"}},
		{"signature over the size cap", func(t *testing.T) Request {
			url, sum := web.put(t, "huge.tar.gz", pkgMembers("1.0"))
			writeSig(t, web.dir, "huge.tar.gz.minisig", make([]byte, syntax.MaxSignature+1))
			return Request{Name: "A", URL: url, Checksum: sum}
		}, []string{"huge.tar.gz.minisig is over 65536 bytes"}},
		{"checked before unpack: a corrupt unsigned archive is refused for its signature", func(t *testing.T) Request {
			writeSig(t, web.dir, "corrupt.tar.gz", []byte("not gzip at all"))
			return Request{Name: "A", URL: web.URL + "/corrupt.tar.gz", Checksum: checksumOf(t, filepath.Join(web.dir, "corrupt.tar.gz"))}
		}, []string{"no signature at", trusted.id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, func(o *Options) { o.TrustedKeys = []minisign.PublicKey{trusted.pub} })
			inst, err := s.Fetch(context.Background(), tt.prepare(t))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if inst.Version != "1.0" {
					t.Errorf("installed %+v", inst)
				}
				return
			}
			if !errors.Is(err, ErrSignature) || !IsTerminal(err) {
				t.Fatalf("err = %v, want a terminal signature error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q\nwant it to contain %q", err, w)
				}
			}
			assertNothingInstalled(t, state, "A")
		})
	}
}

// Offline labs need no keys: without trusted keys an unsigned package
// installs as before.
func TestFetchWithoutTrustedKeysNeedsNoSignature(t *testing.T) {
	web := newPkgServer(t, false)
	url, sum := web.put(t, "a.tar.gz", pkgMembers("1.0"))
	s, _ := newTestStore(t, nil)
	if _, err := s.Fetch(context.Background(), Request{Name: "A", URL: url, Checksum: sum}); err != nil {
		t.Fatal(err)
	}
}

func writeSig(t *testing.T, dir, file string, body []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), body, 0o644); err != nil {
		t.Fatal(err)
	}
}
