package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/crashpoint"
)

// rolloutSpec is a checked RolloutRequest with its limits resolved.
type rolloutSpec struct {
	req                      api.RolloutRequest
	job                      api.Job
	sel                      selector
	maxInFlight, maxFailures amount
	soak, deadline, expire   time.Duration
	onFailure                string
}

func checkRollout(req api.RolloutRequest) (rolloutSpec, error) {
	var sp rolloutSpec
	req.Job.Host = ""
	job, err := jobFromRequest(req.Job)
	if err != nil {
		return sp, err
	}
	sp.job = job
	picks := 0
	for _, b := range []bool{req.Selector != "", len(req.Hosts) > 0, req.All} {
		if b {
			picks++
		}
	}
	if picks != 1 {
		return sp, invalid("a rollout needs exactly one of --selector, --hosts and --all")
	}
	if req.Follow && len(req.Hosts) > 0 {
		return sp, invalid("--follow needs --selector or --all (a host list never grows)")
	}
	if req.Selector != "" {
		if sp.sel, err = parseSelector(req.Selector); err != nil {
			return sp, err
		}
	}
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	req.Waves = def(req.Waves, defaultWaves)
	if _, err := planWaves(req.Waves, 1000); err != nil {
		return sp, err
	}
	req.MaxInFlight = def(req.MaxInFlight, defaultMaxInFlight)
	if sp.maxInFlight, err = parseAmount("max-in-flight", req.MaxInFlight); err != nil {
		return sp, err
	}
	if sp.maxInFlight.n == 0 {
		return sp, invalid("max-in-flight must be at least 1")
	}
	req.MaxFailures = def(req.MaxFailures, defaultMaxFailures)
	if sp.maxFailures, err = parseAmount("max-failures", req.MaxFailures); err != nil {
		return sp, err
	}
	if sp.soak, err = parseRolloutDuration("soak", req.Soak, defaultSoak); err != nil {
		return sp, err
	}
	if sp.deadline, err = parseRolloutDuration("healthy-deadline", req.HealthyDeadline, defaultHealthyDeadline); err != nil {
		return sp, err
	}
	if sp.expire, err = parseRolloutDuration("expire", req.Expire, defaultExpire); err != nil {
		return sp, err
	}
	switch req.OnFailure {
	case "", "pause":
		sp.onFailure = "pause"
	case "rollback":
		sp.onFailure = "rollback"
	default:
		return sp, invalid("on-failure %q is not pause or rollback", req.OnFailure)
	}
	sp.req = req
	return sp, nil
}

// canonical is the request as the rollout id hashes it: envs by name only
// (their values are secrets), hosts sorted, no dry-run flag.
func (sp rolloutSpec) canonical() []byte {
	r := sp.req
	r.DryRun = false
	r.Hosts = slices.Sorted(slices.Values(r.Hosts))
	if len(r.Job.Envs) > 0 {
		names := map[string]string{}
		for k := range r.Job.Envs {
			names[k] = ""
		}
		r.Job.Envs = names
	}
	b, _ := json.Marshal(r)
	return b
}

// member is a host picked for a rollout, with what its last report says.
type member struct {
	agentsn, hostname, tags, status string
	skip                            string // why it is skipped; "" it is not
	prev                            string // api.Job (JSON) that reverts it
}

