package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// The admin API's reads. They use the read-only pool: WAL readers see the
// last committed state and never wait for the writer.

// DefaultLimit bounds listings that could grow without end (jobs, events)
// when the caller does not say.
const DefaultLimit = 1000

const hostSelect = `SELECT agentsn, hostname, tags, last_seen, first_seen, agent_count, version, step, addr,
	reassigned_from, EXISTS(SELECT 1 FROM host_revoked r WHERE r.agentsn = hosts.agentsn) FROM hosts`

func (s *Store) scanHost(sc interface{ Scan(...any) error }) (api.HostInfo, error) {
	var h api.HostInfo
	err := sc.Scan(&h.AgentSN, &h.Hostname, &h.Tags, &h.LastSeen, &h.FirstSeen, &h.AgentCount, &h.Version,
		&h.Step, &h.Addr, &h.ReassignedFrom, &h.Revoked)
	h.Live = live(h.LastSeen, h.Step, s.unix())
	return h, err
}

// Hosts lists every host, by hostname.
func (s *Store) Hosts(ctx context.Context) ([]api.HostInfo, error) {
	rows, err := s.rdb.QueryContext(ctx, hostSelect+` ORDER BY hostname, last_seen DESC`)
	if err != nil {
		return nil, fmt.Errorf("list hosts: %w", err)
	}
	defer rows.Close()
	hosts := []api.HostInfo{}
	for rows.Next() {
		h, err := s.scanHost(rows)
		if err != nil {
			return nil, fmt.Errorf("list hosts: %w", err)
		}
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list hosts: %w", err)
	}
	return hosts, nil
}

// Host returns one host (an agentsn or a hostname) with its last status
// document.
func (s *Store) Host(ctx context.Context, ref string) (api.HostInfo, error) {
	agentsn, err := s.resolveHost(ctx, ref)
	if err != nil {
		return api.HostInfo{}, err
	}
	row := s.rdb.QueryRowContext(ctx, `SELECT agentsn, hostname, tags, last_seen, first_seen, agent_count,
		version, step, addr, reassigned_from, status,
		EXISTS(SELECT 1 FROM host_revoked r WHERE r.agentsn = hosts.agentsn) FROM hosts WHERE agentsn = ?`, agentsn)
	var h api.HostInfo
	var status string
	err = row.Scan(&h.AgentSN, &h.Hostname, &h.Tags, &h.LastSeen, &h.FirstSeen, &h.AgentCount, &h.Version,
		&h.Step, &h.Addr, &h.ReassignedFrom, &status, &h.Revoked)
	if err != nil {
		return api.HostInfo{}, fmt.Errorf("read host %s: %w", ref, err)
	}
	h.Live = live(h.LastSeen, h.Step, s.unix())
	if status != "" {
		var doc api.StatusDoc
		if err := json.Unmarshal([]byte(status), &doc); err != nil {
			return api.HostInfo{}, fmt.Errorf("read host %s: stored status: %w", ref, err)
		}
		h.Status = &doc
	}
	return h, nil
}

