package daemon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
)

// 100 events with 8 KiB log tails (ANSI colours, as logs have, which JSON
// escapes) made a report of several MB that was never sent, so no job
// arrived. Now the report fits, the job is delivered and executed, and the
// events ride on the report even though the server refuses the push.
func TestReportWithBigEventsStillDeliversJobs(t *testing.T) {
	srv := newTestServer(t, func(path, body string) (int, string, http.Header) {
		switch path {
		case api.PathRegister:
			return 200, `{"status":0,"agentsn":"","tags":""}`, nil
		case api.PathStatus:
			return 200, `{"errcode":0,"jobs":[{"id":"cfg-1","action":"config","step":3600}]}`, nil
		case api.PathEvents:
			return 503, "push refused", nil
		}
		return 200, `{"errcode":0}`, nil
	})
	d := newTestDaemon(t, fmt.Sprintf("state_dir: $DIR/state\ndesired_dir: $DIR/agents.d\nservers: [%q]\nstep: 1h\n", srv.URL))
	tail := strings.Repeat("\x1b[31mERROR\x1b[0m <boom>\n", 8<<10/25)
	var all []api.Event
	for i := range 100 {
		ev := actual.Event{Time: int64(1764170000 + i), Agent: "a", Type: actual.EventExited, Message: fmt.Sprintf("exit %d", i), LogTail: tail}
		d.events.Add(ev)
		all = append(all, ev)
	}
	if raw, _ := json.Marshal(api.StatusDoc{Events: all}); len(raw) <= api.MaxBody {
		t.Fatalf("the events make only %d bytes", len(raw))
	}
	runTestDaemon(t, d)
	waitFor(t, "the config job's result", func() bool {
		for _, r := range srv.requests(api.PathJobResult) {
			if strings.Contains(r.body, `"id":"cfg-1","errcode":0`) {
				return true
			}
		}
		return false
	})
	reports := srv.requests(api.PathStatus)
	var doc api.StatusDoc
	if err := json.Unmarshal([]byte(reports[0].body), &doc); err != nil {
		t.Fatal(err)
	}
	if len(reports[0].body) > api.MaxBody || len(doc.Events)+doc.EventsDropped != 100 || len(doc.Events) == 0 {
		t.Fatalf("first report: %d bytes, %d events, %d dropped", len(reports[0].body), len(doc.Events), doc.EventsDropped)
	}
	// The events it carried are delivered: they leave the queue.
	if n := d.eventsOut.Len(); n > doc.EventsDropped {
		t.Fatalf("%d events still queued, want the %d the report left out", n, doc.EventsDropped)
	}
}
