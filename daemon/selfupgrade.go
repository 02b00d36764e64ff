package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/jobs"
	"github.com/bootagent/bootagent/selfupgrade"
	"github.com/bootagent/bootagent/supervise"
	"github.com/bootagent/bootagent/syntax"
)

// Self-upgrade (SPEC §14), the daemon's side: the old version fetches,
// checks and swaps the binary, leaves a guard, and stops keeping its agents
// for cmd/bootagent to exec the new binary in place; the new version, on
// trial, marks itself healthy or reverts. The decisions are in package
// selfupgrade; this is wiring.

// ExecPlan is the exec that follows Run's return, when it ends for one.
type ExecPlan struct {
	Path string
	Argv []string
	Env  []string
}

var _ jobs.SelfUpgrader = jobHost{}

// SelfUpgrade implements jobs.SelfUpgrader.
func (h jobHost) SelfUpgrade(job api.Job) (string, error) {
	rec, ok, err := selfupgrade.Load(h.d.upgradeRecord())
	if err != nil {
		return "", err
	}
	out := selfupgrade.OutcomeOf(rec, ok, job.ID)
	switch {
	case out.Pending:
		return "", jobs.ErrPending
	case out.Failed:
		return "", errors.New(out.Message)
	case !out.Redo:
		return out.Message, nil
	}
	return h.d.startSelfUpgrade(context.Background(), fetch.Request{Name: syntax.SelfName, URL: job.URL, Checksum: job.Checksum, Signature: job.Signature}, job.ID)
}

// SelfUpgradeLocal is `bootagent self-upgrade` (the control socket): the
// same upgrade, with no job. pending true: the daemon is about to exec the
// new binary; the trial's outcome will be in the record.
func (d *Daemon) SelfUpgradeLocal(url, checksum, signature string) (msg string, pending bool, err error) {
	msg, err = d.startSelfUpgrade(context.Background(), fetch.Request{Name: syntax.SelfName, URL: url, Checksum: checksum, Signature: signature}, "")
	if errors.Is(err, jobs.ErrPending) {
		return "upgrading: bootagent re-executes the new binary in place (pid " + fmt.Sprint(os.Getpid()) + ")", true, nil
	}
	return msg, false, err
}

func (d *Daemon) upgradeRecord() string { return selfupgrade.Path(d.cfg.StateDir) }

// startSelfUpgrade fetches and checks the new binary and swaps it in; a
// binary identical to the running one is a success that changes nothing.
// On success it returns jobs.ErrPending: Run is stopping, keeping the
// agents, for the exec.
func (d *Daemon) startSelfUpgrade(ctx context.Context, req fetch.Request, jobID string) (string, error) {
	d.upgradeMu.Lock()
	defer d.upgradeMu.Unlock()
	if d.exec != nil {
		return "", errors.New("a self-upgrade is already under way")
	}
	if d.onTrial {
		return "", errors.New("this bootagent is itself on trial after a self-upgrade; try again once it is healthy")
	}
	if d.exe == "" {
		return "", errors.New("self-upgrade: the running binary's path is unknown")
	}
	file, sha, done, err := d.store.FetchFile(ctx, req)
	if err != nil {
		return "", err
	}
	defer done()
	running, err := fetch.FileDigest("/proc/self/exe")
	if err != nil {
		return "", fmt.Errorf("self-upgrade: the running binary: %w", err)
	}
	if running == sha {
		return fmt.Sprintf("bootagent already runs this binary (sha256 %.12s): nothing to do", sha), nil
	}
	staged, err := selfupgrade.Stage(file, d.exe)
	if err != nil {
		return "", err
	}
	version, err := selfupgrade.CheckRuns(ctx, staged)
	if err != nil {
		os.Remove(staged)
		return "", err
	}
	start, err := selfupgrade.ProcStart()
	if err != nil {
		os.Remove(staged)
		return "", fmt.Errorf("self-upgrade: %w", err)
	}
	d.mu.Lock()
	window := d.cfg.UpgradeHealthWindow.D()
	d.mu.Unlock()
	now := time.Now()
	rec := selfupgrade.Record{
		JobID: jobID, State: selfupgrade.Trying, FromSHA: running, ToSHA: sha,
		FromVersion: api.AgentVersion(), ToVersion: version,
		Exe: d.exe, Prev: selfupgrade.PrevPath(d.exe), Args: os.Args,
		Pid: os.Getpid(), PidStart: start, Agents: runningAgents(d.rec.Agents()),
		NeedServer: len(d.client.Servers()) > 0, Window: window,
		Started: now.UTC(), Deadline: now.Add(window).UTC(),
	}
	path := d.upgradeRecord()
	if err := selfupgrade.Save(path, rec); err != nil {
		os.Remove(staged)
		return "", err
	}
	if err := selfupgrade.Swap(rec.Exe, rec.Prev, staged); err != nil {
		os.Remove(staged)
		selfupgrade.Transition(path, selfupgrade.Reverted, err.Error(), time.Now())
		return "", err
	}
	if err := selfupgrade.SpawnGuard(rec.Prev, path); err != nil {
		selfupgrade.Revert(path, err.Error(), time.Now())
		return "", err
	}
	d.log.Info("self-upgrade: new binary swapped in; re-executing in place, agents kept",
		"from", rec.FromVersion, "to", version, "sha256", sha, "exe", rec.Exe, "previous", rec.Prev, "health_window", window)
	d.exec = &ExecPlan{Path: rec.Exe, Argv: os.Args, Env: append(withoutEnv(os.Environ(), selfupgrade.EnvRecord), selfupgrade.EnvRecord+"="+path)}
	d.Stop(StopExec)
	return "", jobs.ErrPending
}

