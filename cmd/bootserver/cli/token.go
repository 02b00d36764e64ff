package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bootagent/bootagent/server"
)

// DefaultDataDir is the server's data directory without --data-dir: the
// directory of the default --db (bootserver.db), so the working directory.
const DefaultDataDir = "."

// tokenSource says where an admin command's token comes from (SPEC §10):
// --token-file, else $BOOTSERVER_TOKEN (then token is set and file empty),
// else admin.token in --data-dir, else in $BOOTSERVER_DATA_DIR, else in
// DefaultDataDir. fromFlag says the file was named explicitly.
func tokenSource(tokenFile, envToken, dataDir, envDataDir string) (file, token string, fromFlag bool) {
	switch {
	case tokenFile != "":
		return tokenFile, "", true
	case envToken != "":
		return "", envToken, false
	case dataDir != "":
		return filepath.Join(dataDir, server.AdminTokenFile), "", false
	case envDataDir != "":
		return filepath.Join(envDataDir, server.AdminTokenFile), "", false
	}
	return filepath.Join(DefaultDataDir, server.AdminTokenFile), "", false
}

// caSource says which CA file an admin command trusts (SPEC §10): --ca,
// else $BOOTSERVER_CA, else ca.pem in the data directory found as
// tokenSource finds it.
func caSource(caFlag, envCA, dataDir, envDataDir string) string {
	switch {
	case caFlag != "":
		return caFlag
	case envCA != "":
		return envCA
	case dataDir != "":
		return filepath.Join(dataDir, server.CAFile)
	case envDataDir != "":
		return filepath.Join(envDataDir, server.CAFile)
	}
	return filepath.Join(DefaultDataDir, server.CAFile)
}

// errCA marks a CA file that cannot be read: a failure, like errToken.
var errCA = errors.New("no CA to trust the server with")

// errToken marks a token that cannot be read: a failure (exit 1), unlike a
// bad --server URL (a usage error, exit 2).
var errToken = errors.New("no admin token")

// clientError reports an error of client.
func (c *CLI) clientError(err error) int {
	if errors.Is(err, errToken) || errors.Is(err, errCA) {
		return c.fail(err)
	}
	return c.usageError("%v", err)
}

// token reads the admin token. Errors name the file, never its content.
func (c *CLI) token(f adminFlags) (string, error) {
	file, tok, fromFlag := tokenSource(*f.tokenFile, c.Getenv("BOOTSERVER_TOKEN"), *f.dataDir, c.Getenv("BOOTSERVER_DATA_DIR"))
	if file == "" {
		return strings.TrimSpace(tok), nil
	}
	b, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !fromFlag:
		return "", fmt.Errorf("%w: %s does not exist (pass --token-file F, set $BOOTSERVER_TOKEN, "+
			"or point --data-dir or $BOOTSERVER_DATA_DIR at the server's data directory)", errToken, file)
	case err != nil:
		return "", fmt.Errorf("%w: %w", errToken, err)
	}
	tok = strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%w: %s is empty", errToken, file)
	}
	return tok, nil
}
