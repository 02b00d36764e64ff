package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
)

// defaultStep is assumed for a host that has not reported its step yet:
// the design note's 10 minutes.
const defaultStep = 600

// liveSteps is how many report intervals a host stays live after it was
// last seen. A live host keeps its agentsn against a register from another
// hostname (a cloned machine); a host silent for longer may be renamed.
const liveSteps = 3

func live(lastSeen, step, now int64) bool {
	if step <= 0 {
		step = defaultStep
	}
	return now-lastSeen <= liveSteps*step
}

// hostRow is what the writer reads about a host before changing it.
type hostRow struct {
	hostname string
	tags     string
	lastSeen int64
	step     int64
}

func (t *txn) host(agentsn string) (hostRow, bool, error) {
	var h hostRow
	err := t.st.hostGet.QueryRow(agentsn).Scan(&h.hostname, &h.tags, &h.lastSeen, &h.step)
	if errors.Is(err, sql.ErrNoRows) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("read host %s: %w", agentsn, err)
	}
	return h, true, nil
}

// Registration is the outcome of a register.
type Registration struct {
	AgentSN string // the agentsn the host must use from now on
	Tags    string
	New     bool // the host was not known before
}

// Register records a host starting up (POST /agent/register). An empty
// agentsn gets a new one. An agentsn held by another hostname that is
// still live is a clone: the caller gets a new agentsn, and keeps getting
// the same one if it registers again with the old (its answer may have been
// lost). An agentsn whose host has gone silent follows the new hostname.
func (s *Store) Register(ctx context.Context, hostname, agentsn, addr string) (Registration, error) {
	if err := validateHostname(hostname); err != nil {
		return Registration{}, err
	}
	if agentsn != "" {
		if err := validateAgentSN(agentsn); err != nil {
			return Registration{}, err
		}
	}
	var reg Registration
	err := s.write(ctx, true, func(t *txn) error {
		var err error
		reg, err = s.register(t, hostname, agentsn, addr)
		return err
	})
	if err != nil {
		return Registration{}, fmt.Errorf("register %s (agentsn %s): %w", hostname, agentsn, err)
	}
	return reg, nil
}

func (s *Store) register(t *txn, hostname, agentsn, addr string) (Registration, error) {
	if agentsn == "" {
		return s.insertHost(t, uuid.NewString(), hostname, addr, "")
	}
	h, ok, err := t.host(agentsn)
	if err != nil {
		return Registration{}, err
	}
	switch {
	case !ok:
		return s.insertHost(t, agentsn, hostname, addr, "")
	case h.hostname == hostname || !live(h.lastSeen, h.step, t.now):
		if err := exec(t.st.hostTouch, agentsn, hostname, t.now, addr); err != nil {
			return Registration{}, fmt.Errorf("update host %s: %w", agentsn, err)
		}
		t.afterCommit(func() {
			if h.hostname != hostname {
				s.log.Info("host renamed", "agentsn", agentsn, "from", h.hostname, "hostname", hostname)
			}
			s.log.Info("host registered", "agentsn", agentsn, "hostname", hostname, "addr", addr)
		})
		return Registration{AgentSN: agentsn, Tags: h.tags}, nil
	}
	// A live host holds agentsn under another name: a clone.
	var prev Registration
	err = t.st.hostByOrigin.QueryRow(agentsn, hostname).Scan(&prev.AgentSN, &prev.Tags)
	if err == nil {
		if err := exec(t.st.hostTouch, prev.AgentSN, hostname, t.now, addr); err != nil {
			return Registration{}, fmt.Errorf("update host %s: %w", prev.AgentSN, err)
		}
		return prev, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Registration{}, fmt.Errorf("read hosts re-assigned from %s: %w", agentsn, err)
	}
	reg, err := s.insertHost(t, uuid.NewString(), hostname, addr, agentsn)
	if err == nil {
		t.afterCommit(func() {
			s.log.Warn("agentsn conflict: new agentsn assigned", "agentsn", reg.AgentSN, "hostname", hostname,
				"presented", agentsn, "held_by", h.hostname)
		})
	}
	return reg, err
}

