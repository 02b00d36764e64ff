// Package daemon assembles a running BootAgent from its configuration:
// desired-state sources and their merger, the reconciler, the control
// socket, log rotation. It holds wiring, not decisions; cmd/bootagent only
// parses flags and turns signals into calls here.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/internal/statedir"
	"github.com/bootagent/bootagent/jobs"
	"github.com/bootagent/bootagent/reconcile"
	"github.com/bootagent/bootagent/selfupgrade"
	"github.com/bootagent/bootagent/supervise"
	"github.com/bootagent/bootagent/syspkg"
	sd "github.com/coreos/go-systemd/v22/daemon"
)

// Daemon is one running BootAgent.
type Daemon struct {
	log      *slog.Logger
	started  time.Time
	hostname string
	lock     *os.File
	ctl      net.Listener
	events   *actual.Events
	rec      *reconcile.Reconciler
	merger   *desired.Merger
	reread   chan struct{}

	// The server side: server-sourced docs, jobs, durable results and
	// events, the protocol client (servers may be empty: offline).
	server      *desired.ServerSource
	jobs        *jobs.Machine
	client      *api.Client
	results     *api.Outbox[api.JobResult]
	eventsOut   *api.Outbox[api.Event]
	stepChanged chan struct{}

	applyMu   sync.Mutex // serialises merge-and-apply of desired sets
	mu        sync.Mutex
	cfg       desired.Config
	set       desired.Set
	problems  map[string]bool // problems already reported as events
	agentsn   string
	tags      string
	serverCfg api.ServerConfig

	// stateProblems are the daemon's own state files that could not be
	// read (server-config.json): shown with the sources' problems.
	stateProblems []desired.Problem

	// How Run ends (stop.go): the cause it was asked to stop for, and
	// the `run --keep-agents-on-term` flag.
	quit       chan StopCause
	stopCause  StopCause
	keepOnTerm bool

	// Self-upgrade (selfupgrade.go): the binary's path, the package
	// store that fetches a new one, the exec that follows Run, and this
	// process's trial when it is the new binary.
	exe       string
	store     *fetch.Store
	ready     atomic.Bool // adopted and the first desired set reconciled (ready.go)
	reached   atomic.Bool // a status report reached a server
	upgradeMu sync.Mutex
	exec      *ExecPlan
	onTrial   bool
	trial     selfupgrade.Record
	trialPath string

	// metrics_listen (metrics.go); lastReport is when a status report
	// last reached a server, unix nanoseconds.
	metricsLn  net.Listener
	metricsSrv *http.Server
	lastReport atomic.Int64
}

