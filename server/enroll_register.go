package server

import (
	"context"
	"fmt"

	"github.com/bootagent/bootagent/api"
)

// EnrollRequest is a register (POST /agent/register) with what it carries
// to prove the host's identity (SPEC §10).
type EnrollRequest struct {
	Hostname, AgentSN, Addr string
	Token                   string    // enrollment token from the body, if any
	Cred                    *HostCred // the request's valid credential, if any
	Open                    bool      // --open-enrollment: no token needed
}

// Enrollment is a registration and the credential it hands out ("" when
// the host's current one is not near its expiry).
type Enrollment struct {
	Registration
	Credential        string
	CredentialExpires int64
}

// Enroll registers a host that proves who it is: with its credential (a
// host already enrolled, whose body must name its own agentsn), else with
// an enrollment token (one use consumed, its tags applied), else, under
// --open-enrollment only, with nothing, unless the host already holds a
// credential (then it must send it; a clone under another hostname gets a
// new agentsn as with Register). A revoked host is refused either
// way. It all happens in one write, so a token's last use goes to one host.
func (s *Store) Enroll(ctx context.Context, req EnrollRequest) (Enrollment, error) {
	if err := validateHostname(req.Hostname); err != nil {
		return Enrollment{}, err
	}
	if req.AgentSN != "" {
		if err := validateAgentSN(req.AgentSN); err != nil {
			return Enrollment{}, err
		}
	}
	if req.Cred != nil && req.AgentSN != req.Cred.AgentSN {
		return Enrollment{}, fmt.Errorf("%w: the credential is %s's, the body names agentsn %q", ErrForbidden,
			req.Cred.AgentSN, req.AgentSN)
	}
	var out Enrollment
	err := s.write(ctx, true, func(t *txn) error {
		var err error
		out, err = s.enroll(t, req)
		return err
	})
	if err != nil {
		return Enrollment{}, fmt.Errorf("register %s (agentsn %s): %w", req.Hostname, req.AgentSN, err)
	}
	return out, nil
}

func (s *Store) enroll(t *txn, req EnrollRequest) (Enrollment, error) {
	if req.AgentSN != "" {
		if revoked, err := s.hostRevoked(t, req.AgentSN); err != nil || revoked {
			return Enrollment{}, revokedErr(req.AgentSN, err)
		}
	}
	var tags string
	haveTags := false
	switch {
	case req.Cred != nil:
	case req.Token != "":
		var err error
		if tags, err = s.useEnrollToken(t, req.Token); err != nil {
			return Enrollment{}, err
		}
		haveTags = tags != ""
	case !req.Open:
		return Enrollment{}, fmt.Errorf("%w: an enrollment token is required (agent config enroll_token_file; "+
			"mint one with bootserver token create)", ErrForbidden)
	}
	reg, err := s.register(t, req.Hostname, req.AgentSN, req.Addr)
	if err != nil {
		return Enrollment{}, err
	}
	if req.Cred == nil && req.Token == "" && reg.AgentSN == req.AgentSN && !reg.New {
		// Open enrollment, but the host already has a credential: without
		// it this register would take the host over (a clone gets a new
		// agentsn above, and is not refused). The op's savepoint undoes
		// the register.
		live, err := s.hasLiveCredential(t, reg.AgentSN)
		if err != nil {
			return Enrollment{}, err
		}
		if live {
			return Enrollment{}, fmt.Errorf("%w: host %s is enrolled: send its credential (or an enrollment token)",
				ErrUnauthorized, reg.AgentSN)
		}
	}
	if reg.AgentSN != req.AgentSN {
		if revoked, err := s.hostRevoked(t, reg.AgentSN); err != nil || revoked {
			return Enrollment{}, revokedErr(reg.AgentSN, err)
		}
	}
	if haveTags {
		if err := exec(t.st.hostTags, reg.AgentSN, tags); err != nil {
			return Enrollment{}, fmt.Errorf("set tags of %s: %w", reg.AgentSN, err)
		}
		if err := s.rolloutFollow(t, reg.AgentSN, tags); err != nil {
			return Enrollment{}, err
		}
		reg.Tags = tags
	}
	out := Enrollment{Registration: reg}
	if req.Cred != nil && reg.AgentSN == req.Cred.AgentSN {
		if !needsRenewal(req.Cred.Issued, req.Cred.Expires, t.now) {
			return out, nil
		}
		out.Credential, out.CredentialExpires, err = s.issueCredential(t, reg.AgentSN, req.Cred.ID)
		return out, err
	}
	out.Credential, out.CredentialExpires, err = s.issueCredential(t, reg.AgentSN, "")
	return out, err
}

func revokedErr(agentsn string, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: host %s is revoked (bootserver host unrevoke, then enrol it with a new token)",
		ErrForbidden, agentsn)
}

// RevokeHost makes the host's credentials fail at once, refuses it any
// new enrollment until UnrevokeHost, and cancels its open jobs (they fail
// with a message saying so).
func (s *Store) RevokeHost(ctx context.Context, ref string) (api.HostRevocation, error) {
	var out api.HostRevocation
	err := s.write(ctx, true, func(t *txn) error {
		agentsn, err := t.resolveHost(ref)
		if err != nil {
			return err
		}
		c := context.Background()
		if _, err := s.wconn.ExecContext(c, `INSERT INTO host_revoked (agentsn, revoked) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, agentsn, t.now); err != nil {
			return fmt.Errorf("revoke host %s: %w", agentsn, err)
		}
		if _, err := s.wconn.ExecContext(c, `DELETE FROM host_creds WHERE agentsn = ?`, agentsn); err != nil {
			return fmt.Errorf("revoke credentials of %s: %w", agentsn, err)
		}
		res, err := s.wconn.ExecContext(c, `UPDATE jobs SET state = 'failed', errcode = -1,
			message = 'cancelled: host revoked', finished = ? WHERE agentsn = ? AND state IN ('queued', 'delivered')`,
			t.now, agentsn)
		if err != nil {
			return fmt.Errorf("cancel jobs of %s: %w", agentsn, err)
		}
		n, _ := res.RowsAffected()
		out = api.HostRevocation{AgentSN: agentsn, Revoked: true, JobsCancelled: int(n)}
		t.afterCommit(func() { s.log.Warn("host revoked", "agentsn", agentsn, "jobs_cancelled", n) })
		return nil
	})
	return out, err
}

// UnrevokeHost lets a revoked host enrol again, with a new token.
func (s *Store) UnrevokeHost(ctx context.Context, ref string) (api.HostRevocation, error) {
	var out api.HostRevocation
	err := s.write(ctx, true, func(t *txn) error {
		agentsn, err := t.resolveHost(ref)
		if err != nil {
			return err
		}
		if _, err := s.wconn.ExecContext(context.Background(), `DELETE FROM host_revoked WHERE agentsn = ?`,
			agentsn); err != nil {
			return fmt.Errorf("unrevoke host %s: %w", agentsn, err)
		}
		out = api.HostRevocation{AgentSN: agentsn}
		t.afterCommit(func() { s.log.Info("host unrevoked", "agentsn", agentsn) })
		return nil
	})
	return out, err
}