func (s *Store) insertHost(t *txn, agentsn, hostname, addr, origin string) (Registration, error) {
	if err := exec(t.st.hostInsert, agentsn, hostname, t.now, addr, origin); err != nil {
		return Registration{}, fmt.Errorf("insert host %s: %w", agentsn, err)
	}
	if err := s.rolloutFollow(t, agentsn, ""); err != nil {
		return Registration{}, err
	}
	t.afterCommit(func() {
		s.log.Info("host registered", "agentsn", agentsn, "hostname", hostname, "addr", addr, "new", true)
	})
	return Registration{AgentSN: agentsn, New: true}, nil
}

// resolveHost finds the host an operator means by ref: an agentsn, else a
// hostname. Several hosts may carry one hostname over time (a reinstall
// makes a new agentsn): the one seen last is meant, unless more than one of
// them is live, which is ambiguous.
func (t *txn) resolveHost(ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("%w: host is required (an agentsn or a hostname)", ErrInvalid)
	}
	if _, ok, err := t.host(ref); err != nil || ok {
		return ref, err
	}
	rows, err := t.st.hostsByName.Query(ref)
	if err != nil {
		return "", fmt.Errorf("find host %s: %w", ref, err)
	}
	return pickHost(ref, rows, t.now)
}

// resolveHost is the read-side resolveHost, for the admin listings.
func (s *Store) resolveHost(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("%w: host is required (an agentsn or a hostname)", ErrInvalid)
	}
	var one int
	err := s.rdb.QueryRowContext(ctx, `SELECT 1 FROM hosts WHERE agentsn = ?`, ref).Scan(&one)
	if err == nil {
		return ref, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("find host %s: %w", ref, err)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT agentsn, hostname, last_seen, step FROM hosts
		WHERE hostname = ? ORDER BY last_seen DESC, agentsn`, ref)
	if err != nil {
		return "", fmt.Errorf("find host %s: %w", ref, err)
	}
	return pickHost(ref, rows, s.unix())
}

// pickHost chooses among the hosts named ref, most recently seen first.
func pickHost(ref string, rows *sql.Rows, now int64) (string, error) {
	defer rows.Close()
	var first string
	var liveOnes []string
	for rows.Next() {
		var agentsn, hostname string
		var lastSeen, step int64
		if err := rows.Scan(&agentsn, &hostname, &lastSeen, &step); err != nil {
			return "", fmt.Errorf("find host %s: %w", ref, err)
		}
		if first == "" {
			first = agentsn
		}
		if live(lastSeen, step, now) {
			liveOnes = append(liveOnes, agentsn)
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("find host %s: %w", ref, err)
	}
	switch {
	case first == "":
		return "", fmt.Errorf("%w %q: no host has this agentsn or hostname", ErrUnknownHost, ref)
	case len(liveOnes) > 1:
		return "", fmt.Errorf("%w: hostname %q is used by %d live hosts (%s); name one by its agentsn",
			ErrAmbiguousHost, ref, len(liveOnes), strings.Join(liveOnes, ", "))
	}
	return first, nil
}

// SetTags sets the tags a host gets in its register answers.
func (s *Store) SetTags(ctx context.Context, ref, tags string) (api.HostInfo, error) {
	if err := validateTags(tags); err != nil {
		return api.HostInfo{}, err
	}
	var agentsn string
	err := s.write(ctx, true, func(t *txn) error {
		var err error
		if agentsn, err = t.resolveHost(ref); err != nil {
			return err
		}
		if err := exec(t.st.hostTags, agentsn, tags); err != nil {
			return fmt.Errorf("set tags of %s: %w", agentsn, err)
		}
		if err := s.rolloutFollow(t, agentsn, tags); err != nil {
			return err
		}
		t.afterCommit(func() { s.log.Info("host tags set", "agentsn", agentsn, "tags", tags) })
		return nil
	})
	if err != nil {
		return api.HostInfo{}, err
	}
	return s.Host(ctx, agentsn)
}
