package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/crashpoint"
)

// Config wires a Machine.
type Config struct {
	Host    Host
	Ledger  *Ledger
	Results *api.Outbox[api.JobResult] // where results wait for the server
	// Startup is how long a started process must stay up before a job
	// that started it is done (read at each judgement: it may be reloaded).
	Startup func() time.Duration
	Logger  *slog.Logger
	Now     func() time.Time // default time.Now
}

// Machine carries out the job lifecycle (Next) against the Host, the
// ledger and the outbox. Every step of every job runs under one lock, in
// the order events arrive; Host calls happen under it too, which is why
// Observed only marks the agent and returns.
type Machine struct {
	cfg Config
	log *slog.Logger

	work sync.Mutex // serialises steps

	mu     sync.Mutex
	latest map[string]shown // by agent: its latest job, for status
	// seen holds, by agent, what was observed since its jobs were last
	// judged, in order: each observation is judged as it was (a message
	// explaining a failure may be gone a moment later).
	seen    map[string][]sighting
	kick    chan struct{}
	recheck *time.Timer
	next    time.Time // when recheck fires; zero when idle
}

// sighting is what was observed of an agent (nil: nothing), and when.
type sighting struct {
	obs *actual.Agent
	at  time.Time
}

// shown is a job's state as status shows it, with the job's Seq so that an
// older job finishing never hides a newer one.
type shown struct {
	seq   uint64
	state api.JobState
}

// New makes a Machine for what cfg.Ledger holds; nothing runs until Resume
// and Run. It registers with the outbox to hear of acknowledged results.
func New(cfg Config) *Machine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &Machine{cfg: cfg, log: cfg.Logger.With("component", "jobs"),
		latest: map[string]shown{}, seen: map[string][]sighting{}, kick: make(chan struct{}, 1)}
	m.recheck = time.AfterFunc(time.Hour, m.observeAll)
	m.recheck.Stop()
	for _, e := range cfg.Ledger.Entries() {
		m.show(e, statusOf(e))
	}
	cfg.Results.OnAck(m.acked)
	return m
}

// Resume finishes what a crash or restart interrupted (Resumption): call
// it once at start, after the server-sourced desired state is merged in.
func (m *Machine) Resume() error {
	m.work.Lock()
	defer m.work.Unlock()
	items, _, err := m.cfg.Results.Peek(0)
	if err != nil {
		return fmt.Errorf("jobs: reading queued results: %w", err)
	}
	queued := map[string]bool{}
	for _, r := range items {
		queued[r.ID] = true
	}
	for _, s := range Resumption(m.cfg.Ledger.Entries(), queued, m.cfg.Now()) {
		m.step(s.ID, s.Event)
	}
	return nil
}

// Take handles the jobs of one status answer, asked for at asked, in
// order, and those that failed validation (each gets a failing result
// when it has an id).
func (m *Machine) Take(list []api.Job, bad []api.JobError, asked time.Time) {
	m.work.Lock()
	defer m.work.Unlock()
	for _, je := range bad {
		if je.ID == "" {
			m.log.Error("server sent a job without a usable id; no result can be reported", "error", je.Message)
			continue
		}
		m.step(je.ID, Event{Kind: Invalid, At: m.cfg.Now(), Asked: asked, Job: api.Job{ID: je.ID}, Message: je.Message})
	}
	for _, job := range list {
		m.step(job.ID, Event{Kind: Delivered, At: m.cfg.Now(), Asked: asked, Job: job})
	}
}

// maxSeen bounds the observations of one agent waiting to be judged; the
// oldest go first (judging is quick: they pile up only in a burst).
const maxSeen = 64

// Observed says something changed in what is observed of agent name: what
// is observed now is judged soon, by Run. It never blocks on a job step;
// call it right after the change (reconcile's OnObserved).
func (m *Machine) Observed(name string) {
	var obs *actual.Agent
	if a, ok := m.cfg.Host.Observe(name); ok {
		obs = &a
	}
	m.mu.Lock()
	q := append(m.seen[name], sighting{obs, m.cfg.Now()})
	if len(q) > maxSeen {
		q = q[len(q)-maxSeen:]
	}
	m.seen[name] = q
	m.mu.Unlock()
	m.signal()
}

