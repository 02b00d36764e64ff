package fetch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bootagent/bootagent/syntax"
)

// FetchFile downloads one plain file (not a package: BootAgent's own
// binary, SPEC §14) with the package rules: the same sources, download
// limits and timeout, the checksum checked (always required, local or
// not: a self-upgrade names what it runs), then the signature when
// trusted_keys are set. It returns the verified file, in a work directory
// under state_dir/tmp that done removes, and its sha256 (hex).
func (s *Store) FetchFile(ctx context.Context, req Request) (path, digest string, done func(), err error) {
	fail := func(err error) (string, string, func(), error) {
		return "", "", nil, fmt.Errorf("fetch %s: %w", req.Name, err)
	}
	u, err := syntax.ParseJobURL(syntax.SelfName, req.URL)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrUnsupportedSource, err))
	}
	if req.Checksum == "" {
		return fail(fmt.Errorf("%w: give SHA256:<hex> for %s", ErrChecksumRequired, u.Display))
	}
	want, err := ParseChecksum(req.Checksum)
	if err != nil {
		return fail(err)
	}
	src := source{getterSrc: u.Getter, display: u.Display, local: u.Local, localPath: u.LocalPath}
	work, err := os.MkdirTemp(s.tmpDir, req.Name+"-")
	if err != nil {
		return fail(err)
	}
	cleanup := func() { os.RemoveAll(work) }
	file := filepath.Join(work, "file")
	log := s.log.With("file", req.Name, "url", u.Display)
	if err := s.download(ctx, log, src, file, s.limits(src)); err != nil {
		cleanup()
		return fail(err)
	}
	got, err := verify(file, expected{digest: want})
	if err == nil {
		_, err = s.checkSignature(ctx, log, req, file, work)
	}
	if err != nil {
		cleanup()
		return fail(err)
	}
	return file, got, cleanup, nil
}
