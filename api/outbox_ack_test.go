package api

import "testing"

// The job ledger records "the server has it" from OnAck: the items must be
// handed over while they are still on disk (a crash then re-sends them
// rather than losing the record), and exactly the acknowledged ones.
func TestOutboxOnAckBeforeRemoval(t *testing.T) {
	o, err := OpenOutbox[JobResult](t.TempDir(), OutboxLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	var got []JobResult
	lenDuring := -1
	o.OnAck(func(items []JobResult) { got, lenDuring = items, o.Len() })
	for _, id := range []string{"a", "b", "c"} {
		if err := o.Add(JobResult{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, ack, err := o.Peek(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Done(ack); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("OnAck got %+v, want a and b", got)
	}
	if lenDuring != 3 || o.Len() != 1 {
		t.Fatalf("Len during OnAck %d (want 3, still on disk), after %d (want 1)", lenDuring, o.Len())
	}
}
