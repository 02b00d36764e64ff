package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

type eventsBody struct {
	Host   string
	Events []api.EventInfo
	Older  string // link to the page before, "" at the oldest
	Live   bool   // the newest page: new events stream in
	Stream string // the stream's URL
}

func (u *UI) handleEvents(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	host := strings.TrimSpace(q.Get("host"))
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	events, err := u.store.EventsPage(r.Context(), server.EventPage{Host: host, Before: before, Limit: server.DefaultPageSize})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	b := eventsBody{Host: host, Events: events, Live: before <= 0}
	if n := len(events); n == server.DefaultPageSize {
		o := url.Values{"before": {strconv.FormatInt(events[n-1].ID, 10)}}
		if host != "" {
			o.Set("host", host)
		}
		b.Older = "/events?" + o.Encode()
	}
	if b.Live {
		var newest int64
		if len(events) > 0 {
			newest = events[0].ID
		} else if newest, err = u.newestEvent(r); err != nil {
			u.fail(w, r, v, err)
			return
		}
		s := url.Values{"after": {strconv.FormatInt(newest, 10)}}
		if host != "" {
			s.Set("host", host)
		}
		b.Stream = "/events/stream?" + s.Encode()
	}
	u.render(w, v, http.StatusOK, "events", pageData{Title: "Events", Nav: "events"}, b)
}

// newestEvent is the id of the newest event of any host, for a filtered
// view that shows none yet: the stream starts after it.
func (u *UI) newestEvent(r *http.Request) (int64, error) {
	e, err := u.store.EventsPage(r.Context(), server.EventPage{Limit: 1})
	if err != nil || len(e) == 0 {
		return 0, err
	}
	return e[0].ID, nil
}
