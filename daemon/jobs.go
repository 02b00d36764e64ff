package daemon

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/reconcile"
)

// jobs takes server jobs, turns them into desired state, and reports each
// one's outcome once it is observed (reconcile.Judge). Every result goes
// into the durable outbox before it is sent; the ledger makes a job id
// seen again not run again (its stored result is re-sent instead).
type jobs struct {
	d       *Daemon
	log     *slog.Logger
	ledger  *api.JobLedger
	results *api.Outbox[api.JobResult]
	server  *desired.ServerSource

	mu      sync.Mutex
	pending map[string]reconcile.PendingJob // by job id
	latest  map[string]api.JobState         // by agent: its latest job, for status
	recheck *time.Timer
	next    time.Time // when recheck fires; zero when idle
}

func newJobs(d *Daemon, ledger *api.JobLedger, results *api.Outbox[api.JobResult], server *desired.ServerSource) *jobs {
	j := &jobs{d: d, log: d.log.With("component", "jobs"), ledger: ledger, results: results, server: server,
		pending: map[string]reconcile.PendingJob{}, latest: map[string]api.JobState{}}
	j.recheck = time.AfterFunc(time.Hour, j.judgeAll)
	j.recheck.Stop()
	// Jobs accepted before a crash or restart are judged again: a job
	// re-delivered meanwhile is not new, so only this finishes them.
	for _, e := range ledger.Pending() {
		pj := reconcile.PendingJob{ID: e.ID, Action: e.Action, Name: e.Name, Since: time.Unix(e.Began, 0)}
		if doc, ok := server.Doc(e.Name); ok && e.Action != api.ActionUninstall {
			pj.DesiredHash = doc.Hash()
		}
		j.pending[e.ID] = pj
		j.latest[e.Name] = api.JobState{ID: e.ID, Action: e.Action, State: reconcile.JobPending}
	}
	return j
}

// take handles the jobs of one status answer, in order, and the jobs that
// failed validation (each gets a failing result when it has an id).
func (j *jobs) take(list []api.Job, bad []api.JobError) {
	for _, je := range bad {
		if je.ID == "" {
			j.log.Error("server sent a job without a usable id; no result can be reported", "error", je.Message)
			continue
		}
		if j.begin(je.ID, "", "") {
			j.finish(je.ID, "", "", 1, je.Message)
		}
	}
	for _, job := range list {
		if j.begin(job.ID, job.Action, job.Name) {
			j.run(job)
		}
	}
}

// begin records the job in the ledger; false when it was seen before (its
// stored result, if it has one, is queued again for sending).
func (j *jobs) begin(id, action, name string) bool {
	isNew, err := j.ledger.Begin(id, action, name)
	if err != nil {
		j.log.Error("job not recorded; it is not run now and will be taken when sent again", "job", id, "error", err)
		return false
	}
	if !isNew {
		if res, ok := j.ledger.Seen(id); ok {
			j.log.Info("job seen again: its result is sent again", "job", id)
			j.queue(res)
		}
		return false
	}
	return true
}

func (j *jobs) run(job api.Job) {
	log := j.log.With("job", job.ID, "action", job.Action, "agent", job.Name)
	log.Info("job received")
	if job.Action == api.ActionConfig {
		msg, err := j.d.applyServerConfig(job)
		if err != nil {
			j.finish(job.ID, job.Action, job.Name, 1, err.Error())
			return
		}
		j.finish(job.ID, job.Action, job.Name, 0, msg)
		return
	}
	if owner, ok := j.d.fileOwner(job.Name); ok {
		j.finish(job.ID, job.Action, job.Name, 1, fmt.Sprintf("agent %s is defined by the local file %s; server jobs cannot change it", job.Name, owner))
		return
	}
	doc, err := j.server.Apply(job)
	if err != nil {
		j.finish(job.ID, job.Action, job.Name, 1, err.Error())
		return
	}
	pj := reconcile.PendingJob{ID: job.ID, Action: job.Action, Name: job.Name, Since: time.Now()}
	if doc != nil {
		pj.DesiredHash = doc.Hash()
	}
	j.supersede(job)
	j.mu.Lock()
	j.pending[job.ID] = pj
	j.latest[job.Name] = api.JobState{ID: job.ID, Action: job.Action, State: reconcile.JobPending}
	j.mu.Unlock()
	j.d.serverChanged()
	// restart, and start of an agent that gave up (fatal: its doc did not
	// change, so nothing else would make it run again), clear fatal.
	if job.Action == api.ActionRestart || (job.Action == api.ActionStart && j.gaveUp(job.Name)) {
		if err := j.d.rec.Restart(job.Name); err != nil {
			j.finish(job.ID, job.Action, job.Name, 1, err.Error())
			return
		}
	}
	j.judge(job.Name)
}

