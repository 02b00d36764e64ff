package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	getter "github.com/hashicorp/go-getter/v2"
)

// newClient builds the go-getter client of a Store: only the getters a
// package may come from (no git, hg or smb, which would run programs), and
// no decompressors, because this package unpacks itself once the checksum
// and the archive's entries have been checked.
func newClient(httpClient *http.Client) *getter.Client {
	if httpClient == nil {
		httpClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return &getter.Client{
		Getters: []getter.Getter{
			&getter.HttpGetter{
				Client: httpClient,
				// The destination is always a fresh file, so the HEAD that
				// go-getter uses to resume partial downloads buys nothing.
				DoNotCheckHeadFirst:   true,
				XTerraformGetDisabled: true,
			},
			&FTPGetter{},
			&localGetter{},
		},
		Decompressors:   map[string]getter.Decompressor{},
		DisableSymlinks: true,
	}
}

// download copies src to the file dst, holding one of the Store's download
// slots and bounded by Options.Timeout and lim.maxDownload.
func (s *Store) download(ctx context.Context, log *slog.Logger, src source, dst string, lim limits) error {
	release, err := s.acquireSlot(ctx)
	if err != nil {
		return err
	}
	defer release()

	tctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	log.Info("downloading")
	capped := &cappedTracker{lim: lim, next: &progressLogger{log: log, every: s.opts.ProgressEvery}}
	_, err = s.client.Get(tctx, &getter.Request{
		Src:     src.getterSrc,
		Dst:     dst,
		GetMode: getter.ModeFile,
		// go-getter's file getter symlinks by default: the store must own
		// a copy, or a later change of the source changes what is verified.
		Copy:             true,
		Umask:            unpackUmask,
		ProgressListener: capped,
	})
	switch {
	case err == nil:
		return checkDownloaded(dst, lim)
	case capped.refused() != nil:
		return capped.refused()
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		// go-getter often formats the cause with %s, so ask the context.
		return fmt.Errorf("download %s: %w after %s", src.display, ErrTimeout, s.opts.Timeout)
	default:
		return fmt.Errorf("download %s: %w", src.display, err)
	}
}

// checkDownloaded is the backstop for a getter that would copy a body
// without reporting it to the tracker: the limit holds all the same, if
// only once the bytes are written.
func checkDownloaded(dst string, lim limits) error {
	fi, err := os.Stat(dst)
	if err != nil {
		return err
	}
	if fi.Size() > lim.maxDownload {
		return lim.downloadExceeded("%d bytes downloaded", fi.Size())
	}
	return nil
}

// acquireSlot waits for one of the MaxConcurrent download slots.
func (s *Store) acquireSlot(ctx context.Context) (release func(), err error) {
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
