package fetch

import (
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	getter "github.com/hashicorp/go-getter/v2"
)

// progressLogger logs a running download every few seconds: one line per
// period, never per read, and nothing for a download shorter than that.
type progressLogger struct {
	log   *slog.Logger
	every time.Duration
}

var _ getter.ProgressTracker = (*progressLogger)(nil)

// TrackProgress is called by a getter when the body starts flowing; total
// is 0 or negative when the size is unknown. The returned reader must be
// closed, which stops the reporting goroutine.
func (p *progressLogger) TrackProgress(_ string, current, total int64, stream io.ReadCloser) io.ReadCloser {
	r := &progressReader{ReadCloser: stream, done: make(chan struct{})}
	r.n.Store(current)
	go r.report(p.log, p.every, total)
	return r
}

type progressReader struct {
	io.ReadCloser
	n    atomic.Int64
	done chan struct{}
	once sync.Once
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.ReadCloser.Read(b)
	r.n.Add(int64(n))
	return n, err
}

func (r *progressReader) Close() error {
	r.once.Do(func() { close(r.done) })
	return r.ReadCloser.Close()
}

func (r *progressReader) report(log *slog.Logger, every time.Duration, total int64) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
			n := r.n.Load()
			if total > 0 {
				log.Info("download progress", "bytes", n, "total", total, "percent", n*100/total)
			} else {
				log.Info("download progress", "bytes", n)
			}
		}
	}
}
