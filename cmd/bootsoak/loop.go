package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const tick = 200 * time.Millisecond

// between returns a random duration in [lo, hi).
func (s *soak) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.r.Int64N(int64(hi-lo)))
}

// waitReady waits until the daemon has registered and every file agent is
// as first desired, then records the pids that must not change.
func (s *soak) waitReady(ctx context.Context) error {
	end := time.Now().Add(s.opts.converge)
	var last string
	for time.Now().Before(end) {
		if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
			return err
		}
		if _, err := s.t.jobs(s.host); err != nil {
			last = err.Error()
			continue
		}
		if out, err := s.t.runCLI("bootserver", "hosts", "--server", s.t.serverURL, "--data-dir", s.t.dataDir); err != nil || !strings.Contains(string(out), s.host) {
			last = "host not registered yet"
			continue
		}
		st, err := s.t.status()
		if err != nil {
			last = err.Error()
			continue
		}
		if diffs := s.fileDiffs(st); len(diffs) > 0 {
			last = diffs[0]
			continue
		}
		for _, a := range s.files {
			if a.keepsPid() {
				a.pid = st[a.name].Pid
			}
		}
		return nil
	}
	return fmt.Errorf("not ready within %v: %s", s.opts.converge, last)
}

// soakFor runs the hostile phase: changes, jobs and daemon SIGKILLs at
// random moments, the agents' processes sampled all along.
func (s *soak) soakFor(ctx context.Context) error {
	now := time.Now()
	end := now.Add(s.opts.duration)
	nextKill, nextStray, nextPoll, nextScan := now.Add(s.between(2*time.Second, 6*time.Second)), now.Add(8*time.Second), now, now
	for _, a := range s.files {
		if lo, hi := a.kind.every(); hi > 0 {
			a.next = now.Add(s.between(lo, hi))
		}
	}
	for time.Now().Before(end) {
		if err := sleepCtx(ctx, tick); err != nil {
			return err
		}
		now = time.Now()
		if now.After(nextKill) && !s.opts.noKill {
			if err := s.d.killAndRestart(); err != nil {
				return err
			}
			nextKill = now.Add(s.between(2*time.Second, 6*time.Second))
		}
		if err := s.d.ensureRunning(); err != nil {
			return err
		}
		if err := s.changeFiles(now); err != nil {
			return err
		}
		if now.After(nextPoll) {
			if err := s.pollJobs(); err != nil {
				s.opErrs = append(s.opErrs, err.Error())
			}
			nextPoll = now.Add(time.Second)
		}
		s.sendJobs(now)
		if now.After(nextStray) {
			s.sendToFileAgent()
			nextStray = now.Add(s.between(8*time.Second, 15*time.Second))
		}
		if now.After(nextScan) {
			s.sampleProcs()
			nextScan = now.Add(time.Second)
		}
	}
	return nil
}

func (s *soak) changeFiles(now time.Time) error {
	for _, a := range s.files {
		lo, hi := a.kind.every()
		if hi == 0 || now.Before(a.next) {
			continue
		}
		a.change(s.r)
		if err := s.writeDoc(a); err != nil {
			return err
		}
		a.next = now.Add(s.between(lo, hi))
	}
	return nil
}

func (s *soak) sendJobs(now time.Time) {
	for _, a := range s.servers {
		if a.pending == nil && a.lost == "" && now.After(a.next) {
			s.sendNext(a)
		}
	}
}

// sampleProcs looks for an agent running twice; a sighting counts once it
// is still there on a second look (a process seen mid-exit is not a copy).
func (s *soak) sampleProcs() {
	s.samples++
	first := scanProcs(s.run).twice()
	if len(first) == 0 {
		return
	}
	time.Sleep(300 * time.Millisecond) // the second look
	again := scanProcs(s.run)
	for _, name := range again.twice() {
		for _, f := range first {
			if f != name {
				continue
			}
			s.twiceN++
			if len(s.twiceEvs) < 10 {
				s.twiceEvs = append(s.twiceEvs, fmt.Sprintf("%s at %s (after %d daemon starts): %s",
					name, time.Now().Format("15:04:05.000"), s.d.starts, again.describe(name)))
			}
		}
	}
}

// converge lets the daemon settle (no more kills or changes) until every
// check passes or the deadline, keeping server agents' last jobs going.
func (s *soak) converge(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	end := start.Add(s.opts.converge)
	for time.Now().Before(end) {
		if err := sleepCtx(ctx, time.Second); err != nil {
			return 0, err
		}
		if err := s.d.ensureRunning(); err != nil {
			return 0, err
		}
		if err := s.pollJobs(); err != nil {
			continue
		}
		if s.pendingJobs() == 0 && allPassed(s.checks(false)) {
			break
		}
	}
	return time.Since(start), nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
