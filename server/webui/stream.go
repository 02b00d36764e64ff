package webui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// The events page's live updates: a server-sent event stream of the
// events stored after the page's newest. It waits on the store's
// NewEvents wake-up, never polling; a comment every streamPing keeps
// proxies from closing it, and after streamMax it ends so the browser
// reconnects (with Last-Event-ID: nothing is missed) and re-checks the
// session.
const (
	streamPing  = 20 * time.Second
	streamMax   = 5 * time.Minute
	streamBatch = 100
)

// liveEvent is one event as the page's script shows it: the text fields
// go into the page with textContent, never as markup.
type liveEvent struct {
	ID      int64  `json:"id"`
	Time    string `json:"time"`
	Href    string `json:"href"` // the host page, "" for an unknown host
	Host    string `json:"host"`
	Agent   string `json:"agent"`
	Type    string `json:"type"`
	Look    look   `json:"look"`
	Message string `json:"message"`
	LogTail string `json:"log_tail"`
}

func toLive(e api.EventInfo) liveEvent {
	le := liveEvent{ID: e.ID, Time: stamp(e.Time), Host: e.Hostname, Agent: e.Agent, Type: e.Type,
		Look: statusLook(e.Type), Message: e.Message, LogTail: e.LogTail}
	if e.Host != "" {
		le.Href = hostPath(e.Host)
		if le.Host == "" {
			le.Host = e.Host
		}
	}
	return le
}

// streamStart is where a stream resumes: the browser's Last-Event-ID on a
// reconnect, else the page's ?after=.
func streamStart(r *http.Request) int64 {
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
			return n
		}
	}
	return 0
}

func (u *UI) handleEventStream(w http.ResponseWriter, r *http.Request, v *viewer) {
	host := strings.TrimSpace(r.URL.Query().Get("host"))
	after := streamStart(r)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	end := time.NewTimer(streamMax)
	defer end.Stop()
	for {
		woke := u.store.NewEvents() // before reading: an event between the two still wakes us
		events, err := u.store.EventsPage(r.Context(), server.EventPage{Host: host, Forward: true, After: after, Limit: streamBatch})
		if err != nil {
			u.log.Warn("web UI event stream ended", "err", err, "token_id", v.TokenID())
			return
		}
		// The server's WriteTimeout covers the whole response; each write
		// gets its own deadline instead.
		rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		for _, e := range events {
			b, err := json.Marshal(toLive(e))
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: event\ndata: %s\n\n", e.ID, b); err != nil {
				return
			}
			after = e.ID
		}
		if len(events) > 0 {
			if err := rc.Flush(); err != nil {
				return
			}
			if len(events) == streamBatch {
				continue // more are waiting
			}
		}
		select {
		case <-woke:
		case <-ping.C:
			rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		case <-end.C:
			return
		case <-r.Context().Done():
			return
		case <-u.ctx.Done():
			return
		}
	}
}