// New prepares a daemon: state directories, the single-instance lock, the
// control socket. Nothing runs until Run.
func New(cfg desired.Config, logger *slog.Logger) (d *Daemon, err error) {
	for _, dm := range []struct {
		dir  string
		mode os.FileMode
	}{{cfg.StateDir, stateDirMode}, {filepath.Join(cfg.StateDir, "logs"), privateDir}, {filepath.Join(cfg.StateDir, agentsDirName), stateDirMode}} {
		if err := os.MkdirAll(dm.dir, dm.mode); err != nil {
			return nil, fmt.Errorf("state dir: %w", err)
		}
	}
	if err := tightenStateDir(cfg.StateDir); err != nil {
		return nil, err
	}
	lock, err := lockStateDir(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	// Under the lock: no other daemon reads these files meanwhile.
	if err := statedir.Migrate(cfg.StateDir); err != nil {
		lock.Close()
		return nil, err
	}
	ctl, err := api.ListenControl(cfg.SocketPath())
	if err != nil {
		lock.Close()
		return nil, err
	}
	defer func() {
		if err != nil {
			ctl.Close()
			lock.Close()
		}
	}()
	host := cfg.Hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	events := actual.NewEvents(100)
	d = &Daemon{
		log: logger, started: time.Now(), hostname: host, lock: lock, ctl: ctl,
		events: events, cfg: cfg, problems: map[string]bool{},
		merger:      desired.NewMerger(desired.SourceFile, desired.SourceServer),
		reread:      make(chan struct{}, 1),
		stepChanged: make(chan struct{}, 1),
		quit:        make(chan StopCause, 1),
	}
	if err := d.openServerSide(); err != nil {
		return nil, err
	}
	if err := d.openMetrics(); err != nil { // before adoption: a bad address changes nothing
		return nil, err
	}
	cgErr := supervise.CgroupsAvailable()
	if cgErr == nil {
		// Before any child exists: on v2 the daemon moves itself into
		// the leaf of its own cgroup (SPEC §5).
		cgErr = supervise.PrepareCgroups()
	}
	if cgErr != nil {
		logger.Warn("cgroups unavailable: agents with limits will not start", "reason", cgErr)
	}
	store, err := fetch.NewStore(cfg.StateDir, fetch.Options{
		RequireChecksum: cfg.RequireChecksum, Timeout: cfg.DownloadTimeout.D(),
		MaxDownload: cfg.PackageMaxDownloadBytes(), MaxUnpacked: cfg.PackageMaxUnpackedBytes(), MaxEntries: cfg.PackageMaxEntries,
		TrustedKeys: cfg.Keys,
		Logger:      logger.With("component", "fetch"),
	})
	if err != nil {
		return nil, err
	}
	d.store = store
	if exe, err := os.Executable(); err == nil {
		d.exe = exe
	}
	d.rec = reconcile.New(reconcile.Options{
		StateDir: cfg.StateDir, Policy: cfg.Restart, StopGrace: cfg.StopGrace.D(),
		CgroupParent: cfg.CgroupParent, CgroupErr: cgErr,
		Packages: store, HealthWindow: cfg.UpgradeHealthWindow.D(),
		SystemPackages:      syspkg.New(cfg.SystemPackageOptions(), logger.With("component", "syspkg")),
		AllowSystemPackages: cfg.AllowSystemPackages,
		Logger:              logger, Events: events,
		OnObserved: d.jobs.Observed,
	})
	// Agents a previous daemon left running are adopted before anything
	// is planned, so none is started twice.
	d.rec.AdoptRecorded()
	return d, nil
}

// lockStateDir makes sure one daemon at a time owns a state directory.
func lockStateDir(stateDir string) (*os.File, error) {
	path := filepath.Join(stateDir, "bootagent.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("state dir %s is in use by another bootagent daemon", stateDir)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// Run runs until ctx ends, then stops the sub-agents (unless the
// configuration keeps them) and releases everything.
func (d *Daemon) Run(ctx context.Context) error {
	srv := &http.Server{Handler: api.ControlHandler(d), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(d.ctl)

	snaps := make(chan desired.Snapshot)
	var sources sync.WaitGroup
	srcCtx, stopSources := context.WithCancel(ctx)
	d.mu.Lock()
	dir, filesState := d.cfg.DesiredDir, statedir.DesiredFiles(d.cfg.StateDir)
	d.mu.Unlock()
	// runSource starts a file source; its stop function returns once it has
	// ended, so that the next one loads the documents it persisted last.
	runSource := func(dir string) (*desired.FileSource, func()) {
		fs := desired.NewFileSource(dir, d.log)
		fs.StateFile = filesState
		c, cancel := context.WithCancel(srcCtx)
		done := make(chan struct{})
		sources.Add(1)
		go func() { defer sources.Done(); defer close(done); fs.Run(c, snaps) }()
		return fs, func() { cancel(); <-done }
	}
	fileSrc, stopFile := runSource(dir)
	go releaseIdleMemory(srcCtx)
	// The server's last word (persisted) is known at once, server or not;
	// then the jobs a crash interrupted carry on from where they stopped.
	d.serverChanged()
	if err := d.jobs.Resume(); err != nil {
		d.log.Error("interrupted jobs not resumed", "error", err)
	}
	go d.jobs.Run(srcCtx)
	if len(d.client.Servers()) > 0 {
		sources.Add(2)
		go func() { defer sources.Done(); d.reportLoop(srcCtx) }()
		go func() { defer sources.Done(); d.drainLoop(srcCtx) }()
	}
	d.log.Info("bootagent started", "version", api.AgentVersion(), "desired_dir", dir, "state_dir", d.cfg.StateDir, "control_socket", d.cfg.SocketPath())

	go runWatchdog(srcCtx, d.log)
	go d.watchTrial(srcCtx)
	d.serveMetrics()

	rotate := time.NewTicker(10 * time.Second)
	defer rotate.Stop()
	ready := false
	stop := func(cause StopCause) error {
		d.mu.Lock()
		d.stopCause = cause
		d.mu.Unlock()
		notify(d.log, sd.SdNotifyStopping)
		stopSources()
		sources.Wait()
		return d.shutdown(srv)
	}
	for {
		select {
		case <-ctx.Done():
			return stop(StopSignalTerm)
		case cause := <-d.quit:
			return stop(cause)
		case s := <-snaps:
			d.applyMu.Lock()
			d.apply(d.merger.Update(s))
			d.applyMu.Unlock()
			if !ready {
				// The first desired set is handed over: once it is
				// reconciled, systemd may consider the service started.
				ready = true
				go d.signalReady(srcCtx)
			}
		case <-d.reread:
			d.mu.Lock()
			newDir := d.cfg.DesiredDir
			d.mu.Unlock()
			if newDir != dir {
				// A new directory is a new file source; its first snapshot
				// replaces the old one's set as a whole (a missing new
				// directory keeps the old one's documents: SPEC §4).
				stopFile()
				dir = newDir
				fileSrc, stopFile = runSource(dir)
				d.log.Info("desired_dir changed", "desired_dir", dir)
			} else {
				fileSrc.Reread()
			}
			// A degraded server source re-reads its file: an operator who
			// restored it ends the degraded state this way.
			if d.server.Reload() {
				d.serverChanged()
				if err := d.server.Degraded(); err != nil {
					d.log.Error("server desired state still unreadable", "error", err)
				} else {
					d.log.Info("server desired state restored")
				}
			}
		case <-rotate.C:
			d.rotateLogs()
		}
	}
}

// apply hands a merged desired set to the reconciler and reports new
// problems once each (logged, and an invalid_config event).
func (d *Daemon) apply(set desired.Set) {
	d.mu.Lock()
	set.Problems = append(set.Problems, d.stateProblems...)
	d.set = set
	seen := map[string]bool{}
	var fresh []desired.Problem
	for _, p := range set.Problems {
		key := p.String()
		seen[key] = true
		if !d.problems[key] {
			fresh = append(fresh, p)
		}
	}
	for key := range d.problems {
		if !seen[key] {
			d.log.Info("desired-state problem cleared", "problem", key)
		}
	}
	d.problems = seen
	d.mu.Unlock()
	for _, p := range fresh {
		d.log.Error("invalid desired state", "problem", p.String())
		agent := ""
		if len(p.Agents) == 1 {
			agent = p.Agents[0]
		}
		d.events.Add(actual.Event{Agent: agent, Type: actual.EventInvalidConfig, Message: p.String()})
	}
	d.rec.SetDesired(set)
}

// Reload re-reads the configuration file and the desired files (SIGHUP).
// A bad configuration is logged and the running one kept. Settings read
// only at start (restartOnly) keep their values, with a warning naming them.
func (d *Daemon) Reload() {
	d.mu.Lock()
	path := d.cfg.Path
	d.mu.Unlock()
	if path != "" {
		cfg, err := desired.LoadConfig(path)
		if err != nil {
			d.log.Error("reload: configuration kept as it was", "error", err)
		} else {
			stepBefore := d.step()
			d.mu.Lock()
			if changed := restartOnly(d.cfg, &cfg); len(changed) > 0 {
				d.log.Warn("reload: these settings change only at the next start", "settings", changed)
			}
			d.cfg = cfg
			d.mu.Unlock()
			d.server.SetJobPolicy(jobPolicy(cfg))
			d.rec.SetOptions(cfg.Restart, cfg.StopGrace.D(), cfg.UpgradeHealthWindow.D())
			d.rescheduleIfStepChanged(stepBefore)
			d.log.Info("configuration reloaded", "config", path)
		}
	}
	select {
	case d.reread <- struct{}{}:
	default:
	}
}

// Restart implements api.Controller.
func (d *Daemon) Restart(name string) error {
	if err := d.rec.Restart(name); err != nil {
		return err
	}
	d.log.Info("restart requested", "agent", name)
	return nil
}

func (d *Daemon) shutdown(srv *http.Server) error {
	d.mu.Lock()
	keep := keepAgentsOnStop(d.stopCause, d.cfg.KeepAgentsOnExit, d.keepOnTerm)
	d.mu.Unlock()
	if keep {
		d.log.Info("stopping; sub-agents keep running for the next start to adopt")
	} else {
		d.log.Info("stopping sub-agents")
	}
	d.rec.Shutdown(!keep)
	if !keep && supervise.CgroupsAvailable() == nil {
		if err := supervise.RemoveCgroupParent(d.cfg.CgroupParent); err != nil {
			d.log.Info("parent cgroup kept", "cgroup", d.cfg.CgroupParent, "reason", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	d.closeMetrics()
	os.Remove(d.cfg.SocketPath())
	d.lock.Close()
	d.log.Info("bootagent stopped")
	return nil
}

func (d *Daemon) rotateLogs() {
	d.mu.Lock()
	maxBytes, keep := d.cfg.LogMaxBytes(), d.cfg.LogKeep
	d.mu.Unlock()
	for _, a := range d.rec.Agents() {
		rotateLog(d.log, d.rec.LogPath(a.Name), maxBytes, keep)
	}
}

// openServerSide loads what the daemon keeps for the control server:
// agentsn, server-given config, server docs, the job ledger and the
// outboxes of results and events.
func (d *Daemon) openServerSide() error {
	dir := d.cfg.StateDir
	var err error
	if d.agentsn, err = api.LoadOrCreateAgentSN(dir); err != nil {
		return err
	}
	if d.serverCfg, err = api.LoadServerConfig(dir); err != nil {
		// Degrade, not refuse to start: the server can send it again.
		d.log.Error("starting with no server-given configuration", "error", err)
		d.stateProblems = append(d.stateProblems, desired.Problem{Msg: err.Error() + ": started with no server-given configuration (svrlist, step)"})
	}
	d.server = desired.OpenServerSource(dir)
	d.server.SetJobPolicy(jobPolicy(d.cfg))
	if err := d.server.Degraded(); err != nil {
		d.recoverServerDocs(err)
	}
	ledger, err := jobs.OpenStateLedger(dir, d.log)
	if err != nil {
		return err
	}
	if d.results, err = api.OpenResultOutbox(dir, d.log); err != nil {
		return err
	}
	if d.eventsOut, err = api.OpenEventOutbox(dir, d.log); err != nil {
		return err
	}
	d.client = api.NewClient(d.cfg.Servers, api.ClientOptions{
		Logger: d.log.With("component", "client"),
		Trust:  api.Trust{Roots: d.cfg.CAPool, Pin: d.cfg.Pin, RequireTLS: d.cfg.RequireTLS},
	})
	d.client.SetAgentSN(d.agentsn)
	d.loadCredential()
	if d.serverCfg.Svrlist != "" {
		if err := d.client.SetExtra(d.serverCfg.Svrlist); err != nil {
			d.log.Warn("persisted svrlist ignored", "error", err)
		}
	}
	if len(d.client.Servers()) > 0 {
		// Events are pushed at once and also kept durably until sent.
		d.events.Subscribe(func(ev actual.Event) {
			if err := d.eventsOut.Add(ev); err != nil {
				d.log.Error("event not queued for the server", "error", err)
			}
		})
	}
	d.jobs = jobs.New(jobs.Config{Host: jobHost{d}, Ledger: ledger, Results: d.results,
		Startup: d.startupPeriod, Logger: d.log})
	return nil
}

// recoverServerDocs rebuilds, for a degraded server source, the docs of
// the server agents a previous daemon ran, from their run records: they
// are then supervised as before (see desired/serverdegraded.go).
func (d *Daemon) recoverServerDocs(cause error) {
	d.log.Error("server desired state unreadable: nothing is removed for the server and jobs changing its agents are refused until it is restored", "error", cause)
	recs, errs := actual.Records{Dir: filepath.Join(d.cfg.StateDir, "run")}.Load()
	for _, err := range errs {
		d.log.Warn("run record discarded", "error", err)
	}
	var docs []desired.Doc
	for _, r := range recs {
		if r.Source == desired.SourceServer {
			docs = append(docs, r.Doc)
		}
	}
	added, err := d.server.Recover(docs)
	if err != nil {
		d.log.Error("rebuilt server desired state not saved", "error", err)
	}
	d.log.Info("server agents rebuilt from run records", "agents", added)
}