// supersede fails the older pending jobs of the same agent: a newer job
// changed what is desired, so theirs will never be observed.
func (j *jobs) supersede(job api.Job) {
	j.mu.Lock()
	var old []reconcile.PendingJob
	for _, pj := range j.pending {
		if pj.Name == job.Name {
			old = append(old, pj)
		}
	}
	j.mu.Unlock()
	for _, pj := range old {
		j.finish(pj.ID, pj.Action, pj.Name, 1, fmt.Sprintf("superseded by job %s (%s) before its outcome was observed", job.ID, job.Action))
	}
}

// judge looks at name's pending jobs against what is observed now.
func (j *jobs) judge(name string) {
	j.mu.Lock()
	var mine []reconcile.PendingJob
	for _, pj := range j.pending {
		if pj.Name == name {
			mine = append(mine, pj)
		}
	}
	j.mu.Unlock()
	if len(mine) == 0 {
		return
	}
	var obs *actual.Agent
	if a, ok := j.d.rec.Agent(name); ok {
		obs = &a
	}
	now := time.Now()
	for _, pj := range mine {
		v := reconcile.Judge(pj, obs, j.d.startupPeriod(), now)
		if v.Final() {
			j.finish(pj.ID, pj.Action, pj.Name, v.Errcode, v.Message)
			continue
		}
		j.mu.Lock()
		if _, still := j.pending[pj.ID]; still {
			j.latest[name] = api.JobState{ID: pj.ID, Action: pj.Action, State: v.State, Message: v.Message}
		}
		j.mu.Unlock()
		if !v.RecheckAt.IsZero() {
			j.recheckAt(v.RecheckAt)
		}
	}
}

// recheckAt makes judgeAll run at t, unless it already runs sooner.
func (j *jobs) recheckAt(t time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.next.IsZero() && j.next.After(time.Now()) && !j.next.After(t) {
		return
	}
	j.next = t
	j.recheck.Reset(time.Until(t) + 10*time.Millisecond)
}

// gaveUp reports whether name is fatal.
func (j *jobs) gaveUp(name string) bool {
	a, ok := j.d.rec.Agent(name)
	return ok && a.Status == actual.Fatal
}

func (j *jobs) judgeAll() {
	j.mu.Lock()
	j.next = time.Time{}
	names := map[string]bool{}
	for _, pj := range j.pending {
		names[pj.Name] = true
	}
	j.mu.Unlock()
	for n := range names {
		j.judge(n)
	}
}

// finish ends a job: the ledger first (so a re-delivery re-sends rather
// than re-runs), then the outbox, from which it is sent until acknowledged.
func (j *jobs) finish(id, action, name string, errcode int, msg string) {
	res := api.JobResult{ID: id, Errcode: errcode, Message: msg}
	j.mu.Lock()
	_, wasPending := j.pending[id]
	delete(j.pending, id)
	if name != "" {
		state := reconcile.JobDone
		if errcode != 0 {
			state = reconcile.JobFailed
		}
		if cur, ok := j.latest[name]; !ok || cur.ID == id || !wasPending {
			j.latest[name] = api.JobState{ID: id, Action: action, State: state, Errcode: errcode, Message: msg}
		}
	}
	j.mu.Unlock()
	j.log.Info("job finished", "job", id, "action", action, "agent", name, "errcode", errcode, "message", msg)
	if err := j.ledger.Finish(res); err != nil {
		j.log.Error("job result not recorded in the ledger", "job", id, "error", err)
	}
	j.queue(res)
}

func (j *jobs) queue(res api.JobResult) {
	if err := j.results.Add(res); err != nil {
		// Not durable: the ledger still has it, and a re-delivered job
		// will queue it again.
		j.log.Error("job result not queued", "job", res.ID, "error", err)
	}
}

// state is name's latest job, for the status document.
func (j *jobs) state(name string) *api.JobState {
	j.mu.Lock()
	defer j.mu.Unlock()
	if s, ok := j.latest[name]; ok {
		return &s
	}
	return nil
}
