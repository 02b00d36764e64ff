package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// AdminTokenFile is the name of the first admin token in the data
// directory (SPEC §10), which the CLI on this machine reads by default.
const AdminTokenFile = "admin.token"

// EnsureAdminTokenFile writes a new admin token to dataDir/admin.token
// (0600, in a 0700 directory it creates) unless that file exists: a
// restart keeps the operator's token. An existing file that does not
// authenticate against this database (a database started afresh) is kept
// too, with a warning saying how to get a new one.
func EnsureAdminTokenFile(ctx context.Context, s *Store, dataDir string) error {
	path := filepath.Join(dataDir, AdminTokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if _, aerr := s.Authenticate(ctx, strings.TrimSpace(string(b))); aerr != nil {
			s.log.Warn("the admin token file is not valid for this database; remove it and restart to mint a new one",
				"file", path, "err", aerr)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read admin token %s: %w", path, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", dataDir, err)
	}
	created, err := s.CreateAdminToken(ctx, api.RoleAdmin)
	if err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := writeSecretFile(path, created.Token+"\n"); err != nil {
		return fmt.Errorf("write admin token %s: %w", path, err)
	}
	s.log.Info("admin token written", "file", path, "token_id", created.ID)
	return nil
}

// writeSecretFile writes data to path atomically, mode 0600 from the
// first byte: a reader never sees half a token, nobody else ever can.
func writeSecretFile(path, data string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename, a no-op
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
