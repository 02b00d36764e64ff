package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bootagent/bootagent/atomicfile"
)

// checkResult is one of the soak's promises, kept or not, with evidence.
type checkResult struct {
	name    string
	ok      bool
	summary string
	details []string
	agents  []string // agents (or job ids) to quote the daemon log about
}

func allPassed(cs []checkResult) bool {
	for _, c := range cs {
		if !c.ok {
			return false
		}
	}
	return true
}

// checks evaluates every promise now. full adds those that only make sense
// once, at the end (the sightings during the soak).
func (s *soak) checks(full bool) []checkResult {
	st, err := s.t.status()
	if err != nil {
		return []checkResult{{name: "daemon answers status", summary: err.Error()}}
	}
	accepted, _ := s.proxy.counts()
	procs := scanProcs(s.run)
	out := []checkResult{
		s.checkResults(accepted),
		s.checkProcs(procs),
		s.checkTmp(),
		s.checkState(st),
		s.checkPids(st),
		s.checkOutcomes(),
	}
	if full {
		out = append(out, s.checkSightings(), s.checkSelfExits())
	}
	return out
}

// checkResults: every job queued has exactly one result the server
// accepted, and the server holds it as succeeded or failed. One exception
// is inherent in delivery across a crash, and counted apart: the daemon
// SIGKILLed between the server's acknowledgement and recording it (the
// send window) sends the result once more at its next start; bootserver
// keeps the first by id, so it still records one. Any other second
// result, or a third, fails the check.
func (s *soak) checkResults(accepted map[string]int) checkResult {
	c := checkResult{name: "one accepted result per job"}
	byCount := map[int]int{}
	resent := 0
	for _, id := range s.order {
		j := s.jobs[id]
		n := accepted[id]
		why, inWindow := s.whyTwice(id)
		switch {
		case n == 2 && inWindow && finished(j.state):
			resent++
			continue
		case n > 1:
			c.details = append(c.details, fmt.Sprintf("job %s (%s %s): %d results accepted, %s", id, j.action, j.name, n, why))
			c.agents = append(c.agents, id)
		case n == 0:
			c.details = append(c.details, fmt.Sprintf("job %s (%s %s): no result accepted, server state %s", id, j.action, j.name, j.state))
			c.agents = append(c.agents, id)
		case !finished(j.state):
			c.details = append(c.details, fmt.Sprintf("job %s (%s %s): accepted once, yet %s at the server", id, j.action, j.name, j.state))
		}
		byCount[min(n, 2)]++
	}
	unknown := 0
	for id := range accepted {
		if s.jobs[id] == nil {
			unknown++
			c.details = append(c.details, fmt.Sprintf("result accepted for job %s, which the soak never queued", id))
		}
	}
	c.ok = len(c.details) == 0
	c.summary = fmt.Sprintf("%d jobs: exactly one %d, re-sent once after a SIGKILL in the send window %d (recorded once), none %d, two or more %d; not finished at the server %d; unknown ids %d",
		len(s.order), byCount[1], resent, byCount[0], byCount[2], s.pendingJobs(), unknown)
	return c
}

// sendWindow bounds how long after the server's acknowledgement a SIGKILL
// can still fall before the daemon has recorded it (an fsync on a loaded
// machine).
const sendWindow = time.Second

// whyTwice says what came between a job's first two acknowledged results:
// a SIGKILL soon after the first (the daemon died before recording the
// acknowledgement: a re-send only the server could recognise; inWindow)
// or none (a live daemon sent it again).
func (s *soak) whyTwice(id string) (why string, inWindow bool) {
	acks := s.proxy.acks(id)
	if len(acks) < 2 {
		return "", false
	}
	if k, ok := s.d.killBetween(acks[0], acks[1]); ok {
		return fmt.Sprintf("the daemon was SIGKILLed %v after the first acknowledgement, the second came %v later",
			k.Sub(acks[0]).Round(time.Millisecond), acks[1].Sub(k).Round(time.Millisecond)), k.Sub(acks[0]) <= sendWindow
	}
	return fmt.Sprintf("no SIGKILL in between: a live daemon sent it again %v after the first", acks[1].Sub(acks[0]).Round(time.Millisecond)), false
}

// checkProcs: each agent has one live process group when it should run,
// none otherwise.
func (s *soak) checkProcs(procs agentProcs) checkResult {
	c := checkResult{name: "processes per agent (1 running, 0 otherwise)"}
	checked := 0
	wants := s.wants()
	for name, w := range wants {
		if w == nil {
			continue
		}
		checked++
		if got := len(groups(procs[name])); got != w.expectedProcs() {
			c.details = append(c.details, fmt.Sprintf("%s: %d process groups, want %d: %s", name, got, w.expectedProcs(), procs.describe(name)))
			c.agents = append(c.agents, name)
		}
	}
	for name := range procs {
		if _, ok := wants[name]; !ok {
			c.details = append(c.details, fmt.Sprintf("%s: processes of an agent the soak never defined: %s", name, procs.describe(name)))
		}
	}
	sort.Strings(c.details)
	c.ok = len(c.details) == 0
	c.summary = fmt.Sprintf("%d agents checked, %d wrong", checked, len(c.details))
	return c
}

