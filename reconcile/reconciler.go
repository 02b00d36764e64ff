package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// Options are the reconciler's settings; Policy and StopGrace may change on
// a configuration reload (SetOptions).
type Options struct {
	StateDir  string                // agents/NAME working dirs and logs/NAME.log live here
	Policy    desired.RestartPolicy // default restart policy; docs may override
	StopGrace time.Duration         // SIGTERM → SIGKILL
	// CgroupParent is where agents' cgroups go (<parent>/<name>).
	CgroupParent string
	// CgroupErr says why cgroups cannot be used here (nil: they can).
	// Agents with limits are then not started; the others run without.
	CgroupErr error
	// Packages fetches and stores packages; nil: agents with a package
	// cannot run (they say so).
	Packages PackageStore
	// SystemPackages installs docs with package.install: system, where
	// AllowSystemPackages (allow_system_packages) lets them.
	SystemPackages      SystemPackages
	AllowSystemPackages bool
	// HealthWindow: an upgraded version that exits sooner is rolled back.
	HealthWindow time.Duration
	// OnObserved, if set, is called (outside any lock, from the agent's
	// worker) after every change to what is observed of an agent; it must
	// not block. Job outcomes are judged from it.
	OnObserved func(name string)
	Logger     *slog.Logger
	Events     *actual.Events
}

// Reconciler owns the desired set, the observed table and one worker per
// agent. Every method is safe for concurrent use.
type Reconciler struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	opts     Options
	set      desired.Set
	observed map[string]actual.Agent
	workers  map[string]*worker
	cgroups  map[string]*supervise.Cgroup // for status readers; owned by the workers
	keep     bool                         // at shutdown: leave processes running
}

// ErrUnknownAgent is returned for an operation on an agent that is not desired.
var ErrUnknownAgent = errors.New("no such agent")

// New returns a reconciler with no desired agents. Call Shutdown to stop it.
func New(opts Options) *Reconciler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Events == nil {
		opts.Events = actual.NewEvents(100)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Reconciler{
		ctx: ctx, cancel: cancel, opts: opts,
		observed: map[string]actual.Agent{},
		workers:  map[string]*worker{},
		cgroups:  map[string]*supervise.Cgroup{},
	}
}

// SetDesired replaces the whole desired set (a full snapshot, never a diff)
// and wakes every agent's worker to look again.
func (r *Reconciler) SetDesired(set desired.Set) {
	docs := make(map[string]desired.Doc, len(set.Docs))
	for n, d := range set.Docs {
		d.Seal()
		docs[n] = d
	}
	set.Docs = docs
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		return
	}
	r.set = set
	for n, d := range docs {
		w := r.workerLocked(n)
		w.fetching.desiredNow(&d)
		w.wake()
	}
	for n, w := range r.workers {
		if _, ok := docs[n]; !ok {
			w.fetching.desiredNow(nil)
			w.wake()
		}
	}
}

// SetOptions changes the default policy, stop grace and upgrade health
// window (configuration reload); running agents keep running.
func (r *Reconciler) SetOptions(policy desired.RestartPolicy, grace, health time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.Policy, r.opts.StopGrace, r.opts.HealthWindow = policy, grace, health
}

// Restart asks for an agent to be restarted now, clearing a fatal state.
func (r *Reconciler) Restart(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	doc, ok := r.set.Docs[name]
	if !ok {
		return fmt.Errorf("restart %s: %w", name, ErrUnknownAgent)
	}
	if doc.DesiredState() == desired.Stopped {
		return fmt.Errorf("restart %s: it is desired stopped (%s); set state: running to start it", name, doc.Origin)
	}
	a := r.observed[name]
	a.Name, a.RestartRequested = name, true
	r.observed[name] = a
	r.workerLocked(name).wake()
	return nil
}

// Agents returns what is observed of every agent, sorted by name.
func (r *Reconciler) Agents() []actual.Agent {
	r.mu.Lock()
	out := make([]actual.Agent, 0, len(r.observed))
	for _, a := range r.observed {
		out = append(out, a)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Usage reads an agent's cgroup: the limits in force (read back, not as
// asked) and its CPU and memory use. ok is false when it has no cgroup.
func (r *Reconciler) Usage(name string) (limits supervise.CgroupLimits, stats supervise.CgroupStats, ok bool) {
	r.mu.Lock()
	cg := r.cgroups[name]
	r.mu.Unlock()
	if cg == nil {
		return limits, stats, false
	}
	var err1, err2 error
	limits, err1 = cg.Limits()
	stats, err2 = cg.Stats()
	return limits, stats, err1 == nil && err2 == nil
}

// Shutdown stops every worker. With stopAgents each stops its process
// gracefully (in parallel); otherwise processes are left running for the
// next start to adopt. It returns when every worker is done.
func (r *Reconciler) Shutdown(stopAgents bool) {
	r.mu.Lock()
	r.keep = !stopAgents
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// LogPath is where an agent's stdout and stderr go.
func (r *Reconciler) LogPath(name string) string {
	return filepath.Join(r.opts.StateDir, "logs", name+".log")
}

func (r *Reconciler) workDir(name string) string {
	return filepath.Join(r.opts.StateDir, "agents", name)
}

// workerLocked returns name's worker, starting one if needed. r.mu held.
func (r *Reconciler) workerLocked(name string) *worker {
	if w, ok := r.workers[name]; ok {
		return w
	}
	return r.startWorkerLocked(name, nil)
}

// startWorkerLocked starts name's worker; init, if any, sets it up before
// its goroutine runs. r.mu held.
func (r *Reconciler) startWorkerLocked(name string, init func(*worker)) *worker {
	w := &worker{name: name, r: r, kick: make(chan struct{}, 1), log: r.opts.Logger.With("agent", name)}
	if init != nil {
		init(w)
	}
	r.workers[name] = w
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		w.run(r.ctx)
	}()
	return w
}

// view is what a worker plans from: its desired doc, its observation, the
// sources-ready flag and the options in force. ready is that of the source
// that owned the observed agent: a degraded server source (its state file
// corrupt) keeps its own agents, but not those a file stopped defining.
func (r *Reconciler) view(name string) (*desired.Doc, *actual.Agent, bool, Options) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var doc *desired.Doc
	if d, ok := r.set.Docs[name]; ok {
		doc = &d
	}
	var obs *actual.Agent
	ready := r.set.Ready
	if a, ok := r.observed[name]; ok {
		obs = &a
		ready = r.set.SourceReady(a.Source)
	}
	return doc, obs, ready, r.opts
}

// update changes name's observation under the lock.
func (r *Reconciler) update(name string, fn func(a *actual.Agent)) {
	r.mu.Lock()
	a := r.observed[name]
	a.Name = name
	fn(&a)
	r.observed[name] = a
	r.mu.Unlock()
	r.notify(name)
}

func (r *Reconciler) notify(name string) {
	if r.opts.OnObserved != nil {
		r.opts.OnObserved(name)
	}
}

// Agent returns what is observed of one agent.
func (r *Reconciler) Agent(name string) (actual.Agent, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.observed[name]
	return a, ok
}

// retire drops a removed agent and its worker, unless the agent became
// desired again meanwhile; it says whether the worker should end.
func (r *Reconciler) retire(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set.Docs[name]; ok {
		return false
	}
	delete(r.observed, name)
	delete(r.workers, name)
	go r.notify(name) // the agent is gone: an uninstall may be judged
	return true
}

func (r *Reconciler) keepOnExit() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keep
}