// Exec is what cmd/bootagent must exec once Run has returned (nil: exit).
func (d *Daemon) Exec() *ExecPlan {
	d.upgradeMu.Lock()
	defer d.upgradeMu.Unlock()
	return d.exec
}

func runningAgents(list []actual.Agent) map[string]int {
	out := map[string]int{}
	for _, a := range list {
		if a.Pid > 0 {
			out[a.Name] = a.Pid
		}
	}
	return out
}

func withoutEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// SetTrial puts the daemon on trial for the self-upgrade recorded at path
// (the exec'ed new binary: $BOOTAGENT_UPGRADE_RECORD). Call before Run.
func (d *Daemon) SetTrial(path string) {
	rec, ok, err := selfupgrade.Load(path)
	if err != nil || !ok || rec.State != selfupgrade.Trying || rec.Pid != os.Getpid() {
		d.log.Warn("self-upgrade record is not a trial of this process; ignored", "record", path, "error", err)
		return
	}
	d.upgradeMu.Lock()
	d.onTrial, d.trial, d.trialPath = true, rec, path
	d.upgradeMu.Unlock()
	d.log.Info("self-upgrade: on trial", "from", rec.FromVersion, "to", rec.ToVersion, "deadline", rec.Deadline)
}

// watchTrial ends this process's trial: healthy as soon as it is, else at
// the deadline it restores the previous binary and stops for its exec.
func (d *Daemon) watchTrial(ctx context.Context) {
	d.upgradeMu.Lock()
	on, rec, path := d.onTrial, d.trial, d.trialPath
	d.upgradeMu.Unlock()
	if !on {
		return
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(time.Until(rec.Deadline))
	defer deadline.Stop()
	alive := supervise.PidLive
	health := func() selfupgrade.Health {
		return selfupgrade.Health{Ready: d.ready.Load(), Reached: d.reached.Load(), Adopted: runningAgents(d.rec.Agents())}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if selfupgrade.Unhealthy(rec, health(), alive) != "" {
				continue
			}
			if _, won, err := selfupgrade.Transition(path, selfupgrade.Healthy, "", time.Now()); err != nil || !won {
				d.log.Error("self-upgrade: trial already ended elsewhere", "error", err)
				return
			}
			d.upgradeMu.Lock()
			d.onTrial = false
			d.upgradeMu.Unlock()
			d.log.Info("self-upgrade: healthy", "message", rec.Upgraded())
			if rec.JobID != "" {
				d.jobs.ApplyAgain(rec.JobID)
			}
			return
		case <-deadline.C:
			why := selfupgrade.Unhealthy(rec, health(), alive)
			if why == "" {
				continue // healthy at the last moment: the tick marks it
			}
			r, won, err := selfupgrade.Revert(path, rec.RevertReason(why), time.Now())
			if err != nil {
				d.log.Error("previous binary not restored", "error", err)
				return
			}
			if !won {
				return
			}
			d.log.Error("self-upgrade failed: restoring the previous binary and re-executing it in place", "reason", r.Reason)
			d.upgradeMu.Lock()
			d.exec = &ExecPlan{Path: r.Exe, Argv: r.Args, Env: withoutEnv(os.Environ(), selfupgrade.EnvRecord)}
			d.upgradeMu.Unlock()
			d.Stop(StopExec)
			return
		}
	}
}

// reachedServer records that a status report reached a server (health,
// and the last-report metric).
func (d *Daemon) reachedServer() {
	d.reached.Store(true)
	d.lastReport.Store(time.Now().UnixNano())
}

// SettleStaleTrial ends, at a fresh start (not on trial), a trial cut
// short (see selfupgrade.SettleStale). When this process is the new binary
// of that trial it returns the exec of the restored previous one.
func (d *Daemon) SettleStaleTrial() *ExecPlan {
	rec, ok, err := selfupgrade.SettleStale(d.upgradeRecord(), time.Now())
	if err != nil {
		d.log.Error("self-upgrade record not settled", "error", err)
	}
	if !ok {
		return nil
	}
	d.log.Error("self-upgrade failed", "reason", rec.Reason)
	if running, err := fetch.FileDigest("/proc/self/exe"); err == nil && running == rec.ToSHA {
		return &ExecPlan{Path: rec.Exe, Argv: os.Args, Env: withoutEnv(os.Environ(), selfupgrade.EnvRecord)}
	}
	return nil
}
