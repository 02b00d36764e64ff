package fetch

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"
)

// progressRecords is a slog handler that passes the attributes of
// "download progress" records to a channel.
type progressRecords chan map[string]int64

func (c progressRecords) Enabled(context.Context, slog.Level) bool { return true }
func (c progressRecords) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c progressRecords) WithGroup(string) slog.Handler            { return c }

func (c progressRecords) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "download progress" {
		return nil
	}
	attrs := map[string]int64{}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.Int64()
		return true
	})
	select {
	case c <- attrs:
	default: // the test has what it needs
	}
	return nil
}

func TestFetchLogsProgressOfLongDownloads(t *testing.T) {
	archive := writeArchive(t, t.TempDir(), "a.tar.gz", pkgMembers("1.0.0", member{name: "big", body: string(make([]byte, 64<<10))}))
	body, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	half := len(body) / 2
	records := make(progressRecords, 16)
	seen := make(chan map[string]int64, 1)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:half])
		w.(http.Flusher).Flush()
		// The rest only once a progress line has reported the first half:
		// the download is "long" for exactly as long as the test needs.
		for rec := range records {
			if rec["bytes"] >= int64(half) {
				seen <- rec
				break
			}
		}
		w.Write(body[half:])
	}))
	t.Cleanup(srv.Close)

	s, _ := newTestStore(t, func(o *Options) {
		o.ProgressEvery = 5 * time.Millisecond
		o.Logger = slog.New(records)
	})
	if _, err := s.Fetch(context.Background(), Request{Name: "A", URL: srv.URL + "/a.tar.gz", Checksum: checksumOf(t, archive)}); err != nil {
		t.Fatal(err)
	}
	rec := <-seen
	if rec["total"] != int64(len(body)) || rec["percent"] != rec["bytes"]*100/int64(len(body)) || rec["percent"] < 49 {
		t.Errorf("progress record %v; want bytes ≥ %d of total %d with its percent", rec, half, len(body))
	}
}
