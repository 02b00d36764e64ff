package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FetchFile: a plain file, checksum required and checked.
func TestFetchFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bootagent-2.0")
	if err := os.WriteFile(src, []byte("new binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("new binary"))
	good := "SHA256:" + hex.EncodeToString(sum[:])
	s, err := NewStore(filepath.Join(dir, "state"), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, checksum string
		want           error
	}{
		{"good", good, nil},
		{"wrong checksum", "SHA256:" + hex.EncodeToString(make([]byte, 32)), ErrChecksumMismatch},
		{"checksum required even for a local file", "", ErrChecksumRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, digest, done, err := s.FetchFile(t.Context(), Request{Name: "bootagent", URL: src, Checksum: tt.checksum})
			if !errors.Is(err, tt.want) {
				t.Fatalf("FetchFile: %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			defer done()
			if b, _ := os.ReadFile(path); string(b) != "new binary" || digest != hex.EncodeToString(sum[:]) {
				t.Errorf("got %q digest %s", b, digest)
			}
			done()
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("done left %s", path)
			}
		})
	}
}
