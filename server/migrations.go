package server

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema, one step per version: migrations[i] takes the
// database from version i to i+1 (PRAGMA user_version). Steps are never
// edited once released, only appended, so any older database can be brought
// up to date.
var migrations = []string{
	// 1: hosts, their agents, events, jobs and results.
	`
CREATE TABLE hosts (
	agentsn         TEXT PRIMARY KEY,
	hostname        TEXT NOT NULL,
	tags            TEXT NOT NULL DEFAULT '',
	first_seen      INTEGER NOT NULL,
	last_seen       INTEGER NOT NULL,
	addr            TEXT NOT NULL DEFAULT '',
	version         TEXT NOT NULL DEFAULT '',
	step            INTEGER NOT NULL DEFAULT 0,
	agent_count     INTEGER NOT NULL DEFAULT 0,
	status          TEXT NOT NULL DEFAULT '',   -- last status document (JSON)
	reassigned_from TEXT NOT NULL DEFAULT ''    -- agentsn it presented when re-assigned
) STRICT;
CREATE INDEX hosts_hostname ON hosts(hostname);
CREATE INDEX hosts_reassigned ON hosts(reassigned_from, hostname) WHERE reassigned_from <> '';

-- The agents of a host are those of its last status document: a view over
-- it rather than a table, so a report writes one row, not one per agent.
CREATE VIEW agents AS
SELECT h.agentsn                    AS agentsn,
       h.hostname                   AS hostname,
       h.last_seen                  AS reported_at,
       a.key                        AS seq,
       a.value ->> '$.name'         AS name,
       a.value ->> '$.version'      AS version,
       a.value ->> '$.status'       AS status,
       a.value ->> '$.uptime'       AS uptime,
       a.value ->> '$.pid'          AS pid,
       a.value ->> '$.restarts'     AS restarts,
       a.value ->> '$.message'      AS message,
       a.value ->> '$.job.id'       AS job_id,
       a.value ->> '$.job.state'    AS job_state,
       a.value                      AS agent      -- the whole entry (JSON)
FROM hosts h, json_each(IIF(h.status = '', '{}', h.status), '$.agents') a
WHERE a.type = 'object';

-- Events reported in status documents and pushed by POST /agent/events,
-- stored once per (host, time, agent, type, message). agentsn is '' for a
-- pushed event whose host is not known yet.
CREATE TABLE events (
	id       INTEGER PRIMARY KEY,
	agentsn  TEXT NOT NULL,
	time     INTEGER NOT NULL,
	agent    TEXT NOT NULL,
	type     TEXT NOT NULL,
	message  TEXT NOT NULL,
	log_tail TEXT NOT NULL,
	received INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX events_once ON events(time, agent, type, message, agentsn);
CREATE INDEX events_host ON events(agentsn, id);

CREATE TABLE jobs (
	id              TEXT PRIMARY KEY,
	agentsn         TEXT NOT NULL,
	action          TEXT NOT NULL,
	name            TEXT NOT NULL,
	spec            TEXT NOT NULL,              -- the api.Job sent to the agent (JSON)
	state           TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'succeeded', 'failed')),
	errcode         INTEGER NOT NULL DEFAULT 0,
	message         TEXT NOT NULL DEFAULT '',
	deliveries      INTEGER NOT NULL DEFAULT 0,
	created         INTEGER NOT NULL,
	delivered       INTEGER NOT NULL DEFAULT 0, -- first sent
	last_delivered  INTEGER NOT NULL DEFAULT 0,
	finished        INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX jobs_host ON jobs(agentsn);
CREATE INDEX jobs_open ON jobs(agentsn) WHERE state IN ('queued', 'delivered');

-- Results as received, the first per job id (a re-sent result changes
-- nothing). A result for an unknown job is kept here too.
CREATE TABLE results (
	job_id   TEXT PRIMARY KEY,
	errcode  INTEGER NOT NULL,
	message  TEXT NOT NULL,
	received INTEGER NOT NULL,
	addr     TEXT NOT NULL
) STRICT;
`,
	// 2: retention (retention.go) deletes by age in bounded batches; these
	// indexes let each batch find its oldest rows without a table scan.
	`
CREATE INDEX events_received ON events(received);
CREATE INDEX jobs_finished ON jobs(finished) WHERE state IN ('succeeded', 'failed');
CREATE INDEX results_received ON results(received);
`,
	// 3: operator tokens (SPEC §10). hash is the SHA-256 of the whole token;
	// the token itself is never stored. A job records the token that queued
	// it ('' for jobs queued before tokens existed).
	`
CREATE TABLE admin_tokens (
	id      TEXT PRIMARY KEY,
	role    TEXT NOT NULL CHECK (role IN ('read', 'admin')),
	hash    BLOB NOT NULL,
	created INTEGER NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0
) STRICT;
ALTER TABLE jobs ADD COLUMN token_id TEXT NOT NULL DEFAULT '';
`,
	// 4: host identity (SPEC §10). Enrollment tokens and host credentials
	// are stored as the SHA-256 of the whole token, never the token.
	`
CREATE TABLE enroll_tokens (
	id        TEXT PRIMARY KEY,
	hash      BLOB NOT NULL,
	tags      TEXT NOT NULL DEFAULT '',
	uses_left INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	revoked   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE host_creds (
	id      TEXT PRIMARY KEY,
	agentsn TEXT NOT NULL,
	hash    BLOB NOT NULL,
	issued  INTEGER NOT NULL,
	expires INTEGER NOT NULL
) STRICT;
CREATE INDEX host_creds_agentsn ON host_creds(agentsn);
CREATE TABLE host_revoked (
	agentsn TEXT PRIMARY KEY,
	revoked INTEGER NOT NULL
) STRICT;
`,
	// 5: the web UI's fleet overview (agent_states.go): each host's agents
	// that are not running, summarised at each report, read through partial
	// indexes so the overview never parses every status document. Hosts
	// migrated from an older version fill them at their next report.
	`
ALTER TABLE hosts ADD COLUMN agent_states TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN failing INTEGER NOT NULL DEFAULT 0;
CREATE INDEX hosts_agent_states ON hosts(agentsn) WHERE agent_states <> '';
CREATE INDEX hosts_failing ON hosts(hostname, agentsn) WHERE failing > 0;
`,
	// 6: fleet rollouts (SPEC §11, rollout_*.go). A rollout keeps its
	// counters per host state in its row, updated with every host change,
	// so neither a report nor the engine counts the fleet. rollout_hosts
	// is its frozen membership; rollout_jobs maps each job it queued back
	// to its host, so a result finds its rollout by primary key.
	`
CREATE TABLE rollouts (
	seq              INTEGER PRIMARY KEY,
	id               TEXT NOT NULL UNIQUE,
	action           TEXT NOT NULL,
	name             TEXT NOT NULL,
	spec             TEXT NOT NULL,              -- api.Job (without id) as delivered (JSON)
	request          TEXT NOT NULL,              -- api.RolloutRequest as asked (JSON, envs left out)
	selector         TEXT NOT NULL DEFAULT '',   -- '' for --hosts/--all
	follow           INTEGER NOT NULL DEFAULT 0,
	state            TEXT NOT NULL CHECK (state IN ('running', 'paused', 'succeeded', 'aborted', 'rolling_back', 'rolled_back')),
	reason           TEXT NOT NULL DEFAULT '',
	created          INTEGER NOT NULL,
	updated          INTEGER NOT NULL,
	token_id         TEXT NOT NULL DEFAULT '',
	waves            TEXT NOT NULL,              -- cumulative sizes (JSON array)
	wave             INTEGER NOT NULL DEFAULT 0, -- current, 0-based
	wave_started     INTEGER NOT NULL,
	max_in_flight    INTEGER NOT NULL,
	max_failures     INTEGER NOT NULL,
	fail_allow       INTEGER NOT NULL DEFAULT 0, -- failures forgiven by resume
	failures         INTEGER NOT NULL DEFAULT 0,
	last_fail_deadline INTEGER NOT NULL DEFAULT 0,
	soak             INTEGER NOT NULL,
	healthy_deadline INTEGER NOT NULL,
	expire           INTEGER NOT NULL,
	on_failure       TEXT NOT NULL CHECK (on_failure IN ('pause', 'rollback')),
	total            INTEGER NOT NULL,
	n_skipped INTEGER NOT NULL DEFAULT 0, n_pending INTEGER NOT NULL DEFAULT 0,
	n_delivered INTEGER NOT NULL DEFAULT 0, n_soaking INTEGER NOT NULL DEFAULT 0,
	n_healthy INTEGER NOT NULL DEFAULT 0, n_failed INTEGER NOT NULL DEFAULT 0,
	n_expired INTEGER NOT NULL DEFAULT 0, n_cancelled INTEGER NOT NULL DEFAULT 0,
	n_reverted INTEGER NOT NULL DEFAULT 0,
	n_reverting INTEGER NOT NULL DEFAULT 0      -- revert jobs without a result
) STRICT;
CREATE INDEX rollouts_active ON rollouts(state) WHERE state IN ('running', 'paused', 'rolling_back');

CREATE TABLE rollout_hosts (
	rollout_id   TEXT NOT NULL,
	agentsn      TEXT NOT NULL,
	name         TEXT NOT NULL,
	ord          INTEGER NOT NULL,
	wave         INTEGER NOT NULL,
	state        TEXT NOT NULL,
	active       INTEGER NOT NULL DEFAULT 1,    -- 0 once the rollout has ended
	job_id       TEXT NOT NULL DEFAULT '',
	delivered_at INTEGER NOT NULL DEFAULT 0,
	result_at    INTEGER NOT NULL DEFAULT 0,
	soak_start   INTEGER NOT NULL DEFAULT 0,
	baseline     INTEGER NOT NULL DEFAULT -1,
	changed      INTEGER NOT NULL DEFAULT 0,    -- the job may have changed the host
	prev_spec    TEXT NOT NULL DEFAULT '',      -- api.Job that reverts it ('' none)
	revert       INTEGER NOT NULL DEFAULT 0,    -- 1 to revert, 2 reverting, 3 done
	revert_job   TEXT NOT NULL DEFAULT '',
	message      TEXT NOT NULL DEFAULT '',
	updated      INTEGER NOT NULL,
	PRIMARY KEY (rollout_id, agentsn)
) STRICT;
CREATE INDEX rollout_hosts_live ON rollout_hosts(agentsn) WHERE state IN ('pending', 'delivered', 'soaking');
CREATE INDEX rollout_hosts_pair ON rollout_hosts(agentsn, name) WHERE active = 1;
CREATE INDEX rollout_hosts_state ON rollout_hosts(rollout_id, state, ord);
CREATE INDEX rollout_hosts_revert ON rollout_hosts(rollout_id, revert, ord) WHERE revert IN (1, 2);

CREATE TABLE rollout_jobs (
	job_id     TEXT PRIMARY KEY,
	rollout_id TEXT NOT NULL,
	agentsn    TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('apply', 'revert'))
) STRICT;
`,
}

// schemaVersion is the version this bootserver writes.
var schemaVersion = len(migrations)

// migrate brings the database up to schemaVersion, each step in its own
// transaction so a crash mid-way leaves a consistent older version.
func migrate(ctx context.Context, conn *sql.Conn) (from int, err error) {
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&from); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if from > schemaVersion {
		return from, fmt.Errorf("%w (database version %d, this bootserver knows up to %d)", ErrSchemaTooNew, from, schemaVersion)
	}
	for v := from; v < schemaVersion; v++ {
		if err := migrateStep(ctx, conn, v); err != nil {
			return from, err
		}
	}
	return from, nil
}

func migrateStep(ctx context.Context, conn *sql.Conn, v int) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate to version %d: %w", v+1, err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
		return fmt.Errorf("migrate to version %d: %w", v+1, err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return fmt.Errorf("migrate to version %d: %w", v+1, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("migrate to version %d: commit: %w", v+1, err)
	}
	return nil
}