// CreateRollout plans a rollout and, unless req.DryRun, stores it and
// starts it (SPEC §11). The plan is returned either way; a dry run changes
// nothing and gives the same plan as long as the fleet does not change.
//
// The members and their last reports and job history are read on the read
// pool, outside the write transaction: on a 10,000-host fleet that read
// is most of a create's cost, and holding the writer for it would stall
// every status report. The writer only checks conflicts (an indexed probe
// per member, atomically with the insert) and inserts. Membership is the
// fleet as read then (SPEC §11: frozen at create).
func (s *Store) CreateRollout(ctx context.Context, req api.RolloutRequest, tokenID string) (api.RolloutInfo, api.RolloutPlan, error) {
	sp, err := checkRollout(req)
	if err != nil {
		return api.RolloutInfo{}, api.RolloutPlan{}, err
	}
	members, err := s.pickMembers(ctx, sp)
	if err != nil {
		return api.RolloutInfo{}, api.RolloutPlan{}, fmt.Errorf("create rollout: %w", err)
	}
	if len(members) == 0 && !sp.req.Follow {
		return api.RolloutInfo{}, api.RolloutPlan{}, fmt.Errorf("create rollout: %w", invalid("no host matches"))
	}
	if req.DryRun {
		var seq int64
		if err := s.rdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM rollouts`).Scan(&seq); err != nil {
			return api.RolloutInfo{}, api.RolloutPlan{}, fmt.Errorf("create rollout: next rollout: %w", err)
		}
		if err := s.refuseConflicts(s.rdb, members, sp.job.Name); err != nil {
			return api.RolloutInfo{}, api.RolloutPlan{}, fmt.Errorf("create rollout: %w", err)
		}
		plan, _, err := planRollout(sp, seq, members)
		if err != nil {
			return api.RolloutInfo{}, plan, fmt.Errorf("create rollout: %w", err)
		}
		return api.RolloutInfo{}, plan, nil
	}
	var plan api.RolloutPlan
	err = s.write(ctx, true, func(t *txn) error {
		var err error
		plan, err = s.createRollout(t, sp, members, tokenID)
		return err
	})
	if err != nil {
		return api.RolloutInfo{}, plan, fmt.Errorf("create rollout: %w", err)
	}
	s.wake()
	info, err := s.Rollout(ctx, plan.ID, RolloutHostsPage{})
	return info, plan, err
}

// plannedRollout is what insertRollout stores besides the plan.
type plannedRollout struct {
	order []string
	byID  map[string]*member
	sizes []int
}

// planRollout orders the members and cuts the waves: the plan a dry run
// shows and create stores.
func planRollout(sp rolloutSpec, seq int64, members []member) (api.RolloutPlan, plannedRollout, error) {
	id := rolloutID(seq, sp.canonical())
	byID := map[string]*member{}
	sns := make([]string, len(members))
	for i := range members {
		byID[members[i].agentsn], sns[i] = &members[i], members[i].agentsn
	}
	order := orderHosts(id, sns)
	sizes, err := planWaves(sp.req.Waves, len(order))
	if err != nil {
		return api.RolloutPlan{}, plannedRollout{}, err
	}
	plan := api.RolloutPlan{ID: id, Action: sp.job.Action, Name: sp.job.Name, Waves: make([][]api.RolloutHost, len(sizes)),
		Skipped: []api.RolloutHost{}, MaxInFlight: max(1, sp.maxInFlight.ofUp(len(order))),
		MaxFailures: sp.maxFailures.ofDown(len(order))}
	plan.HaltsAtFailure = plan.MaxFailures + 1
	for i := range plan.Waves {
		plan.Waves[i] = []api.RolloutHost{}
	}
	for ord, sn := range order {
		m := byID[sn]
		h := api.RolloutHost{AgentSN: sn, Hostname: m.hostname, Wave: waveOf(sizes, ord) + 1, State: api.HostPending}
		if m.skip != "" {
			h.State, h.Message = api.HostSkipped, m.skip
			plan.Skipped = append(plan.Skipped, h)
		}
		plan.Waves[h.Wave-1] = append(plan.Waves[h.Wave-1], h)
	}
	return plan, plannedRollout{order: order, byID: byID, sizes: sizes}, nil
}

func (s *Store) createRollout(t *txn, sp rolloutSpec, members []member, tokenID string) (api.RolloutPlan, error) {
	var seq int64
	if err := s.wconn.QueryRowContext(context.Background(), `SELECT COALESCE(MAX(seq), 0) + 1 FROM rollouts`).Scan(&seq); err != nil {
		return api.RolloutPlan{}, fmt.Errorf("next rollout: %w", err)
	}
	if err := s.refuseConflicts(s.wconn, members, sp.job.Name); err != nil {
		return api.RolloutPlan{}, err
	}
	plan, p, err := planRollout(sp, seq, members)
	if err != nil {
		return plan, err
	}
	return plan, s.insertRollout(t, sp, seq, plan.ID, tokenID, p.order, p.byID, p.sizes, plan.MaxInFlight, plan.MaxFailures)
}

func (s *Store) insertRollout(t *txn, sp rolloutSpec, seq int64, id, tokenID string, order []string,
	byID map[string]*member, sizes []int, maxInFlight, maxFailures int) error {
	spec, err := json.Marshal(sp.job)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	shownReq := sp.req
	shownReq.Job.Envs = nil
	reqJSON, _ := json.Marshal(shownReq)
	wavesJSON, _ := json.Marshal(sizes)
	c := context.Background()
	if _, err := s.wconn.ExecContext(c, `INSERT INTO rollouts (seq, id, action, name, spec, request, selector,
		follow, state, created, updated, token_id, waves, wave_started, max_in_flight, max_failures, soak,
		healthy_deadline, expire, on_failure, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, id, sp.job.Action, sp.job.Name, string(spec), string(reqJSON), sp.req.Selector, sp.req.Follow,
		t.now, t.now, tokenID, string(wavesJSON), t.now, maxInFlight, maxFailures, int64(sp.soak/time.Second),
		int64(sp.deadline/time.Second), int64(sp.expire/time.Second), sp.onFailure, len(order)); err != nil {
		return fmt.Errorf("insert rollout %s: %w", id, err)
	}
	// Many rows per INSERT: one statement per host costs more in calls
	// than in SQLite, and the writer is held meanwhile.
	const perInsert = 200
	skipped := 0
	args := make([]any, 0, perInsert*9)
	flush := func(n int) error {
		if n == 0 {
			return nil
		}
		q := `INSERT INTO rollout_hosts (rollout_id, agentsn, name, ord, wave, state, prev_spec, message, updated) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
		if _, err := s.wconn.ExecContext(c, q, args...); err != nil {
			return fmt.Errorf("insert hosts of rollout %s: %w", id, err)
		}
		args = args[:0]
		return nil
	}
	for ord, sn := range order {
		m := byID[sn]
		state := api.HostPending
		if m.skip != "" {
			state, skipped = api.HostSkipped, skipped+1
		}
		args = append(args, id, sn, sp.job.Name, ord, waveOf(sizes, ord), state, m.prev, m.skip, t.now)
		if len(args) == perInsert*9 {
			if err := flush(perInsert); err != nil {
				return err
			}
		}
	}
	if err := flush(len(args) / 9); err != nil {
		return err
	}
	if _, err := s.wconn.ExecContext(c, `UPDATE rollouts SET n_pending = ?, n_skipped = ? WHERE id = ?`,
		len(order)-skipped, skipped, id); err != nil {
		return fmt.Errorf("count hosts of rollout %s: %w", id, err)
	}
	t.afterCommit(func() {
		s.log.Info("rollout created", "rollout", id, "action", sp.job.Action, "name", sp.job.Name,
			"hosts", len(order), "skipped", skipped, "waves", string(wavesJSON), "token_id", tokenID)
		crashpoint.Here("rollout.created")
	})
	return nil
}

// pickMembers finds the rollout's hosts: those named, every host, or the
// selector's; and judges from each host's last report whether it is
// skipped (SPEC §11: already at the target, or the agent fatal before).
// It reads on the read pool, in one read transaction (one snapshot).
func (s *Store) pickMembers(ctx context.Context, sp rolloutSpec) ([]member, error) {
	var sns []string
	seen := map[string]bool{}
	for _, ref := range sp.req.Hosts {
		sn, err := s.resolveHost(ctx, strings.TrimSpace(ref))
		if err != nil {
			return nil, err
		}
		if !seen[sn] {
			seen[sn] = true
			sns = append(sns, sn)
		}
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read hosts: %w", err)
	}
	defer tx.Rollback()
	var ms []member
	if len(sp.req.Hosts) > 0 {
		for _, sn := range sns {
			var m member
			if err := tx.QueryRowContext(ctx, `SELECT agentsn, hostname, tags, status FROM hosts WHERE agentsn = ?`, sn).
				Scan(&m.agentsn, &m.hostname, &m.tags, &m.status); err != nil {
				return nil, fmt.Errorf("read host %s: %w", sn, err)
			}
			ms = append(ms, m)
		}
	} else {
		rows, err := tx.QueryContext(ctx, `SELECT agentsn, hostname, tags, status FROM hosts`)
		if err != nil {
			return nil, fmt.Errorf("list hosts: %w", err)
		}
		for rows.Next() {
			var m member
			if err := rows.Scan(&m.agentsn, &m.hostname, &m.tags, &m.status); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list hosts: %w", err)
			}
			if sp.sel == nil || sp.sel.matches(m.tags) {
				ms = append(ms, m)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("list hosts: %w", err)
		}
	}
	last, err := lastSucceededJobs(ctx, tx, sp.job.Name, len(ms))
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if err := judgeMember(&ms[i], sp.job, last[ms[i].agentsn]); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// lastSucceededJobs is, by host, the spec of the last install or upgrade
// of agent name that succeeded (as prevJobQuery gives for one host), read
// in one pass over the job history rather than one query per member: a
// plan over 10,000 hosts was mostly those queries.
func lastSucceededJobs(ctx context.Context, tx *sql.Tx, name string, hint int) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT agentsn, spec FROM jobs WHERE name = ? AND state = 'succeeded'
		AND action IN ('install', 'upgrade') ORDER BY finished DESC, rowid DESC`, name)
	if err != nil {
		return nil, fmt.Errorf("job history of %s: %w", name, err)
	}
	defer rows.Close()
	last := make(map[string]string, hint)
	for rows.Next() {
		var sn, spec string
		if err := rows.Scan(&sn, &spec); err != nil {
			return nil, fmt.Errorf("job history of %s: %w", name, err)
		}
		if _, seen := last[sn]; !seen {
			last[sn] = spec
		}
	}
	return last, rows.Err()
}

// judgeMember fills m.skip and m.prev from its last report and lastSpec,
// the host's last succeeded install or upgrade of the agent ("" if none).
func judgeMember(m *member, job api.Job, lastSpec string) error {
	var last api.Job
	if lastSpec != "" {
		if err := json.Unmarshal([]byte(lastSpec), &last); err != nil {
			return fmt.Errorf("host %s: stored job: %w", m.agentsn, err)
		}
	}
	// Only what skipReason reads of each agent: decoding the whole status
	// document into api.AgentStatus cost more than the rest of a plan.
	var doc struct {
		Agents []struct {
			Name           string `json:"name"`
			Status         string `json:"status"`
			Version        string `json:"version"`
			DesiredVersion string `json:"desired_version"`
		} `json:"agents"`
	}
	if m.status != "" {
		if err := json.Unmarshal([]byte(m.status), &doc); err != nil {
			return fmt.Errorf("host %s: stored status: %w", m.agentsn, err)
		}
	}
	var agent *api.AgentStatus
	for _, a := range doc.Agents {
		if a.Name == job.Name {
			agent = &api.AgentStatus{Name: a.Name, Status: a.Status, Version: a.Version, DesiredVersion: a.DesiredVersion}
			break
		}
	}
	m.skip = skipReason(job, agent, last)
	if p, ok := revertJob(job, last); ok {
		b, _ := json.Marshal(p)
		m.prev = string(b)
	}
	return nil
}

// skipReason says why a host is skipped, from the agent as last reported
// (nil: absent) and the last install or upgrade that succeeded on it (zero
// if none): "" when it is not.
func skipReason(job api.Job, agent *api.AgentStatus, last api.Job) string {
	if job.Name == "" {
		return ""
	}
	if agent != nil && agent.Status == "fatal" {
		return "agent fatal before the rollout"
	}
	at := "already at the target"
	switch job.Action {
	case api.ActionInstall, api.ActionUpgrade:
		if agent != nil && agent.Status == "running" && last.URL == job.URL && last.Checksum == job.Checksum &&
			(agent.DesiredVersion == "" || agent.Version == agent.DesiredVersion) {
			return at
		}
	case api.ActionStop:
		if agent != nil && agent.Status == "stoped" {
			return at
		}
	case api.ActionStart:
		if agent != nil && agent.Status == "running" {
			return at
		}
	case api.ActionUninstall:
		if agent == nil {
			return at
		}
	}
	return ""
}

// revertJob is the job that puts back what a host ran before job (SPEC
// §11): the previous package for an upgrade, an uninstall for a first
// install, start for stop and stop for start. Restart and config change
// nothing to put back.
func revertJob(job api.Job, last api.Job) (api.Job, bool) {
	switch job.Action {
	case api.ActionInstall, api.ActionUpgrade, api.ActionUninstall:
		if last.URL != "" {
			last.ID = ""
			last.Action = api.ActionUpgrade
			if job.Action == api.ActionUninstall {
				last.Action = api.ActionInstall
			}
			return last, true
		}
		if job.Action == api.ActionInstall {
			return api.Job{Action: api.ActionUninstall, Name: job.Name}, true
		}
	case api.ActionStop:
		return api.Job{Action: api.ActionStart, Name: job.Name}, true
	case api.ActionStart:
		return api.Job{Action: api.ActionStop, Name: job.Name}, true
	}
	return api.Job{}, false
}

// refuseConflicts refuses a rollout touching a (host, agent) pair that an
// active rollout holds (SPEC §11: one active rollout per pair). q is the
// writer's connection (atomic with the insert) or the read pool (a dry
// run). A few members are probed one by one; many are checked against one
// read of the agent's active pairs, not one probe each.
func (s *Store) refuseConflicts(q querier, ms []member, name string) error {
	c := context.Background()
	held := map[string]string{} // agentsn → rollout holding it
	if len(ms) <= 64 {
		for _, m := range ms {
			var other string
			switch err := q.QueryRowContext(c, pairQuery, m.agentsn, name).Scan(&other); {
			case err == nil:
				held[m.agentsn] = other
			case !isNoRows(err):
				return fmt.Errorf("check rollouts of %s: %w", m.agentsn, err)
			}
		}
	} else {
		rows, err := q.QueryContext(c, `SELECT agentsn, rollout_id FROM rollout_hosts WHERE name = ? AND active = 1`, name)
		if err != nil {
			return fmt.Errorf("check rollouts of agent %q: %w", name, err)
		}
		for rows.Next() {
			var sn, other string
			if err := rows.Scan(&sn, &other); err != nil {
				rows.Close()
				return fmt.Errorf("check rollouts of agent %q: %w", name, err)
			}
			held[sn] = other
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("check rollouts of agent %q: %w", name, err)
		}
	}
	var clash []string
	for _, m := range ms {
		if other, ok := held[m.agentsn]; ok {
			clash = append(clash, fmt.Sprintf("%s (rollout %s)", hostLabelOf(m.hostname, m.agentsn), other))
		}
	}
	if len(clash) == 0 {
		return nil
	}
	n, more := len(clash), ""
	if n > 5 {
		more, clash = fmt.Sprintf(" and %d more", len(clash)-5), clash[:5]
	}
	return fmt.Errorf("%w: agent %q is already in an active rollout on %d host(s): %s%s",
		ErrConflict, name, n, strings.Join(clash, ", "), more)
}

// querier is the writer's *sql.Conn or the read pool's *sql.DB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func hostLabelOf(hostname, agentsn string) string {
	if hostname == "" {
		return agentsn
	}
	return hostname
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