// Agents lists a host's agents as in its last status document, by name. A
// name reported twice is listed once, as first reported.
func (s *Store) Agents(ctx context.Context, ref string) ([]api.AgentInfo, error) {
	agentsn, err := s.resolveHost(ctx, ref)
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT hostname, reported_at, agent FROM agents
		WHERE agentsn = ? ORDER BY name, seq`, agentsn)
	if err != nil {
		return nil, fmt.Errorf("list agents of %s: %w", ref, err)
	}
	defer rows.Close()
	agents := []api.AgentInfo{}
	for rows.Next() {
		a := api.AgentInfo{Host: agentsn}
		var entry string
		if err := rows.Scan(&a.Hostname, &a.ReportedAt, &entry); err != nil {
			return nil, fmt.Errorf("list agents of %s: %w", ref, err)
		}
		if err := json.Unmarshal([]byte(entry), &a.AgentStatus); err != nil {
			return nil, fmt.Errorf("list agents of %s: stored agent: %w", ref, err)
		}
		if n := len(agents); n > 0 && agents[n-1].Name == a.Name {
			continue
		}
		agents = append(agents, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents of %s: %w", ref, err)
	}
	return agents, nil
}

const jobSelect = `SELECT j.id, j.agentsn, COALESCE(h.hostname, ''), j.spec, j.state, j.errcode, j.message,
	j.deliveries, j.created, j.delivered, j.last_delivered, j.finished, j.token_id
	FROM jobs j LEFT JOIN hosts h ON h.agentsn = j.agentsn`

func scanJob(sc interface{ Scan(...any) error }) (api.JobInfo, error) {
	var j api.JobInfo
	var spec string
	if err := sc.Scan(&j.ID, &j.Host, &j.Hostname, &spec, &j.State, &j.Errcode, &j.Message, &j.Deliveries,
		&j.Created, &j.Delivered, &j.LastDelivered, &j.Finished, &j.TokenID); err != nil {
		return j, err
	}
	id := j.ID
	if err := json.Unmarshal([]byte(spec), &j.Job); err != nil {
		return j, fmt.Errorf("job %s: stored spec: %w", id, err)
	}
	j.ID = id
	return shown(j), nil
}

// JobFilter selects jobs; zero fields select everything.
type JobFilter struct {
	Host  string // agentsn or hostname
	State string // queued, delivered, succeeded or failed
	Limit int    // the most recent Limit jobs; default DefaultLimit
}

// Jobs lists jobs, oldest first (of the most recent Limit).
func (s *Store) Jobs(ctx context.Context, f JobFilter) ([]api.JobInfo, error) {
	where, args, err := s.jobWhere(ctx, f.Host, f.State)
	if err != nil {
		return nil, err
	}
	return s.listJobs(ctx, where, args, limit(f.Limit))
}

// jobWhere is the WHERE terms (over jobSelect's j) of a job listing for
// host (an agentsn or a hostname; "" any) and state ("" any), one rule for
// the admin API and the web UI.
func (s *Store) jobWhere(ctx context.Context, host, state string) ([]string, []any, error) {
	var where []string
	var args []any
	if host != "" {
		agentsn, err := s.resolveHost(ctx, host)
		if err != nil {
			return nil, nil, err
		}
		where, args = append(where, "j.agentsn = ?"), append(args, agentsn)
	}
	if state != "" {
		switch state {
		case api.JobQueued, api.JobDelivered, api.JobSucceeded, api.JobFailed:
		default:
			return nil, nil, invalid("state %q is not queued, delivered, succeeded or failed", state)
		}
		where, args = append(where, "j.state = ?"), append(args, state)
	}
	return where, args, nil
}

func (s *Store) listJobs(ctx context.Context, where []string, args []any, n int) ([]api.JobInfo, error) {
	q := jobSelect
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY j.rowid DESC LIMIT ?`
	rows, err := s.rdb.QueryContext(ctx, q, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	jobs := []api.JobInfo{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	slices.Reverse(jobs)
	return jobs, nil
}

// Job returns one job by id.
func (s *Store) Job(ctx context.Context, id string) (api.JobInfo, error) {
	j, err := scanJob(s.rdb.QueryRowContext(ctx, jobSelect+` WHERE j.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("%w %q", ErrUnknownJob, id)
	}
	if err != nil {
		return j, fmt.Errorf("read job %s: %w", id, err)
	}
	return j, nil
}

// EventFilter selects events; zero fields select everything.
type EventFilter struct {
	Host  string // agentsn or hostname
	Limit int    // the most recent Limit events; default DefaultLimit
}

// Events lists events in the order they were stored (of the most recent
// Limit).
func (s *Store) Events(ctx context.Context, f EventFilter) ([]api.EventInfo, error) {
	q := eventSelect
	var args []any
	if f.Host != "" {
		agentsn, err := s.resolveHost(ctx, f.Host)
		if err != nil {
			return nil, err
		}
		q += ` WHERE e.agentsn = ?`
		args = append(args, agentsn)
	}
	q += ` ORDER BY e.id DESC LIMIT ?`
	events, err := s.queryEvents(ctx, q, append(args, limit(f.Limit))...)
	if err != nil {
		return nil, err
	}
	slices.Reverse(events)
	return events, nil
}

func limit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return n
}

// eventSelect is what queryEvents scans; callers add WHERE, ORDER, LIMIT.
const eventSelect = `SELECT e.id, e.agentsn, COALESCE(h.hostname, ''), e.time, e.agent, e.type, e.message, e.log_tail,
	e.received FROM events e LEFT JOIN hosts h ON h.agentsn = e.agentsn`

// queryEvents runs q, eventSelect with its WHERE, ORDER and LIMIT, for the
// admin API's and the web UI's listings alike.
func (s *Store) queryEvents(ctx context.Context, q string, args ...any) ([]api.EventInfo, error) {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	events := []api.EventInfo{}
	for rows.Next() {
		var e api.EventInfo
		if err := rows.Scan(&e.ID, &e.Host, &e.Hostname, &e.Time, &e.Agent, &e.Type, &e.Message, &e.LogTail,
			&e.Received); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return events, nil
}
