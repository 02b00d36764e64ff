package main

import (
	"fmt"
	"time"

	"github.com/bootagent/bootagent/api"
)

// serverAgent is an agent only server jobs define. Its jobs are sent one
// at a time: the next once the server has the previous one's result, so
// that what each job must do (and whether it must succeed) is known.
type serverAgent struct {
	name    string
	m       srvModel
	pending *sentJob
	next    time.Time
	lost    string // why its state is no longer known (no more jobs then)
}

// sentJob is a job the soak queued, and what became of it at the server.
type sentJob struct {
	id, action, name, version string
	wantOK                    bool
	after                     srvModel // the agent's model once it succeeded as wanted
	fileOwned                 bool     // aimed at a file agent: must fail
	sent                      time.Time
	state                     string // at the server: queued, delivered, succeeded, failed
	errcode                   int
	message                   string
}

// stuckAfter is how long a job may wait for its result before its agent
// is given up on (its job then shows as not finished in the checks).
const stuckAfter = 90 * time.Second

// sendNext queues a's next job.
func (s *soak) sendNext(a *serverAgent) {
	action, version := nextJob(a.m, s.r)
	after, ok := applyJob(a.m, action, version)
	var extra []string
	if action == "install" || action == "upgrade" {
		extra = []string{"--url", s.params.pkgURL(version), "--checksum", s.params.sums[version],
			"--env", "SOAK_RUN=" + s.run, "--env", "SOAK_AGENT=" + a.name}
	}
	j := &sentJob{action: action, name: a.name, version: version, wantOK: ok, after: after}
	if s.queue(j, extra...) {
		a.pending = j
	} else {
		a.next = time.Now().Add(5 * time.Second)
	}
}

// sendToFileAgent queues a job for an agent a local file owns: it must fail
// and change nothing.
func (s *soak) sendToFileAgent() {
	a := s.files[s.r.IntN(len(s.files))]
	action := []string{"stop", "restart", "uninstall"}[s.r.IntN(3)]
	s.queue(&sentJob{action: action, name: a.name, fileOwned: true})
}

func (s *soak) queue(j *sentJob, extra ...string) bool {
	id, err := s.t.jobAdd(s.host, j.action, j.name, extra...)
	if err != nil {
		s.opErrs = append(s.opErrs, err.Error())
		return false
	}
	j.id, j.sent, j.state = id, time.Now(), api.JobQueued
	s.jobs[id] = j
	s.order = append(s.order, id)
	return true
}

// pollJobs reads every job's state at the server and moves the server
// agents whose job finished on.
func (s *soak) pollJobs() error {
	list, err := s.t.jobs(s.host)
	if err != nil {
		return err
	}
	for _, info := range list {
		if j := s.jobs[info.ID]; j != nil {
			j.state, j.errcode, j.message = info.State, info.Errcode, info.Message
		}
	}
	now := time.Now()
	for _, a := range s.servers {
		s.advance(a, now)
	}
	return nil
}

func (s *soak) advance(a *serverAgent, now time.Time) {
	j := a.pending
	if j == nil {
		return
	}
	if !finished(j.state) {
		if now.Sub(j.sent) > stuckAfter && a.lost == "" {
			a.lost = fmt.Sprintf("job %s (%s) still %s after %v", j.id, j.action, j.state, stuckAfter)
		}
		return
	}
	a.pending = nil
	if (j.errcode == 0) != j.wantOK {
		a.lost = fmt.Sprintf("job %s (%s %s) ended %s (%q), want succeeded=%v", j.id, j.action, j.version, j.state, j.message, j.wantOK)
		return
	}
	a.m = j.after
	lo, hi := time.Second, 6*time.Second
	a.next = now.Add(lo + time.Duration(s.r.Int64N(int64(hi-lo))))
}

func finished(state string) bool { return state == api.JobSucceeded || state == api.JobFailed }

// pendingJobs counts the jobs the server has no result for yet.
func (s *soak) pendingJobs() int {
	n := 0
	for _, j := range s.jobs {
		if !finished(j.state) {
			n++
		}
	}
	return n
}
