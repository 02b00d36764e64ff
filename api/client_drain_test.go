package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// drainServer stores what it is sent, batch by batch, and answers
// errcode 0 for the first okBatches POSTs (negative: always), then errcode 1.
type drainServer struct {
	mu      sync.Mutex
	batches []string // "path n"
	ids     []string // result ids or event messages, in arrival order
	maxBody int
}

func newDrainServer(t *testing.T, okBatches int) (*drainServer, string) {
	d := &drainServer{}
	srv := handlerServer(t, "drain", nil, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var items []struct {
			ID      string `json:"id"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(body, &items); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.maxBody = max(d.maxBody, len(body))
		if okBatches >= 0 && len(d.batches) >= okBatches {
			w.Write([]byte(`{"errcode":1}`))
			return
		}
		d.batches = append(d.batches, fmt.Sprintf("%s %d", r.URL.Path, len(items)))
		for _, it := range items {
			d.ids = append(d.ids, it.ID+it.Message)
		}
		w.Write([]byte(goodAck))
	})
	return d, srv.URL
}

func (d *drainServer) got() ([]string, []string, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.batches), slices.Clone(d.ids), d.maxBody
}

func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

func fillQueues(t *testing.T, nResults, nEvents int) (*Outbox[JobResult], *Outbox[Event]) {
	t.Helper()
	res, err := OpenOutbox[JobResult](t.TempDir(), OutboxLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range seq("r", nResults) {
		if err := res.Add(JobResult{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	ev := openEvents(t, t.TempDir())
	addEvents(t, ev, seq("e", nEvents)...)
	return res, ev
}

func TestDrainSendsAllInOrder(t *testing.T) {
	d, url := newDrainServer(t, -1)
	res, ev := fillQueues(t, 230, 3)
	c := NewClient([]string{url}, ClientOptions{Logger: quietLog()})
	if err := c.Drain(context.Background(), res, ev); err != nil {
		t.Fatal(err)
	}
	batches, ids, _ := d.got()
	wantBatches := []string{PathJobResult + " 100", PathJobResult + " 100", PathJobResult + " 30", PathEvents + " 3"}
	if !slices.Equal(batches, wantBatches) {
		t.Fatalf("batches %q, want %q", batches, wantBatches)
	}
	if want := append(seq("r", 230), seq("e", 3)...); !slices.Equal(ids, want) {
		t.Fatalf("arrival order differs from queue order")
	}
	if res.Len() != 0 || ev.Len() != 0 {
		t.Fatalf("left %d results, %d events", res.Len(), ev.Len())
	}
	if err := c.Drain(context.Background(), res, ev); err != nil {
		t.Fatalf("draining empty queues: %v", err)
	}
}

// Items leave the outbox only when the server answered errcode 0.
func TestDrainStopsAtFirstFailure(t *testing.T) {
	d, url := newDrainServer(t, 1) // first POST stored, then errcode 1
	res, ev := fillQueues(t, 150, 2)
	c := NewClient([]string{url}, ClientOptions{Logger: quietLog()})
	err := c.Drain(context.Background(), res, ev)
	if err == nil || !strings.Contains(err.Error(), "errcode 1") || !strings.Contains(err.Error(), "sending job results") {
		t.Fatalf("err = %v, want the errcode 1 of the job results", err)
	}
	if batches, _, _ := d.got(); len(batches) != 1 {
		t.Fatalf("stored batches %q", batches)
	}
	left, _, _ := res.Peek(0)
	if len(left) != 50 || left[0].ID != "r100" {
		t.Fatalf("%d results left starting at %+v; want the 50 not stored, r100 first", len(left), left[0])
	}
	if ev.Len() != 2 {
		t.Fatalf("events were touched after results failed: %d left", ev.Len())
	}
}

func TestDrainNoServerKeepsEverything(t *testing.T) {
	res, ev := fillQueues(t, 3, 3)
	c := NewClient([]string{deadAddr(t)}, ClientOptions{Logger: quietLog()})
	if err := c.Drain(context.Background(), res, ev); err == nil {
		t.Fatal("Drain to a dead server succeeded")
	}
	if res.Len() != 3 || ev.Len() != 3 {
		t.Fatalf("lost items: %d results, %d events", res.Len(), ev.Len())
	}
}

// Big events are split into requests under MaxBody, still in order; an
// overlong log tail is cut to its end on the wire.
func TestDrainSplitsOversizedBatches(t *testing.T) {
	d, url := newDrainServer(t, -1)
	ev := openEvents(t, t.TempDir())
	tail := strings.Repeat("é", maxWireLogTail/2+100) // over the cap in bytes, multi-byte runes
	for _, m := range seq("big", 20) {
		if err := ev.Add(Event{Message: m, LogTail: tail + "END"}); err != nil {
			t.Fatal(err)
		}
	}
	c := NewClient([]string{url}, ClientOptions{Logger: quietLog()})
	if err := c.Drain(context.Background(), nil, ev); err != nil {
		t.Fatal(err)
	}
	batches, ids, maxBody := d.got()
	if !slices.Equal(ids, seq("big", 20)) || maxBody > MaxBody || len(batches) < 2 {
		t.Fatalf("%d batches %q, largest %d bytes; ids %q", len(batches), batches, maxBody, ids)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name       string
		head, tail bool
		in         string
		n          int
		want       string
	}{
		{name: "short kept", head: true, in: "abc", n: 3, want: "abc"},
		{name: "head", head: true, in: "abcdef", n: 3, want: "abc…"},
		{name: "head on rune boundary", head: true, in: "aéé", n: 2, want: "a…"},
		{name: "tail", tail: true, in: "abcdef", n: 3, want: "…def"},
		{name: "tail on rune boundary", tail: true, in: "ééa", n: 2, want: "…a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			if tt.head {
				got = truncateHead(tt.in, tt.n)
			} else {
				got = truncateTail(tt.in, tt.n)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// One event with a field no other cap bounds (here its agent name) is
// delivered cut short, not dropped, and the events after it still go.
func TestDrainHugeEventDoesNotWedgeTheQueue(t *testing.T) {
	d, url := newDrainServer(t, -1)
	ev := openEvents(t, t.TempDir())
	if err := ev.Add(Event{Agent: strings.Repeat("a", 3<<20), Type: "exited", Message: "huge", LogTail: strings.Repeat("<", 1<<20)}); err != nil {
		t.Fatal(err)
	}
	addEvents(t, ev, "after")
	c := NewClient([]string{url}, ClientOptions{Logger: quietLog()})
	if err := c.Drain(context.Background(), nil, ev); err != nil {
		t.Fatal(err)
	}
	_, ids, maxBody := d.got()
	if !slices.Equal(ids, []string{"huge", "after"}) || maxBody > MaxBody || ev.Len() != 0 {
		t.Fatalf("delivered %q (largest request %d bytes), %d left", ids, maxBody, ev.Len())
	}
}
