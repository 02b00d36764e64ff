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

// Reads for the web UI (server/webui, SPEC §12). Every listing is one page
// (LIMIT/OFFSET over an index order) so a page costs the same with 10 or
// 10,000 hosts; none reads the events table beyond the page asked for.

// HostQuery selects one page of hosts. Search matches part of the
// hostname (or the agentsn); Tag is a tag filter as TagPatterns reads it.
type HostQuery struct {
	Search string
	Tag    string
	Offset int
	Limit  int // default DefaultPageSize
}

// DefaultPageSize is how many rows a UI page shows when not told.
const DefaultPageSize = 50

// HostPage is one page of hosts and how many match in all.
type HostPage struct {
	Hosts []api.HostInfo
	Total int
}

// SearchHosts lists a page of the hosts matching q, by hostname.
func (s *Store) SearchHosts(ctx context.Context, q HostQuery) (HostPage, error) {
	var where []string
	var args []any
	if q.Search != "" {
		where = append(where, `(hostname LIKE ? ESCAPE '\' OR agentsn = ?)`)
		args = append(args, "%"+likeEscape(q.Search)+"%", q.Search)
	}
	if q.Tag != "" {
		pats := TagPatterns(q.Tag)
		ors := make([]string, len(pats))
		for i, p := range pats {
			ors[i] = `(',' || tags || ',') LIKE ? ESCAPE '\'`
			args = append(args, p)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var page HostPage
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM hosts`+cond, args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("count hosts: %w", err)
	}
	n := q.Limit
	if n <= 0 {
		n = DefaultPageSize
	}
	rows, err := s.rdb.QueryContext(ctx, hostSelect+cond+` ORDER BY hostname, agentsn LIMIT ? OFFSET ?`,
		append(args, n, max(q.Offset, 0))...)
	if err != nil {
		return page, fmt.Errorf("list hosts: %w", err)
	}
	defer rows.Close()
	page.Hosts = []api.HostInfo{}
	for rows.Next() {
		h, err := s.scanHost(rows)
		if err != nil {
			return page, fmt.Errorf("list hosts: %w", err)
		}
		page.Hosts = append(page.Hosts, h)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("list hosts: %w", err)
	}
	return page, nil
}

// TagPatterns turns a tag filter into LIKE patterns over ","+tags+","
// (tags are "k=v,k2,..."): "k=v" matches that exact tag, "k" a tag k or
// any k=value. One place for the rule, shared by the count and the page.
func TagPatterns(filter string) []string {
	f := likeEscape(strings.TrimSpace(filter))
	if strings.Contains(f, "=") {
		return []string{"%," + f + ",%"}
	}
	return []string{"%," + f + ",%", "%," + f + "=%"}
}

// likeEscape quotes LIKE's wildcards (with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FailingStatuses are the agent statuses the overview lists as failing.
var FailingStatuses = []string{"fatal", "killed", "backoff"}

// Overview is the fleet at a glance (the UI's first page).
type Overview struct {
	Hosts, Live    int
	AgentsByStatus map[string]int
	Failing        []api.AgentInfo // the first FailingLimit, by hostname
	FailingTotal   int
}

// FleetOverview counts hosts (live and stale) and agents by status, and
// lists up to failingLimit failing agents. Running agents are all agents
// less those the hosts' agent_states name; only hosts with failing agents
// have their status document parsed.
func (s *Store) FleetOverview(ctx context.Context, failingLimit int) (Overview, error) {
	o := Overview{AgentsByStatus: map[string]int{}}
	now := s.unix()
	var agents int
	err := s.rdb.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(agent_count), 0),
		coalesce(sum(?1 - last_seen <= ?2 * IIF(step > 0, step, ?3)), 0) FROM hosts`,
		now, liveSteps, defaultStep).Scan(&o.Hosts, &agents, &o.Live)
	if err != nil {
		return o, fmt.Errorf("count hosts: %w", err)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT agentsn, agent_states FROM hosts WHERE agent_states <> ''`)
	if err != nil {
		return o, fmt.Errorf("count agents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var agentsn, states string
		if err := rows.Scan(&agentsn, &states); err != nil {
			return o, fmt.Errorf("count agents: %w", err)
		}
		if err := addAgentStates(o.AgentsByStatus, states); err != nil {
			return o, fmt.Errorf("host %s: %w", agentsn, err)
		}
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("count agents: %w", err)
	}
	others := 0
	for st, n := range o.AgentsByStatus {
		others += n
		if slices.Contains(FailingStatuses, st) {
			o.FailingTotal += n
		}
	}
	if running := agents - others; running > 0 {
		o.AgentsByStatus["running"] = running
	}
	if o.Failing, err = s.failingAgents(ctx, failingLimit); err != nil {
		return o, err
	}
	return o, nil
}

// failingAgents lists the failing agents of the first hosts (by hostname)
// that have any, through the hosts_failing index.
func (s *Store) failingAgents(ctx context.Context, n int) ([]api.AgentInfo, error) {
	marks := strings.TrimSuffix(strings.Repeat("?,", len(FailingStatuses)), ",")
	args := []any{n}
	for _, f := range FailingStatuses {
		args = append(args, f)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT h.agentsn, h.hostname, h.last_seen, a.value
		FROM (SELECT agentsn, hostname, last_seen, status FROM hosts WHERE failing > 0
			ORDER BY hostname, agentsn LIMIT ?) h,
		json_each(IIF(h.status = '', '{}', h.status), '$.agents') a
		WHERE a.type = 'object' AND a.value ->> '$.status' IN (`+marks+`)
		ORDER BY h.hostname, h.agentsn, a.key`, args...)
	if err != nil {
		return nil, fmt.Errorf("list failing agents: %w", err)
	}
	defer rows.Close()
	out := []api.AgentInfo{}
	for rows.Next() {
		var a api.AgentInfo
		var entry string
		if err := rows.Scan(&a.Host, &a.Hostname, &a.ReportedAt, &entry); err != nil {
			return nil, fmt.Errorf("list failing agents: %w", err)
		}
		if err := json.Unmarshal([]byte(entry), &a.AgentStatus); err != nil {
			return nil, fmt.Errorf("list failing agents of %s: stored agent: %w", a.Host, err)
		}
		if len(out) < n {
			out = append(out, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list failing agents: %w", err)
	}
	return out, nil
}

// EventPage selects events by id, of one host or all: newest first
// before Before (0: the newest), or with Forward oldest first after After
// (what a live view has not seen yet).
type EventPage struct {
	Host    string // agentsn or hostname; "" all
	Before  int64
	Forward bool
	After   int64
	Limit   int // default DefaultPageSize
}

// EventsPage lists one page of events through the primary key (or the
// events_host index), never more rows than asked for.
func (s *Store) EventsPage(ctx context.Context, p EventPage) ([]api.EventInfo, error) {
	q := eventSelect
	var where []string
	var args []any
	if p.Host != "" {
		agentsn, err := s.resolveHost(ctx, p.Host)
		if err != nil {
			return nil, err
		}
		where, args = append(where, "e.agentsn = ?"), append(args, agentsn)
	}
	order := " ORDER BY e.id DESC"
	switch {
	case p.Forward:
		where, args = append(where, "e.id > ?"), append(args, p.After)
		order = " ORDER BY e.id"
	case p.Before > 0:
		where, args = append(where, "e.id < ?"), append(args, p.Before)
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	n := p.Limit
	if n <= 0 {
		n = DefaultPageSize
	}
	return s.queryEvents(ctx, q+order+" LIMIT ?", append(args, n)...)
}

// JobPage selects one page of jobs, newest first.
type JobPage struct {
	Host   string // agentsn or hostname; "" all
	State  string
	Offset int
	Limit  int // default DefaultPageSize
}

// JobsPage lists one page of jobs, newest first.
func (s *Store) JobsPage(ctx context.Context, p JobPage) ([]api.JobInfo, error) {
	where, args, err := s.jobWhere(ctx, p.Host, p.State)
	if err != nil {
		return nil, err
	}
	q := jobSelect
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	n := p.Limit
	if n <= 0 {
		n = DefaultPageSize
	}
	rows, err := s.rdb.QueryContext(ctx, q+` ORDER BY j.rowid DESC LIMIT ? OFFSET ?`, append(args, n, max(p.Offset, 0))...)
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
	return jobs, nil
}

// AdminToken returns the operator token with id (never its secret), for a
// UI session to re-check at each request that its token is still valid.
func (s *Store) AdminToken(ctx context.Context, id string) (api.AdminTokenInfo, error) {
	ti := api.AdminTokenInfo{ID: id}
	err := s.rdb.QueryRowContext(ctx, `SELECT role, created, revoked FROM admin_tokens WHERE id = ?`, id).
		Scan(&ti.Role, &ti.Created, &ti.Revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return ti, fmt.Errorf("%w %q", ErrUnknownToken, id)
	}
	if err != nil {
		return ti, fmt.Errorf("read admin token %s: %w", id, err)
	}
	return ti, nil
}
