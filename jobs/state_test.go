package jobs

import (
	"slices"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

func TestNext(t *testing.T) {
	t0 := time.Unix(1000, 0)
	install := api.Job{ID: "j", Action: api.ActionInstall, Name: "a", URL: "http://x/a.tgz"}
	config := api.Job{ID: "c", Action: api.ActionConfig, Step: 5}
	at := func(s State, mut ...func(*Entry)) Entry {
		e := Entry{Job: install, State: s, TakenAt: t0, DesiredHash: "H", Seq: 3}
		if s.Final() {
			e.Result = api.JobResult{ID: "j", Message: "version 1.0 running"}
		}
		for _, m := range mut {
			m(&e)
		}
		return e
	}
	result := func(code int, msg string) func(*Entry) {
		return func(e *Entry) { e.Result = api.JobResult{ID: e.Job.ID, Errcode: code, Message: msg} }
	}
	reportedAt := func(ts time.Time) func(*Entry) { return func(e *Entry) { e.ReportedAt = ts } }
	done := Verdict{State: JobDone, Message: "version 1.0 running"}
	tests := []struct {
		name    string
		e       Entry
		known   bool
		ev      Event
		want    Entry
		effects []Effect
	}{
		{"new job: recorded whole, older ones of its agent superseded, then applied",
			Entry{}, false, Event{Kind: Delivered, At: t0, Job: install},
			Entry{Job: install, State: Taken, TakenAt: t0}, []Effect{Persist, SupersedeOlder, Apply}},
		{"new config job: supersedes nothing",
			Entry{}, false, Event{Kind: Delivered, At: t0, Job: config},
			Entry{Job: config, State: Taken, TakenAt: t0}, []Effect{Persist, Apply}},
		{"invalid job: judged failed at once",
			Entry{}, false, Event{Kind: Invalid, At: t0, Job: api.Job{ID: "b"}, Message: "unknown action"},
			Entry{Job: api.Job{ID: "b"}, State: Judged, TakenAt: t0, Result: api.JobResult{ID: "b", Errcode: 1, Message: "unknown action"}},
			[]Effect{Persist, Queue}},
		{"an event for a job never taken changes nothing",
			Entry{}, false, Event{Kind: Acked, At: t0}, Entry{}, nil},
		{"delivered again while applied: not run twice",
			at(Applied), true, Event{Kind: Delivered, Job: install, Asked: t0.Add(time.Hour)}, at(Applied), nil},
		{"delivered again while its result waits in the outbox: not queued twice",
			at(Judged), true, Event{Kind: Delivered, Job: install, Asked: t0.Add(time.Hour)}, at(Judged), nil},
		{"delivered again after the server acknowledged: it lost the result, sent again",
			at(Reported, reportedAt(t0)), true, Event{Kind: Delivered, Job: install, Asked: t0.Add(time.Second)},
			at(Judged), []Effect{Persist, Queue}},
		{"an answer asked for before the acknowledgement crossed it",
			at(Reported, reportedAt(t0)), true, Event{Kind: Delivered, Job: install, Asked: t0.Add(-time.Millisecond)},
			at(Reported, reportedAt(t0)), nil},
		{"applied: recorded, then judged",
			at(Taken, func(e *Entry) { e.DesiredHash = "" }), true, Event{Kind: ApplyDone, Hash: "H"},
			at(Applied), []Effect{Persist, Observe}},
		{"applied again after a restart, same doc: only judged",
			at(Applied), true, Event{Kind: ApplyDone, Hash: "H"}, at(Applied), []Effect{Observe}},
		{"config applied: that is its outcome",
			Entry{Job: config, State: Taken, TakenAt: t0}, true, Event{Kind: ApplyDone, Message: "applied: step 5s"},
			Entry{Job: config, State: Judged, TakenAt: t0, Result: api.JobResult{ID: "c", Message: "applied: step 5s"}},
			[]Effect{Persist, Queue}},
		{"apply failed: judged failed",
			at(Taken, func(e *Entry) { e.DesiredHash = "" }), true, Event{Kind: ApplyFailed, Message: "defined by a local file"},
			at(Judged, func(e *Entry) { e.DesiredHash = "" }, result(1, "defined by a local file")), []Effect{Persist, Queue}},
		{"observed, not final: nothing recorded",
			at(Applied), true, Event{Kind: Observed, Verdict: Verdict{State: JobDownloading}}, at(Applied), nil},
		{"observed done: judged and queued",
			at(Applied), true, Event{Kind: Observed, Verdict: done}, at(Judged), []Effect{Persist, Queue}},
		{"observed failed: judged with the reason",
			at(Applied), true, Event{Kind: Observed, Verdict: Verdict{State: JobFailed, Errcode: 1, Message: "fatal"}},
			at(Judged, result(1, "fatal")), []Effect{Persist, Queue}},
		{"observed before it was applied: not judged (it desired nothing yet)",
			at(Taken), true, Event{Kind: Observed, Verdict: done}, at(Taken), nil},
		{"observed once judged: the verdict stands",
			at(Judged), true, Event{Kind: Observed, Verdict: Verdict{State: JobFailed, Errcode: 1}}, at(Judged), nil},
		{"superseded while applied",
			at(Applied), true, Event{Kind: Superseded, Message: "superseded by job k (upgrade)"},
			at(Judged, result(1, "superseded by job k (upgrade)")), []Effect{Persist, Queue}},
		{"superseded once judged: the verdict stands",
			at(Judged), true, Event{Kind: Superseded, Message: "x"}, at(Judged), nil},
		{"acknowledged: reported",
			at(Judged), true, Event{Kind: Acked, At: t0.Add(time.Minute)},
			at(Reported, reportedAt(t0.Add(time.Minute))), []Effect{Persist}},
		{"acknowledged again (re-sent after a crash): nothing",
			at(Reported, reportedAt(t0)), true, Event{Kind: Acked, At: t0.Add(time.Minute)}, at(Reported, reportedAt(t0)), nil},
		{"resumed taken: applied again",
			at(Taken), true, Event{Kind: Resumed}, at(Taken), []Effect{Apply}},
		{"resumed applied: applied again (a restart request was in memory), then judged",
			at(Applied), true, Event{Kind: Resumed}, at(Applied), []Effect{Apply}},
		{"resumed judged, result not in the outbox: queued",
			at(Judged), true, Event{Kind: Resumed, Queued: false}, at(Judged), []Effect{Queue}},
		{"resumed judged, result in the outbox: not queued twice",
			at(Judged), true, Event{Kind: Resumed, Queued: true}, at(Judged), nil},
		{"resumed reported: nothing",
			at(Reported), true, Event{Kind: Resumed}, at(Reported), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, effects := Next(tc.e, tc.known, tc.ev)
			if !equalEntry(got, tc.want) || !slices.Equal(effects, tc.effects) {
				t.Fatalf("Next =\n  %+v %v\nwant\n  %+v %v", got, effects, tc.want, tc.effects)
			}
		})
	}
}

