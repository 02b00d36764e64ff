package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"aead.dev/minisign"
	"github.com/bootagent/bootagent/syntax"
)

// maxLegacyMessage bounds a package verified with a legacy (non-prehashed,
// "Ed") minisign signature: the library needs the whole file in memory for
// those. minisign signs prehashed ("ED") by default since 0.8, which is
// verified streaming at any size.
const maxLegacyMessage = 64 << 20

// checkSignature makes sure, when trusted keys are configured, that the
// downloaded archive carries a minisign signature by one of them. It runs
// after the checksum and before unpack, so an unsigned package never has
// an entry written; the signature is fetched into work, and goes with it.
// It returns the id of the key that signed it ("" without trusted keys).
func (s *Store) checkSignature(ctx context.Context, log *slog.Logger, req Request, archive, work string) (string, error) {
	keys := s.opts.TrustedKeys
	if len(keys) == 0 {
		return "", nil
	}
	text, where, err := s.signatureText(ctx, log, req, work)
	if err != nil {
		return "", err
	}
	sig, err := verifySignature(archive, text, where, keys)
	if err != nil {
		return "", err
	}
	id := syntax.KeyID(sig.KeyID)
	log.Info("package signature verified", "key_id", id, "trusted_comment", sig.TrustedComment)
	return id, nil
}

// signedByTrusted says whether an installed version signed by keyID may be
// reused as it is: always without trusted_keys, else only when keyID is
// one of them.
func (s *Store) signedByTrusted(keyID string) bool {
	if len(s.opts.TrustedKeys) == 0 {
		return true
	}
	for _, k := range s.opts.TrustedKeys {
		if syntax.KeyID(k.ID()) == keyID {
			return true
		}
	}
	return false
}

// resign is the end of checking again a version installed before the
// current trusted_keys: the archive just downloaded has digest and a
// signature by keyID, so the installed version with that digest (and
// version, when named) is recorded as signed and reused, without
// unpacking it again over what may be running. nil when there is none.
func (s *Store) resign(log *slog.Logger, req Request, digest, keyID string) (*Installed, error) {
	if keyID == "" {
		return nil, nil
	}
	list, err := s.List(req.Name)
	if err != nil {
		return nil, err
	}
	for i := range list {
		inst := &list[i]
		if d, _ := ParseChecksum(inst.Checksum); d != digest || inst.System != req.system() ||
			(req.Version != "" && inst.Version != req.Version) {
			continue
		}
		// The marker is in the version directory, which is Dir only for
		// archives (an rpm or deb runs from a directory within it).
		versionDir := filepath.Join(s.agentDir(req.Name), inst.Version)
		mk, err := readMarker(versionDir)
		if err != nil {
			return nil, err
		}
		mk.SignedBy = keyID
		if err := rewriteMarker(versionDir, mk); err != nil {
			return nil, fmt.Errorf("record the signature of %s %s: %w", req.Name, inst.Version, err)
		}
		log.Info("installed package now verified against trusted_keys", "version", inst.Version, "key_id", keyID)
		inst.SignedBy = keyID
		return inst, nil
	}
	return nil, nil
}

// signatureText is the request's inline signature, or the one fetched
// from its URL through the package getters, capped at MaxSignature.
// where names it in errors.
func (s *Store) signatureText(ctx context.Context, log *slog.Logger, req Request, work string) (text []byte, where string, err error) {
	if syntax.InlineSignature(req.Signature) {
		return []byte(req.Signature), "the inline signature", nil
	}
	u, err := syntax.SignatureURL(req.URL, req.Signature)
	if err != nil {
		return nil, "", fmt.Errorf("%w: signature URL: %v", ErrSignature, err)
	}
	src := source{getterSrc: u.Getter, display: u.Display, local: u.Local, localPath: u.LocalPath}
	lim := limits{url: u.Display, maxDownload: syntax.MaxSignature}
	dst := filepath.Join(work, "archive.minisig")
	if err := s.download(ctx, log.With("signature", u.Display), src, dst, lim); err != nil {
		return nil, "", signatureDownloadError(ctx, err, u.Display, s.opts.TrustedKeys)
	}
	text, err = os.ReadFile(dst)
	if err != nil {
		return nil, "", err
	}
	return text, "signature " + u.Display, nil
}

// signatureDownloadError says why no signature came. The package itself
// just came from the same place, so a signature that cannot be had is
// missing (terminal), except for what a retry may cure: a cancelled or
// timed-out transfer, or a server error (5xx).
func signatureDownloadError(ctx context.Context, err error, where string, keys []minisign.PublicKey) error {
	var le *LimitError
	switch {
	case ctx.Err() != nil, errors.Is(err, ErrTimeout):
		return err
	case errors.As(err, &le):
		return fmt.Errorf("%w: %s is over %d bytes: not a minisign signature", ErrSignature, where, syntax.MaxSignature)
	case strings.Contains(err.Error(), "bad response code: 5"):
		return err
	}
	return fmt.Errorf("%w: no signature at %s (packages must be signed by trusted_keys %s): %v", ErrSignature, where, keyIDs(keys), err)
}

// verifySignature checks text against the archive with the trusted key
// whose id the signature names. The library's Verify checks the file's
// signature and the global one over the trusted comment, so an edited
// comment fails as surely as another file does.
func verifySignature(archive string, text []byte, where string, keys []minisign.PublicKey) (minisign.Signature, error) {
	var sig minisign.Signature
	if err := sig.UnmarshalText(text); err != nil {
		return sig, fmt.Errorf("%w: %s is not a minisign signature: %v", ErrSignature, where, err)
	}
	id := syntax.KeyID(sig.KeyID)
	var key *minisign.PublicKey
	for i := range keys {
		if keys[i].ID() == sig.KeyID {
			key = &keys[i]
			break
		}
	}
	if key == nil {
		return sig, fmt.Errorf("%w: %s is by key id %s, which is not one of trusted_keys %s", ErrSignature, where, id, keyIDs(keys))
	}
	ok, err := verifyFile(archive, *key, sig, text)
	if err != nil {
		return sig, err
	}
	if !ok {
		return sig, fmt.Errorf("%w: %s by key id %s does not verify: it signs another file, or its trusted comment was altered", ErrSignature, where, id)
	}
	return sig, nil
}

func verifyFile(archive string, key minisign.PublicKey, sig minisign.Signature, text []byte) (bool, error) {
	f, err := os.Open(archive)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if sig.Algorithm == minisign.HashEdDSA {
		r := minisign.NewReader(f)
		if _, err := io.Copy(io.Discard, r); err != nil {
			return false, fmt.Errorf("read %s: %w", archive, err)
		}
		return r.Verify(key, text), nil
	}
	msg, err := io.ReadAll(io.LimitReader(f, maxLegacyMessage+1))
	if err != nil {
		return false, fmt.Errorf("read %s: %w", archive, err)
	}
	if len(msg) > maxLegacyMessage {
		return false, fmt.Errorf("%w: a legacy (non-prehashed) signature is only accepted for packages up to %d bytes: sign with minisign -S (prehashed)", ErrSignature, maxLegacyMessage)
	}
	return minisign.Verify(key, msg, text), nil
}

func keyIDs(keys []minisign.PublicKey) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = syntax.KeyID(k.ID())
	}
	return "(key ids " + strings.Join(ids, ", ") + ")"
}