// checkTmp: nothing left in state_dir/tmp, nor an atomic-write temp file
// anywhere in state_dir.
func (s *soak) checkTmp() checkResult {
	c := checkResult{name: "nothing left in state_dir/tmp"}
	state := filepath.Join(s.dir, "state")
	ents, _ := os.ReadDir(filepath.Join(state, "tmp"))
	for _, e := range ents {
		c.details = append(c.details, "tmp/"+e.Name())
	}
	filepath.WalkDir(state, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), atomicfile.TempPrefix) {
			rel, _ := filepath.Rel(state, p)
			c.details = append(c.details, rel)
		}
		return nil
	})
	c.ok = len(c.details) == 0
	c.summary = fmt.Sprintf("%d left", len(c.details))
	return c
}

// checkState: status shows every agent exactly as last desired.
func (s *soak) checkState(st map[string]*agentView) checkResult {
	c := checkResult{name: "agents as last desired (status)"}
	wants := s.wants()
	skipped := 0
	for name, w := range wants {
		if w == nil {
			skipped++
			continue
		}
		if d := w.check(st[name]); d != "" {
			c.details = append(c.details, name+": "+d)
			c.agents = append(c.agents, name)
		}
	}
	for name := range st {
		if _, ok := wants[name]; !ok {
			c.details = append(c.details, name+": in status, never defined by the soak")
		}
	}
	sort.Strings(c.details)
	c.ok = len(c.details) == 0
	c.summary = fmt.Sprintf("%d agents checked, %d wrong, %d unknown (server agents given up on: see outcomes)", len(wants)-skipped, len(c.details), skipped)
	return c
}

// checkPids: agents never changed but by live limit changes kept their
// first process through every daemon SIGKILL.
func (s *soak) checkPids(st map[string]*agentView) checkResult {
	c := checkResult{name: "healthy agents kept their pid"}
	n := 0
	for _, a := range s.files {
		if !a.keepsPid() {
			continue
		}
		n++
		if got := st[a.name]; got == nil || got.Pid != a.pid {
			pid := 0
			if got != nil {
				pid = got.Pid
			}
			c.details = append(c.details, fmt.Sprintf("%s: pid %d, first %d", a.name, pid, a.pid))
			c.agents = append(c.agents, a.name)
		}
	}
	c.ok = len(c.details) == 0
	c.summary = fmt.Sprintf("%d agents, %d restarted", n, len(c.details))
	return c
}

// checkOutcomes: every finished job succeeded or failed as it had to, and
// no server agent was given up on.
func (s *soak) checkOutcomes() checkResult {
	c := checkResult{name: "job outcomes as expected"}
	for _, id := range s.order {
		j := s.jobs[id]
		want := j.wantOK && !j.fileOwned
		if finished(j.state) && (j.errcode == 0) != want {
			c.details = append(c.details, fmt.Sprintf("job %s (%s %s %s): %s %q, want succeeded=%v", id, j.action, j.name, j.version, j.state, j.message, want))
			c.agents = append(c.agents, id)
		}
	}
	for _, a := range s.servers {
		if a.lost != "" {
			c.details = append(c.details, a.name+": given up on: "+a.lost)
			c.agents = append(c.agents, a.name)
		}
	}
	c.ok = len(c.details) == 0
	c.summary = fmt.Sprintf("%d wrong", len(c.details))
	return c
}

func (s *soak) checkSightings() checkResult {
	return checkResult{name: "no agent seen running twice during the soak", ok: s.twiceN == 0,
		summary: fmt.Sprintf("%d scans, %d sightings", s.samples, s.twiceN), details: s.twiceEvs}
}

func (s *soak) checkSelfExits() checkResult {
	return checkResult{name: "the daemon never exited by itself", ok: len(s.d.selfExits) == 0,
		summary: fmt.Sprintf("%d", len(s.d.selfExits)), details: s.d.selfExits}
}

// wants maps every agent to what it must look like (nil: not known, a
// server agent given up on).
func (s *soak) wants() map[string]*want {
	m := map[string]*want{}
	for _, a := range s.files {
		w := a.want()
		m[a.name] = &w
	}
	for _, a := range s.servers {
		if a.lost != "" {
			m[a.name] = nil
			continue
		}
		w := a.m.want()
		m[a.name] = &w
	}
	return m
}

// fileDiffs says which file agents do not look as desired.
func (s *soak) fileDiffs(st map[string]*agentView) []string {
	var out []string
	for _, a := range s.files {
		if d := a.want().check(st[a.name]); d != "" {
			out = append(out, a.name+": "+d)
		}
	}
	return out
}
