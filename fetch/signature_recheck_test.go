package fetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"aead.dev/minisign"
)

// A version installed before trusted_keys were set is not reused on trust:
// once keys are configured, fetching it again needs its signature, like a
// new package (SPEC §10). Without one it is refused (terminal, the
// installed files untouched); with one it is recorded as signed and reused
// in place, not unpacked again over what may be running; after that it is
// reused without a download. A key later dropped from trusted_keys makes
// it unverified again.
func TestInstalledBeforeTrustedKeysIsChecked(t *testing.T) {
	key, other := newTestKey(t), newTestKey(t)
	web := newPkgServer(t, false)
	url, sum := web.put(t, "a-1.0.tar.gz", pkgMembers("1.0"))
	req := Request{Name: "A", URL: url, Checksum: sum}
	state := t.TempDir()
	open := func(keys ...minisign.PublicKey) *Store {
		t.Helper()
		opts := DefaultOptions()
		opts.Logger = testLogger(t)
		opts.TrustedKeys = keys
		s, err := NewStore(state, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()

	inst, err := open().Fetch(ctx, req)
	if err != nil || inst.SignedBy != "" {
		t.Fatalf("unsigned install without trusted_keys: %+v, %v", inst, err)
	}
	// Something the running agent wrote into its package directory: gone
	// if the version were unpacked again.
	sentinel := filepath.Join(inst.Dir, "written-while-running")
	if err := os.WriteFile(sentinel, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	signed := open(key.pub)
	if _, err := signed.Fetch(ctx, req); !errors.Is(err, ErrSignature) || !IsTerminal(err) {
		t.Fatalf("unsigned installed version under trusted_keys: err = %v, want a terminal signature error", err)
	}
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatalf("a refused re-check touched the installed version: %v", err)
	}

	writeSig(t, web.dir, "a-1.0.tar.gz.minisig", key.signFile(t, filepath.Join(web.dir, "a-1.0.tar.gz"), "t"))
	again, err := signed.Fetch(ctx, req)
	if err != nil || again.Dir != inst.Dir || again.SignedBy != key.id {
		t.Fatalf("signed re-check: %+v, %v; want %s signed by %s", again, err, inst.Dir, key.id)
	}
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatalf("the re-check unpacked the version again: %v", err)
	}
	gets := web.gets.Load()
	if _, err := open(key.pub).Fetch(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := web.gets.Load(); got != gets {
		t.Fatalf("a verified version was downloaded again (%d GETs, want %d)", got, gets)
	}

	if _, err := open(other.pub).Fetch(ctx, req); !errors.Is(err, ErrSignature) {
		t.Fatalf("version signed by a key no longer trusted: err = %v, want a signature error", err)
	}
}
