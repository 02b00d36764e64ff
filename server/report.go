package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/bootagent/bootagent/api"
)

// Report stores a status document (POST /agent/status) as its host's last
// status (whose agents are the host's agents), stores its new events, and
// returns the host's open jobs, which are marked delivered. raw
// is the document as received, kept verbatim so extensions survive. An
// unknown agentsn is registered on the way, with the document's hostname.
func (s *Store) Report(ctx context.Context, doc *api.StatusDoc, raw []byte, addr string) ([]api.Job, error) {
	if err := validateReport(doc); err != nil {
		return nil, err
	}
	var jobs []api.Job
	err := s.writeUpgrading(ctx, len(doc.Events) > 0, func(t *txn) error {
		var err error
		jobs, err = s.report(t, doc, raw, addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("status of %s (agentsn %s): %w", doc.Hostname, doc.AgentSN, err)
	}
	return jobs, nil
}

func (s *Store) report(t *txn, doc *api.StatusDoc, raw []byte, addr string) ([]api.Job, error) {
	h, ok, err := t.host(doc.AgentSN)
	if err != nil {
		return nil, err
	}
	if !ok {
		if _, err := s.insertHost(t, doc.AgentSN, doc.Hostname, addr, ""); err != nil {
			return nil, err
		}
	} else if h.hostname != doc.Hostname {
		t.afterCommit(func() {
			s.log.Info("host renamed", "agentsn", doc.AgentSN, "from", h.hostname, "hostname", doc.Hostname)
		})
	}
	states, failing := agentStates(doc.Agents)
	if err := exec(t.st.hostReport, doc.AgentSN, doc.Hostname, t.now, addr, doc.Version, doc.Step,
		countAgents(doc.Agents), string(raw), states, failing); err != nil {
		return nil, fmt.Errorf("update host: %w", err)
	}
	for _, e := range doc.Events {
		if _, err := s.hostEvent(t, doc.AgentSN, e); err != nil {
			return nil, err
		}
	}
	if err := s.rolloutReport(t, doc); err != nil {
		return nil, err
	}
	return s.deliver(t, doc.AgentSN)
}

// countAgents counts distinct names: a host's agents are keyed by name.
func countAgents(agents []api.AgentStatus) int {
	seen := make(map[string]bool, len(agents))
	for _, a := range agents {
		seen[a.Name] = true
	}
	return len(seen)
}

// deliver marks the host's open jobs delivered and returns them, oldest
// first: a job is sent in every status answer until its result arrives.
func (s *Store) deliver(t *txn, agentsn string) ([]api.Job, error) {
	rows, err := t.st.jobsDeliver.Query(t.now, agentsn)
	if err != nil {
		return nil, fmt.Errorf("deliver jobs: %w", err)
	}
	defer rows.Close()
	type delivered struct {
		seq        int64
		job        api.Job
		deliveries int
	}
	var ds []delivered
	for rows.Next() {
		var d delivered
		var id, spec string
		if err := rows.Scan(&d.seq, &id, &spec, &d.deliveries); err != nil {
			return nil, fmt.Errorf("deliver jobs: %w", err)
		}
		if err := json.Unmarshal([]byte(spec), &d.job); err != nil {
			return nil, fmt.Errorf("deliver job %s: stored spec: %w", id, err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deliver jobs: %w", err)
	}
	if len(ds) == 0 {
		return nil, nil
	}
	slices.SortFunc(ds, func(a, b delivered) int { return cmp.Compare(a.seq, b.seq) })
	jobs := make([]api.Job, len(ds))
	for i, d := range ds {
		jobs[i] = d.job
		if d.deliveries == 1 {
			t.afterCommit(func() {
				s.log.Info("job delivered", "job", d.job.ID, "agentsn", agentsn, "action", d.job.Action, "name", d.job.Name)
			})
		}
	}
	return jobs, nil
}