// Run judges the jobs of observed agents, and those whose start-up period
// ends, until ctx ends.
func (m *Machine) Run(ctx context.Context) {
	defer m.recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.kick:
		}
		m.mu.Lock()
		seen := m.seen
		m.seen = map[string][]sighting{}
		m.mu.Unlock()
		m.judgeSeen(seen)
	}
}

// State is agent name's latest job, for the status document.
func (m *Machine) State(name string) *api.JobState {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.latest[name]; ok {
		st := s.state
		return &st
	}
	return nil
}

// judgeSeen judges the applied jobs of each agent against each of its
// observations, oldest first, until one is final.
func (m *Machine) judgeSeen(seen map[string][]sighting) {
	if len(seen) == 0 {
		return
	}
	m.work.Lock()
	defer m.work.Unlock()
	for _, e := range m.cfg.Ledger.Unfinished() {
		if e.State != Applied {
			continue
		}
		for _, s := range seen[e.Job.Name] {
			m.step(e.ID(), m.judgeAgainst(e, s))
			if e, _ = m.cfg.Ledger.Get(e.ID()); e.State != Applied {
				break
			}
		}
	}
}

// acked is the outbox's word that the server has these results: recorded
// before they leave the outbox, so a crash in between re-sends them rather
// than forgetting they were sent.
func (m *Machine) acked(results []api.JobResult) {
	m.work.Lock()
	defer m.work.Unlock()
	for _, r := range results {
		m.step(r.ID, Event{Kind: Acked, At: m.cfg.Now()})
	}
}

// step applies one event to one job and carries out the effects. Called
// with work held.
func (m *Machine) step(id string, ev Event) {
	e, known := m.cfg.Ledger.Get(id)
	before := e.State
	e, effects := Next(e, known, ev)
	log := m.log.With("job", id, "action", e.Job.Action, "agent", e.Job.Name)
	for _, eff := range effects {
		switch eff {
		case Persist:
			var err error
			if e, err = m.cfg.Ledger.Put(e); err != nil {
				// Not durable, so not done: the server re-sends the job,
				// or the next observation judges it again.
				log.Error("job step not recorded; retried later", "state", e.State, "error", err)
				return
			}
			crashpoint.Here("job." + string(e.State))
			m.logChange(log, before, e, ev)
			m.show(e, statusOf(e))
		case SupersedeOlder:
			m.supersede(e)
		case Apply: // always last: the next step carries on
			m.step(id, m.apply(e))
		case Observe: // likewise
			m.step(id, m.judge(e))
		case Queue:
			if err := m.cfg.Results.Add(e.Result); err != nil {
				// The ledger has it: the next delivery of the job or the
				// next start queues it again.
				log.Error("job result not queued", "error", err)
				continue
			}
			crashpoint.Here("job.queued")
		}
	}
}

func (m *Machine) logChange(log *slog.Logger, before State, e Entry, ev Event) {
	switch {
	case e.State == Taken && before == "":
		log.Info("job received")
	case e.State == Judged && before == Reported:
		log.Info("job seen again: its result is sent again")
	case e.State == Judged:
		log.Info("job finished", "errcode", e.Result.Errcode, "message", e.Result.Message)
	case e.State == Reported:
		log.Debug("job result acknowledged")
	}
}

// supersede fails the older unfinished jobs of e's agent: e changed what
// is desired, so their outcome will never be observed.
func (m *Machine) supersede(e Entry) {
	for _, old := range m.cfg.Ledger.Unfinished() {
		if old.ID() != e.ID() && old.Job.Name == e.Job.Name && supersedable(old.Job) {
			m.step(old.ID(), Event{Kind: Superseded, At: m.cfg.Now(), Message: supersededBy(e.Job)})
		}
	}
}

