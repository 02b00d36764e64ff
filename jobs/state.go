package jobs

import (
	"fmt"
	"time"

	"github.com/bootagent/bootagent/api"
)

// State is where a job is in its lifecycle.
type State string

const (
	// Taken: the whole job is recorded; its effect on desired state may
	// or may not have happened (a crash can come between), so at start it
	// is applied again, which is idempotent.
	Taken State = "taken"
	// Applied: desired state is as the job asks (server doc persisted,
	// restart requested, config saved); its outcome is being observed.
	Applied State = "applied"
	// Judged: the outcome is decided (Entry.Result) and queued in the
	// outbox, where it stays until the server acknowledges it.
	Judged State = "judged"
	// Reported: the server acknowledged the result.
	Reported State = "reported"
)

// Final reports whether the job's outcome is decided.
func (s State) Final() bool { return s == Judged || s == Reported }

// Entry is everything the ledger keeps of one job.
type Entry struct {
	Job   api.Job `json:"job"`
	State State   `json:"state"`
	// DesiredHash is the Hash of the desired doc the job asked for, once
	// applied ("" for uninstall: absence is what is desired).
	DesiredHash string        `json:"desired_hash,omitempty"`
	Result      api.JobResult `json:"result"`
	// TakenAt is when the job was accepted: a restart job is done by a
	// process started after it.
	TakenAt time.Time `json:"taken_at"`
	// ReportedAt is when the server acknowledged the result: a status
	// answer asked for before then may still carry the job.
	ReportedAt time.Time `json:"reported_at,omitzero"`
	Seq        uint64    `json:"seq"` // acceptance order
}

// ID is the job's id.
func (e Entry) ID() string { return e.Job.ID }

// EventKind is what happened to a job.
type EventKind int

const (
	// Delivered: a status answer carried the job (new, or seen again).
	Delivered EventKind = iota + 1
	// Invalid: a status answer carried a job that failed validation.
	Invalid
	// ApplyDone: its effect on desired state is in place.
	ApplyDone
	// ApplyFailed: it cannot be applied (refused, or an error).
	ApplyFailed
	// Observed: its agent was looked at and judged.
	Observed
	// Superseded: a newer job for the same agent was taken.
	Superseded
	// Acked: the server acknowledged its result.
	Acked
	// Resumed: the daemon started again with the job in its ledger.
	Resumed
)

// Event is one event of one job; only the fields its Kind names are set.
type Event struct {
	Kind EventKind
	// At: when it happened. Delivered: when the job was taken.
	At time.Time
	// Asked (Delivered): when the status answer carrying the job was asked
	// for.
	Asked time.Time
	// Job (Delivered, Invalid): the job as the server sent it.
	Job api.Job
	// Hash (ApplyDone): the desired doc's Hash.
	Hash string
	// Message: why (Invalid, ApplyFailed, Superseded), or the outcome of a
	// config job (ApplyDone).
	Message string
	// Verdict (Observed).
	Verdict Verdict
	// Queued (Resumed): its result is in the outbox already.
	Queued bool
}

// Effect is what the Machine does after a transition, in the order given.
type Effect int

const (
	// Persist records the new entry in the ledger; nothing after it
	// happens unless that succeeded.
	Persist Effect = iota + 1
	// SupersedeOlder fails the older unfinished jobs of the same agent.
	SupersedeOlder
	// Apply applies the job through the Host (ApplyDone or ApplyFailed
	// follows).
	Apply
	// Observe looks at the job's agent and judges it (Observed follows).
	Observe
	// Queue puts the Result in the outbox (it dedupes nothing: Next queues
	// each result once per Judged).
	Queue
)