func equalEntry(a, b Entry) bool {
	return a.Job.ID == b.Job.ID && a.Job.Action == b.Job.Action && a.Job.URL == b.Job.URL && a.State == b.State &&
		a.DesiredHash == b.DesiredHash && a.Result == b.Result && a.TakenAt.Equal(b.TakenAt) &&
		a.ReportedAt.Equal(b.ReportedAt) && a.Seq == b.Seq
}

func TestResumption(t *testing.T) {
	now := time.Unix(2000, 0)
	e := func(id, action, name string, s State) Entry {
		return Entry{Job: api.Job{ID: id, Action: action, Name: name}, State: s}
	}
	resumed := func(id string, queued bool) Step {
		return Step{id, Event{Kind: Resumed, At: now, Queued: queued}}
	}
	superseded := func(id, by, action string) Step {
		return Step{id, Event{Kind: Superseded, At: now, Message: "superseded by job " + by + " (" + action + ") before its outcome was observed"}}
	}
	tests := []struct {
		name    string
		entries []Entry
		queued  map[string]bool
		want    []Step
	}{
		{"nothing", nil, nil, nil},
		{"each job resumed, queued results said so",
			[]Entry{e("a", "install", "x", Taken), e("b", "stop", "y", Applied), e("c", "start", "z", Judged), e("d", "start", "z", Judged)},
			map[string]bool{"d": true},
			[]Step{resumed("a", false), resumed("b", false), resumed("c", false), resumed("d", true)}},
		{"an agent's older unfinished job superseded by its newest",
			[]Entry{e("a", "install", "x", Applied), e("b", "upgrade", "x", Taken), e("c", "stop", "y", Applied)},
			nil,
			[]Step{superseded("a", "b", "upgrade"), resumed("b", false), resumed("c", false)}},
		{"a finished job is not superseded; config jobs supersede nothing",
			[]Entry{e("a", "install", "x", Reported), e("c1", "config", "", Taken), e("c2", "config", "", Taken), e("b", "restart", "x", Taken)},
			nil,
			[]Step{resumed("a", false), resumed("c1", false), resumed("c2", false), resumed("b", false)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Resumption(tc.entries, tc.queued, now)
			if len(got) != len(tc.want) {
				t.Fatalf("Resumption = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i].ID != tc.want[i].ID || got[i].Event.Kind != tc.want[i].Event.Kind ||
					got[i].Event.Message != tc.want[i].Event.Message || got[i].Event.Queued != tc.want[i].Event.Queued {
					t.Fatalf("step %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
