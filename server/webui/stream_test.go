package webui

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/testdeadline"
)

// sseReader reads one stream's events.
type sseReader struct {
	t  *testing.T
	sc *bufio.Scanner
}

// next returns the next event's id and data, skipping comments.
func (r *sseReader) next() (id string, data liveEvent) {
	r.t.Helper()
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &data); err != nil {
				r.t.Fatalf("event data %q: %v", line, err)
			}
		case line == "" && id != "":
			return id, data
		}
	}
	r.t.Fatalf("stream ended: %v", r.sc.Err())
	return "", data
}

func openStream(t *testing.T, b *browser, path, lastID string) *sseReader {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", b.f.ts.URL+path, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &sseReader{t: t, sc: bufio.NewScanner(resp.Body)}
}

func eventDoc(hostname, agentsn, msg string, at int64) *api.StatusDoc {
	d := doc(hostname, agentsn)
	d.Events = []api.Event{{Time: at, Agent: "A", Type: "exited", Message: msg, LogTail: "<script>x</script>"}}
	return d
}

func TestEventStream(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.report(t, eventDoc("web-1", sn(1), "before", 1))
	b := f.signedIn(t, f.read.Token)
	_, page := b.get("/events")
	i := strings.Index(page, `data-stream="`)
	if i < 0 {
		t.Fatal("events page has no stream")
	}
	streamURL := strings.ReplaceAll(page[i+len(`data-stream="`):i+strings.Index(page[i:], `">`)], "&amp;", "&")
	s := openStream(t, b, streamURL, "")
	done := make(chan liveEvent, 1)
	go func() {
		_, e := s.next()
		done <- e
	}()
	f.report(t, eventDoc("web-1", sn(1), "live one", 2))
	select {
	case e := <-done:
		if e.Message != "live one" || e.Host != "web-1" || e.Href != "/hosts/"+sn(1) || e.LogTail != "<script>x</script>" || e.Look.Class != "warn" {
			t.Fatalf("streamed %+v", e)
		}
	case <-time.After(testdeadline.Scale(10 * time.Second)):
		t.Fatal("the new event did not arrive on the stream")
	}
}

func TestEventStreamResumesAfterLastEventID(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	for i, m := range []string{"one", "two", "three"} {
		f.report(t, eventDoc("web-1", sn(1), m, int64(i+1)))
	}
	f.report(t, eventDoc("web-2", sn(2), "other host", 9))
	b := f.signedIn(t, f.read.Token)
	first := openStream(t, b, "/events/stream?after=0&host=web-1", "")
	id1, e1 := first.next()
	if e1.Message != "one" {
		t.Fatalf("first event %q", e1.Message)
	}
	// A reconnect names the last id seen; ?after= is the page's, older.
	again := openStream(t, b, "/events/stream?after=0&host=web-1", id1)
	if _, e := again.next(); e.Message != "two" {
		t.Fatalf("resumed at %q, want two", e.Message)
	}
	if _, e := again.next(); e.Message != "three" {
		t.Fatalf("then %q, want three (the other host's event is filtered out)", e.Message)
	}
}
