package api

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/bootagent/bootagent/internal/crashpoint"
)

// DrainBatch is the most items Drain sends in one POST.
const DrainBatch = 100

// Wire caps on free-text fields, so that one item always fits a request
// (MaxBody) and a chatty agent cannot stall the queue behind it.
const (
	maxWireMessage = 8 << 10
	maxWireLogTail = 64 << 10
)

// Drain sends what the outboxes hold, results first (they settle jobs the
// server keeps re-sending), in order and in batches, until both are empty
// or a send fails; then it returns the error and the caller backs off
// (honouring RetryAfter(err)). An item leaves its outbox only after a
// server answered errcode 0 for it. Either outbox may be nil.
func (c *Client) Drain(ctx context.Context, results *Outbox[JobResult], events *Outbox[Event]) error {
	if results != nil {
		if err := drainQueue(ctx, c, results, c.SendResults, wireResult, "job.sent"); err != nil {
			return fmt.Errorf("sending job results: %w", err)
		}
	}
	if events != nil {
		if err := drainQueue(ctx, c, events, c.SendEvents, wireEvent, ""); err != nil {
			return fmt.Errorf("sending events: %w", err)
		}
	}
	return nil
}

// drainQueue sends q's items; crashAt names the crash point (test hook)
// between the server's acknowledgement and the items' removal.
func drainQueue[T any](ctx context.Context, c *Client, q *Outbox[T], send func(context.Context, []T) error, fit func(T) T, crashAt string) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, ack, err := q.Peek(DrainBatch)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		sizes := make([]int, len(items))
		for i := range items {
			items[i] = fit(items[i])
			b, _ := json.Marshal(items[i]) // an encoding error surfaces in send
			sizes[i] = len(b)
		}
		n := batchFits(sizes, MaxBody)
		if n == 0 {
			// fit bounds every field, so this cannot happen; kept, such an
			// item would block everything queued after it.
			c.log.Error("dropping an outbox item too large to send", "bytes", sizes[0], "max", MaxBody)
			if err := q.Done(ack.Oldest(1)); err != nil {
				return err
			}
			continue
		}
		if err := send(ctx, items[:n]); err != nil {
			return err
		}
		crashpoint.Here(crashAt)
		if err := q.Done(ack.Oldest(n)); err != nil {
			return err
		}
	}
}

// batchFits is how many of the first items, whose JSON sizes are given,
// one JSON array of at most limit bytes holds: "[" + items joined by ","
// + "]". Batches are bounded by bytes, not only by count, so that large
// items (long log tails) never make a request the server must refuse.
func batchFits(sizes []int, limit int) int {
	total := 1 // "["
	for i, s := range sizes {
		total += s + 1 // the item and "," or "]"
		if total > limit {
			return i
		}
	}
	return len(sizes)
}

func wireResult(r JobResult) JobResult {
	r.Message = truncateHead(r.Message, maxWireMessage)
	return r
}

func wireEvent(e Event) Event {
	e.Agent = truncateHead(e.Agent, maxWireName)
	e.Type = truncateHead(e.Type, maxWireName)
	e.Message = truncateHead(e.Message, maxWireMessage)
	e.LogTail = truncateTail(e.LogTail, maxWireLogTail)
	return e
}

// truncateHead keeps the first n bytes of s, on a rune boundary.
func truncateHead(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// truncateTail keeps the last n bytes of s (a log's end is what explains
// an exit), on a rune boundary.
func truncateTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return "…" + s[i:]
}
