package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/atomicfile"
	"github.com/bootagent/bootagent/internal/statedir"
)

// Host identity (SPEC §10): the credential a server hands out at register
// lives in state_dir/private/host-credential (0600) and goes with every
// request; until there is one, the enrollment token of enroll_token_file
// goes with register (to https servers only: api.Client.Register).

// loadCredential gives the client the stored credential, if any, and
// otherwise the enrollment token. Neither is ever logged.
func (d *Daemon) loadCredential() {
	b, err := os.ReadFile(statedir.Credential(d.cfg.StateDir))
	switch {
	case err == nil && strings.TrimSpace(string(b)) != "":
		d.client.SetCredential(strings.TrimSpace(string(b)))
		d.client.SetEnrollToken("")
		return
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		d.log.Warn("host credential unreadable; enrolling again", "file", statedir.Credential(d.cfg.StateDir), "error", err)
	}
	d.client.SetCredential("")
	d.loadEnrollToken()
}

// loadEnrollToken reads enroll_token_file, when configured, for the next
// register.
func (d *Daemon) loadEnrollToken() {
	if d.cfg.EnrollTokenFile == "" {
		return
	}
	b, err := os.ReadFile(d.cfg.EnrollTokenFile)
	if err != nil {
		d.log.Warn("enrollment token unreadable; registering without it", "file", d.cfg.EnrollTokenFile, "error", err)
		return
	}
	d.client.SetEnrollToken(strings.TrimSpace(string(b)))
}

// saveCredential stores a credential from an answer (first one or a
// renewal) and uses it from now on. The write is atomic: a crash leaves
// the old credential or the new one, never a torn file.
func (d *Daemon) saveCredential(cred string) error {
	if cred == "" {
		return nil
	}
	if err := statedir.EnsurePrivate(d.cfg.StateDir); err != nil {
		return err
	}
	p := statedir.Credential(d.cfg.StateDir)
	if err := atomicfile.WriteFile(p, []byte(cred+"\n"), 0o600); err != nil {
		return fmt.Errorf("store host credential %s: %w", p, err)
	}
	d.client.SetCredential(cred)
	d.client.SetEnrollToken("") // used: the token is sent once
	return nil
}

// credentialRefused says whether err is a server refusing the credential
// (401): it is then dropped, and the next register enrols again (with the
// enrollment token, if the file still holds one).
func credentialRefused(err error) bool {
	var se *api.StatusError
	return errors.As(err, &se) && se.Code == http.StatusUnauthorized
}

// dropCredential forgets a refused credential.
func (d *Daemon) dropCredential() {
	p := statedir.Credential(d.cfg.StateDir)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("refused host credential not removed", "file", p, "error", err)
	}
	d.client.SetCredential("")
	d.loadEnrollToken()
}
