package api

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/bootagent/bootagent/internal/statedir"
)

// The agent's identity (SPEC §7): an agentsn created once, kept in
// statedir.AgentSN (<stateDir>/private/agentsn) as one line, and replaced
// only when the server re-assigns one at registration.

// maxAgentSNLen bounds a server-assigned agentsn.
const maxAgentSNLen = 128

// LoadOrCreateAgentSN returns the persisted agentsn, creating and
// persisting a new UUID the first time. An empty file (an operator's way to
// ask for a new identity) gets a new one too; a file with an invalid
// agentsn is an error, not silently replaced: a new identity makes the
// server see a new host.
func LoadOrCreateAgentSN(stateDir string) (string, error) {
	p := statedir.AgentSN(stateDir)
	data, err := os.ReadFile(p)
	switch {
	case err == nil && strings.TrimSpace(string(data)) != "":
		sn := strings.TrimSpace(string(data))
		if err := ValidateAgentSN(sn); err != nil {
			return "", fmt.Errorf("agentsn file %s: %w", p, err)
		}
		return sn, nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("agentsn file: %w", err)
	}
	sn, err := newUUID()
	if err != nil {
		return "", fmt.Errorf("agentsn file %s: %w", p, err)
	}
	if err := SaveAgentSN(stateDir, sn); err != nil {
		return "", err
	}
	return sn, nil
}

// SaveAgentSN persists sn, typically one the server re-assigned.
func SaveAgentSN(stateDir, sn string) error {
	if err := ValidateAgentSN(sn); err != nil {
		return err
	}
	if err := statedir.EnsurePrivate(stateDir); err != nil {
		return fmt.Errorf("agentsn: %w", err)
	}
	if err := writeFileAtomic(statedir.AgentSN(stateDir), []byte(sn+"\n"), 0o600); err != nil {
		return fmt.Errorf("agentsn: %w", err)
	}
	return nil
}

// ValidateAgentSN accepts any server-assigned identifier that is safe to
// log, store and send back: non-empty, at most 128 bytes, no whitespace,
// control characters or slashes.
func ValidateAgentSN(sn string) error {
	switch {
	case sn == "":
		return errors.New("agentsn is empty")
	case len(sn) > maxAgentSNLen:
		return fmt.Errorf("agentsn is %d bytes long (at most %d)", len(sn), maxAgentSNLen)
	case strings.IndexFunc(sn, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("agentsn %q contains whitespace or control characters", sn)
	case strings.ContainsAny(sn, `/\`):
		return fmt.Errorf("agentsn %q contains a slash", sn)
	}
	return nil
}

// newUUID makes a random (version 4) UUID. Eight lines here instead of
// github.com/google/uuid leave go.mod, shared with other packages, as is.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