// Next is the job lifecycle: what entry e (known false: no entry yet)
// becomes on ev, and what must be done about it. It is pure; the Machine
// carries the effects out.
func Next(e Entry, known bool, ev Event) (Entry, []Effect) {
	if !known {
		switch ev.Kind {
		case Delivered:
			e = Entry{Job: ev.Job, State: Taken, TakenAt: ev.At}
			if ev.Job.Name != "" && ev.Job.Action != api.ActionConfig {
				return e, []Effect{Persist, SupersedeOlder, Apply}
			}
			return e, []Effect{Persist, Apply}
		case Invalid:
			e = Entry{Job: ev.Job, State: Taken, TakenAt: ev.At}
			return judged(e, 1, ev.Message)
		}
		return e, nil
	}
	switch ev.Kind {
	case Delivered, Invalid:
		// Seen again: a job never runs twice (SPEC §7). The server asks
		// for a result it acknowledged only if it lost it, so it is sent
		// again; but an answer asked for before the acknowledgement
		// crossed it and says nothing. An unacknowledged result is in the
		// outbox already: queueing it again would deliver it twice.
		if e.State == Reported && ev.Asked.After(e.ReportedAt) {
			e.State, e.ReportedAt = Judged, time.Time{}
			return e, []Effect{Persist, Queue}
		}
	case ApplyDone:
		if e.State != Taken && e.State != Applied {
			break
		}
		if e.Job.Action == api.ActionConfig || IsSelfUpgrade(e.Job) {
			return judged(e, 0, ev.Message) // applying it is its outcome
		}
		if e.State == Applied && e.DesiredHash == ev.Hash {
			return e, []Effect{Observe} // applied again after a restart
		}
		e.State, e.DesiredHash = Applied, ev.Hash
		return e, []Effect{Persist, Observe}
	case ApplyFailed, Superseded:
		if !e.State.Final() {
			return judged(e, 1, ev.Message)
		}
	case Observed:
		if e.State == Applied && ev.Verdict.Final() {
			return judged(e, ev.Verdict.Errcode, ev.Verdict.Message)
		}
	case Acked:
		if e.State == Judged {
			e.State, e.ReportedAt = Reported, ev.At
			return e, []Effect{Persist}
		}
	case Resumed:
		switch {
		case e.State == Taken || e.State == Applied:
			// Whether its effect happened before the crash is unknown:
			// apply it again (idempotent), then judge it at once.
			return e, []Effect{Apply}
		case e.State == Judged && !ev.Queued:
			return e, []Effect{Queue} // the crash came before the outbox had it
		}
	}
	return e, nil
}

func judged(e Entry, errcode int, msg string) (Entry, []Effect) {
	e.State = Judged
	e.Result = api.JobResult{ID: e.Job.ID, Errcode: errcode, Message: msg}
	return e, []Effect{Persist, Queue}
}

// Step is one event for one job.
type Step struct {
	ID    string
	Event Event
}

// Resumption is what to do with the ledger's entries (oldest first) when
// the daemon starts: every job is resumed (queued tells which results the
// outbox holds), except that of an agent's unfinished jobs only the newest
// is, the older ones being superseded by it (a crash came between taking
// the newer and failing them).
func Resumption(entries []Entry, queued map[string]bool, now time.Time) []Step {
	newest := map[string]Entry{} // unfinished, by agent
	for _, e := range entries {
		if !e.State.Final() && supersedable(e.Job) {
			newest[e.Job.Name] = e
		}
	}
	var steps []Step
	for _, e := range entries {
		if n, ok := newest[e.Job.Name]; ok && supersedable(e.Job) && !e.State.Final() && n.ID() != e.ID() {
			steps = append(steps, Step{e.ID(), Event{Kind: Superseded, At: now, Message: supersededBy(n.Job)}})
			continue
		}
		steps = append(steps, Step{e.ID(), Event{Kind: Resumed, At: now, Queued: queued[e.ID()]}})
	}
	return steps
}

// supersedable: a job that changes one agent, which a newer job for that
// agent replaces.
func supersedable(j api.Job) bool { return j.Name != "" && j.Action != api.ActionConfig }

func supersededBy(j api.Job) string {
	return fmt.Sprintf("superseded by job %s (%s) before its outcome was observed", j.ID, j.Action)
}
