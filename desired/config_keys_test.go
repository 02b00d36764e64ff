package desired

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"
)

// pubFile writes a fresh minisign public key as `minisign -G` does (an
// untrusted comment, then the base64 line) and returns the key and line.
func pubFile(t *testing.T, path string) (minisign.PublicKey, string) {
	t.Helper()
	pub, _, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	text, err := pub.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	// MarshalText writes the comment line too; the config takes the key line.
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	line := lines[len(lines)-1]
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "untrusted comment: minisign public key\n"+line+"\n")
	return pub, line
}

func TestLoadConfigTrustedKeys(t *testing.T) {
	dir := t.TempDir()
	k1, line1 := pubFile(t, filepath.Join(dir, "k1.pub"))
	tests := []struct {
		name     string
		yaml     string
		wantKeys []minisign.PublicKey
		check    func(t *testing.T, c Config)
		wantErrs []wantErr
	}{
		{name: "inline key", yaml: "trusted_keys: [" + line1 + "]\nrequire_signature: true\n", wantKeys: []minisign.PublicKey{k1}},
		{name: "key file relative to the config", yaml: "trusted_keys:\n  - '@k1.pub'\n  - " + line1 + "\n", wantKeys: []minisign.PublicKey{k1, k1}},
		{name: "bad inline key with its line", yaml: "step: 1\ntrusted_keys:\n  - " + line1 + "\n  - RWQnotakey\n", wantErrs: []wantErr{{4, "trusted_keys.1: minisign: invalid public key"}}},
		{name: "missing key file", yaml: "trusted_keys: ['@none.pub']\n", wantErrs: []wantErr{{1, "trusted_keys.0: key file " + filepath.Join(dir, "none.pub")}}},
		{name: "empty key", yaml: "trusted_keys: ['']\n", wantErrs: []wantErr{{1, "trusted_keys.0: empty key"}}},
		{name: "require_signature without keys", yaml: "\nrequire_signature: true\n", wantErrs: []wantErr{{2, "require_signature: is true but trusted_keys is empty"}}},
		{name: "no keys, nothing required", yaml: "step: 1\n", check: func(t *testing.T, c Config) {
			if c.Keys != nil || c.RequireSignature || c.AllowLocalPackages || c.ServerJobUser != "" {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{name: "allow_local_packages and server_job_user", yaml: "allow_local_packages: true\nserver_job_user: nobody\n", check: func(t *testing.T, c Config) {
			if !c.AllowLocalPackages || c.ServerJobUser != "nobody" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "bad server_job_user", yaml: "server_job_user: 'a b'\n", wantErrs: []wantErr{{1, `server_job_user: "a b" is neither`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "bootagent.yaml")
			writeFile(t, path, tt.yaml)
			c, err := LoadConfig(path)
			if tt.wantErrs != nil {
				var errs Errors
				if !errors.As(err, &errs) {
					t.Fatalf("LoadConfig() error = %v, want Errors", err)
				}
				checkErrors(t, errs, path, tt.wantErrs)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Keys) != len(tt.wantKeys) {
				t.Fatalf("Keys = %v, want %d", c.Keys, len(tt.wantKeys))
			}
			for i, k := range tt.wantKeys {
				if !c.Keys[i].Equal(k) {
					t.Errorf("key %d = %v, want %v", i, c.Keys[i], k)
				}
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}