// apply makes the job's desired state real through the Host.
func (m *Machine) apply(e Entry) Event {
	job := e.Job
	fail := func(err error) Event { return Event{Kind: ApplyFailed, At: m.cfg.Now(), Message: err.Error()} }
	if job.Action == api.ActionConfig {
		msg, err := m.cfg.Host.ApplyConfig(job)
		if err != nil {
			return fail(err)
		}
		crashpoint.Here("job.desired")
		return Event{Kind: ApplyDone, At: m.cfg.Now(), Message: msg}
	}
	if IsSelfUpgrade(job) {
		return m.applySelf(job)
	}
	if owner, ok := m.cfg.Host.FileOwner(job.Name); ok {
		return fail(fmt.Errorf("agent %s is defined by the local file %s; server jobs cannot change it", job.Name, owner))
	}
	hash, err := m.cfg.Host.ApplyJob(job)
	if err != nil {
		return fail(err)
	}
	var obs *actual.Agent
	if a, ok := m.cfg.Host.Observe(job.Name); ok {
		obs = &a
	}
	if needsRestart(job.Action, obs, e.TakenAt) {
		if err := m.cfg.Host.Restart(job.Name); err != nil {
			return fail(err)
		}
	}
	crashpoint.Here("job.desired")
	return Event{Kind: ApplyDone, At: m.cfg.Now(), Hash: hash}
}

// judge looks at e's agent now.
func (m *Machine) judge(e Entry) Event {
	var obs *actual.Agent
	if a, ok := m.cfg.Host.Observe(e.Job.Name); ok {
		obs = &a
	}
	return m.judgeAgainst(e, sighting{obs, m.cfg.Now()})
}

// judgeAgainst judges e by what was seen, as of when it was seen; shows a
// verdict that is not final yet and arranges to look again when it may
// change by itself.
func (m *Machine) judgeAgainst(e Entry, s sighting) Event {
	pj := PendingJob{ID: e.ID(), Action: e.Job.Action, Name: e.Job.Name, DesiredHash: e.DesiredHash, Since: e.TakenAt}
	v := Judge(pj, s.obs, m.cfg.Startup(), s.at)
	if !v.Final() {
		m.show(e, api.JobState{ID: e.ID(), Action: e.Job.Action, State: v.State, Message: v.Message})
	}
	if !v.RecheckAt.IsZero() {
		m.recheckAt(v.RecheckAt)
	}
	return Event{Kind: Observed, At: m.cfg.Now(), Verdict: v}
}

// statusOf is how status shows e.
func statusOf(e Entry) api.JobState {
	s := api.JobState{ID: e.ID(), Action: e.Job.Action, State: JobPending}
	if e.State.Final() {
		s.State, s.Errcode, s.Message = JobDone, e.Result.Errcode, e.Result.Message
		if e.Result.Errcode != 0 {
			s.State = JobFailed
		}
	}
	return s
}

// show makes s the status of e's agent, unless a newer job is shown.
func (m *Machine) show(e Entry, s api.JobState) {
	if e.Job.Name == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.latest[e.Job.Name]; ok && cur.seq > e.Seq {
		return
	}
	m.latest[e.Job.Name] = shown{seq: e.Seq, state: s}
}

// recheckAt makes Run judge every applied job at t, unless it does sooner.
func (m *Machine) recheckAt(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	if !m.next.IsZero() && m.next.After(now) && !m.next.After(t) {
		return
	}
	m.next = t
	m.recheck.Reset(t.Sub(now) + 10*time.Millisecond)
}

// observeAll has every agent with an unfinished job judged again.
func (m *Machine) observeAll() {
	m.mu.Lock()
	m.next = time.Time{}
	m.mu.Unlock()
	names := map[string]bool{}
	for _, e := range m.cfg.Ledger.Unfinished() {
		names[e.Job.Name] = true
	}
	for n := range names {
		m.Observed(n)
	}
}

func (m *Machine) signal() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}
