package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmts are the writer's statements, prepared once on its connection: the
// hot path (a status report) then parses no SQL.
type stmts struct {
	begin, commit, rollback         *sql.Stmt
	savepoint, release, rollbackTo  *sql.Stmt
	syncFull, syncNormal            *sql.Stmt
	hostGet, hostInsert, hostTouch  *sql.Stmt
	hostByOrigin, hostReport        *sql.Stmt
	hostsByName, hostTags           *sql.Stmt
	eventClaim, eventInsert         *sql.Stmt
	eventSeen                       *sql.Stmt
	jobsDeliver, jobInsert          *sql.Stmt
	resultInsert, jobFinish, jobGet *sql.Stmt
	pruneEvents, pruneHostEvents    *sql.Stmt
	pruneJobs, pruneResults         *sql.Stmt
	tokenInsert, tokenRevoke        *sql.Stmt

	all []*sql.Stmt
}

func prepare(ctx context.Context, conn *sql.Conn) (*stmts, error) {
	st := &stmts{}
	defs := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.begin, `BEGIN IMMEDIATE`},
		{&st.commit, `COMMIT`},
		{&st.rollback, `ROLLBACK`},
		{&st.syncFull, `PRAGMA synchronous = FULL`},
		{&st.syncNormal, `PRAGMA synchronous = NORMAL`},
		{&st.savepoint, `SAVEPOINT op`},
		{&st.release, `RELEASE op`},
		{&st.rollbackTo, `ROLLBACK TO op`},

		{&st.hostGet, `SELECT hostname, tags, last_seen, step FROM hosts WHERE agentsn = ?`},
		{&st.hostInsert, `INSERT INTO hosts (agentsn, hostname, first_seen, last_seen, addr, reassigned_from)
			VALUES (?1, ?2, ?3, ?3, ?4, ?5)`},
		{&st.hostTouch, `UPDATE hosts SET hostname = ?2, last_seen = ?3, addr = ?4 WHERE agentsn = ?1`},
		{&st.hostByOrigin, `SELECT agentsn, tags FROM hosts WHERE reassigned_from = ? AND hostname = ?
			ORDER BY last_seen DESC LIMIT 1`},
		{&st.hostReport, `UPDATE hosts SET hostname = ?2, last_seen = ?3, addr = ?4, version = ?5, step = ?6,
			agent_count = ?7, status = ?8, agent_states = ?9, failing = ?10 WHERE agentsn = ?1`},
		{&st.hostsByName, `SELECT agentsn, hostname, last_seen, step FROM hosts WHERE hostname = ?
			ORDER BY last_seen DESC, agentsn`},
		{&st.hostTags, `UPDATE hosts SET tags = ?2 WHERE agentsn = ?1`},

		{&st.eventClaim, `UPDATE OR IGNORE events SET agentsn = ?1
			WHERE time = ?2 AND agent = ?3 AND type = ?4 AND message = ?5 AND agentsn = ''`},
		{&st.eventInsert, `INSERT INTO events (agentsn, time, agent, type, message, log_tail, received)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`},
		{&st.eventSeen, `SELECT 1 FROM events WHERE time = ? AND agent = ? AND type = ? AND message = ? LIMIT 1`},

		{&st.jobsDeliver, `UPDATE jobs SET state = 'delivered', deliveries = deliveries + 1, last_delivered = ?1,
			delivered = CASE WHEN delivered = 0 THEN ?1 ELSE delivered END
			WHERE agentsn = ?2 AND state IN ('queued', 'delivered')
			RETURNING rowid, id, spec, deliveries`},
		{&st.jobInsert, `INSERT INTO jobs (id, agentsn, action, name, spec, state, created, token_id)
			VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)`},
		{&st.resultInsert, `INSERT INTO results (job_id, errcode, message, received, addr)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`},
		{&st.jobFinish, `UPDATE jobs SET state = ?2, errcode = ?3, message = ?4, finished = ?5
			WHERE id = ?1 AND state IN ('queued', 'delivered')
			RETURNING agentsn, action, name, deliveries`},
		{&st.jobGet, jobSelect + ` WHERE j.id = ?`},

		{&st.tokenInsert, `INSERT INTO admin_tokens (id, role, hash, created) VALUES (?, ?, ?, ?)`},
		{&st.tokenRevoke, `UPDATE admin_tokens SET revoked = CASE WHEN revoked = 0 THEN ?2 ELSE revoked END
			WHERE id = ?1 RETURNING role, created, revoked`},

		// Retention (retention.go): each deletes at most ?2 (?3) rows, the
		// oldest first, through an index.
		{&st.pruneEvents, `DELETE FROM events WHERE id IN
			(SELECT id FROM events WHERE received < ?1 ORDER BY received LIMIT ?2)`},
		{&st.pruneHostEvents, `DELETE FROM events WHERE id IN
			(SELECT id FROM events WHERE agentsn = ?1 AND id <= ?2 ORDER BY id LIMIT ?3)`},
		// Only finished jobs: a queued or delivered job has no result yet
		// and is delivered until it has one, however old it is.
		{&st.pruneJobs, `DELETE FROM jobs WHERE rowid IN
			(SELECT rowid FROM jobs WHERE state IN ('succeeded', 'failed') AND finished < ?1
			ORDER BY finished LIMIT ?2)`},
		// A result finishes its job in the same transaction, so an old
		// result belongs to a finished job or to none; the NOT EXISTS keeps
		// that true whatever changes later.
		{&st.pruneResults, `DELETE FROM results WHERE rowid IN
			(SELECT r.rowid FROM results r WHERE r.received < ?1 AND NOT EXISTS
				(SELECT 1 FROM jobs j WHERE j.id = r.job_id AND j.state IN ('queued', 'delivered'))
			ORDER BY r.received LIMIT ?2)`},
	}
	for _, d := range defs {
		s, err := conn.PrepareContext(ctx, d.sql)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare %q: %w", firstLine(d.sql), err)
		}
		*d.dst = s
		st.all = append(st.all, s)
	}
	return st, nil
}

func (st *stmts) close() error {
	var errs []error
	for _, s := range st.all {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
