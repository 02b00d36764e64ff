package api

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func openEvents(t *testing.T, dir string, opts ...OutboxOption) *Outbox[Event] {
	t.Helper()
	o, err := OpenOutbox[Event](dir, append([]OutboxOption{OutboxLogger(quietLog())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func addEvents(t *testing.T, o *Outbox[Event], msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if err := o.Add(Event{Type: "exited", Message: m}); err != nil {
			t.Fatal(err)
		}
	}
}

func messages(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Message)
	}
	return out
}

func peekAll(t *testing.T, o *Outbox[Event]) []string {
	t.Helper()
	evs, _, err := o.Peek(0)
	if err != nil {
		t.Fatal(err)
	}
	return messages(evs)
}

func TestOutboxOrderAndDone(t *testing.T) {
	o := openEvents(t, t.TempDir())
	addEvents(t, o, "1", "2", "3", "4", "5")

	evs, ack, err := o.Peek(2)
	if err != nil || !slices.Equal(messages(evs), []string{"1", "2"}) || ack.Len() != 2 {
		t.Fatalf("Peek(2) = %q, %d, %v", messages(evs), ack.Len(), err)
	}
	// Added after the Peek: the ack must not cover it.
	addEvents(t, o, "6")
	if err := o.Done(ack); err != nil {
		t.Fatal(err)
	}
	if got := peekAll(t, o); !slices.Equal(got, []string{"3", "4", "5", "6"}) {
		t.Fatalf("after Done: %q", got)
	}
	if err := o.Done(ack); err != nil {
		t.Fatalf("Done twice: %v", err)
	}
	if o.Len() != 4 {
		t.Fatalf("Len = %d after a repeated Done", o.Len())
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	o := openEvents(t, dir)
	addEvents(t, o, "a", "b", "c")
	_, ack, _ := o.Peek(1)
	o.Done(ack)
	o.Close()
	if err := o.Add(Event{}); err == nil {
		t.Fatal("Add after Close succeeded")
	}

	o = openEvents(t, dir)
	if got := peekAll(t, o); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("after reopen: %q", got)
	}
	// New items go after the recovered ones, even past 9 → 10 (names
	// sort as numbers).
	addEvents(t, o, "d", "e", "f", "g", "h", "i", "j", "k")
	o = openEvents(t, dir)
	if got := peekAll(t, o); !slices.Equal(got, strings.Split("b c d e f g h i j k", " ")) {
		t.Fatalf("order after second reopen: %q", got)
	}
}

// What a crash can leave in the directory, and what open makes of it.
func TestOutboxRecoversFromTornFiles(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		keep    bool // the file is not ours and stays untouched
	}{
		{name: "partial JSON", file: "00000000000000000002.json", content: `{"crc32c":1,"item":{"ty`},
		{name: "garbage", file: "00000000000000000002.json", content: "\x00\x00\x00\xff"},
		{name: "empty", file: "00000000000000000002.json", content: ""},
		{name: "valid JSON, wrong checksum", file: "00000000000000000002.json", content: `{"crc32c":1,"item":{"type":"exited","message":"forged"}}`},
		{name: "JSON of another shape", file: "00000000000000000002.json", content: `{"type":"exited"}`},
		{name: "interrupted write", file: ".tmp-00000000000000000002.json-123", content: `{"crc32c":`},
		{name: "foreign file", file: "README", content: "hello", keep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			o := openEvents(t, dir)
			addEvents(t, o, "1")
			o.Close()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			o = openEvents(t, dir)
			if got := peekAll(t, o); !slices.Equal(got, []string{"1"}) {
				t.Fatalf("items %q, want only the complete one", got)
			}
			_, err := os.Stat(filepath.Join(dir, tt.file))
			if tt.keep != (err == nil) {
				t.Fatalf("after open, stat %s: %v (keep=%v)", tt.file, err, tt.keep)
			}
			addEvents(t, o, "2")
			if got := peekAll(t, o); !slices.Equal(got, []string{"1", "2"}) {
				t.Fatalf("after recovery: %q", got)
			}
		})
	}
}

// A file going bad while the daemon runs is discarded at Peek rather than
// blocking the queue.
func TestOutboxPeekSkipsDamagedItem(t *testing.T) {
	dir := t.TempDir()
	o := openEvents(t, dir)
	addEvents(t, o, "1", "2", "3")
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000002.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := peekAll(t, o); !slices.Equal(got, []string{"1", "3"}) {
		t.Fatalf("got %q", got)
	}
	if o.Len() != 2 {
		t.Fatalf("Len = %d", o.Len())
	}
}

func TestOutboxBoundDropsOldest(t *testing.T) {
	dir := t.TempDir()
	o := openEvents(t, dir, OutboxMaxItems(3))
	addEvents(t, o, "1", "2", "3", "4", "5")
	if got := peekAll(t, o); !slices.Equal(got, []string{"3", "4", "5"}) {
		t.Fatalf("bounded queue holds %q, want the newest three", got)
	}
	if n := countFiles(t, dir); n != 3 {
		t.Fatalf("%d files on disk, want 3", n)
	}
	// A smaller bound at the next start applies at once.
	o = openEvents(t, dir, OutboxMaxItems(2))
	if got := peekAll(t, o); !slices.Equal(got, []string{"4", "5"}) {
		t.Fatalf("after reopen with bound 2: %q", got)
	}
}

// The daemon's queues: events bounded, results never.
func TestStateOutboxPolicies(t *testing.T) {
	state := t.TempDir()
	res, err := OpenResultOutbox(state, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	ev, err := OpenEventOutbox(state, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if res.max != 0 || ev.max != DefaultEventOutboxMax {
		t.Fatalf("result bound %d (want 0: never dropped), event bound %d", res.max, ev.max)
	}
	if res.dir != filepath.Join(state, "outbox", "results") || ev.dir != filepath.Join(state, "outbox", "events") {
		t.Fatalf("dirs %s, %s", res.dir, ev.dir)
	}
}

func TestOutboxNotify(t *testing.T) {
	o := openEvents(t, t.TempDir())
	select {
	case <-o.Notify():
		t.Fatal("signalled before any Add")
	default:
	}
	addEvents(t, o, "1", "2")
	<-o.Notify() // one pending signal for the burst
	select {
	case <-o.Notify():
		t.Fatal("signalled twice for one burst")
	default:
	}
}

func TestOutboxConcurrentAdd(t *testing.T) {
	dir := t.TempDir()
	o := openEvents(t, dir)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				if err := o.Add(Event{Message: fmt.Sprintf("%d-%d", w, i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, ack, err := o.Peek(3); err == nil {
				o.Done(ack)
			}
		}
	})
	wg.Wait()
	left := peekAll(t, o)
	if len(left) != o.Len() || len(left) != countFiles(t, dir) {
		t.Fatalf("%d items, Len %d, %d files", len(left), o.Len(), countFiles(t, dir))
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
