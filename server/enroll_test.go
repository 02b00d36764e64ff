package server

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestEnrollTokenOneUseUnderConcurrency(t *testing.T) {
	s, _ := openStore(t)
	tok, err := s.CreateEnrollToken(ctx(t), time.Hour, 1, "role=web")
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	creds := make([]string, n)
	for i := range n {
		wg.Go(func() {
			e, err := s.Enroll(ctx(t), EnrollRequest{Hostname: fmt.Sprintf("host-%d", i), AgentSN: fmt.Sprintf("sn-%d", i), Token: tok.Token})
			errs[i], creds[i] = err, e.Credential
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil && creds[i] != "":
			won++
		case errors.Is(err, ErrForbidden):
		default:
			t.Errorf("host-%d: credential %v, err %v", i, creds[i] != "", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d hosts enrolled with a one-use token, want exactly 1 (errors %v)", won, errs)
	}
	list, err := s.EnrollTokens(ctx(t))
	if err != nil || len(list) != 1 || list[0].UsesLeft != 0 {
		t.Fatalf("EnrollTokens = %+v, %v; want one token with 0 uses left", list, err)
	}
}

func TestEnrollTokenRefusals(t *testing.T) {
	tests := []struct {
		name string
		prep func(t *testing.T, s *Store, clk *clock, tok string, id string)
		tok  func(tok string) string
		want error
	}{
		{name: "valid", want: nil},
		{name: "expired", prep: func(t *testing.T, s *Store, clk *clock, _, _ string) { clk.Advance(2 * time.Hour) }, want: ErrForbidden},
		{name: "revoked", prep: func(t *testing.T, s *Store, _ *clock, _, id string) {
			if _, err := s.RevokeEnrollToken(ctx(t), id); err != nil {
				t.Fatal(err)
			}
		}, want: ErrForbidden},
		{name: "used up", prep: func(t *testing.T, s *Store, _ *clock, tok, _ string) {
			if _, err := s.Enroll(ctx(t), EnrollRequest{Hostname: "first", AgentSN: "sn-first", Token: tok}); err != nil {
				t.Fatal(err)
			}
		}, want: ErrForbidden},
		{name: "wrong secret", tok: func(tok string) string { return tok[:len(tok)-2] + "xx" }, want: ErrForbidden},
		{name: "no token", tok: func(string) string { return "" }, want: ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk := openStore(t)
			created, err := s.CreateEnrollToken(ctx(t), time.Hour, 1, "")
			if err != nil {
				t.Fatal(err)
			}
			if tt.prep != nil {
				tt.prep(t, s, clk, created.Token, created.ID)
			}
			tok := created.Token
			if tt.tok != nil {
				tok = tt.tok(tok)
			}
			e, err := s.Enroll(ctx(t), EnrollRequest{Hostname: "web", AgentSN: "sn-web", Token: tok})
			if !errors.Is(err, tt.want) || (err == nil && e.Credential == "") {
				t.Fatalf("Enroll = %+v, %v; want %v", e, err, tt.want)
			}
			if tt.want != nil && count(t, s, "hosts WHERE agentsn = 'sn-web'") != 0 {
				t.Fatal("a refused host was registered")
			}
		})
	}
}

func TestEnrollTokenTagsApplied(t *testing.T) {
	s, _ := openStore(t)
	tok, err := s.CreateEnrollToken(ctx(t), time.Hour, 2, "role=web,dc=par")
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Enroll(ctx(t), EnrollRequest{Hostname: "web", AgentSN: "sn-web", Token: tok.Token})
	if err != nil || e.Tags != "role=web,dc=par" {
		t.Fatalf("Enroll = %+v, %v; want the token's tags", e, err)
	}
}

func TestNeedsRenewal(t *testing.T) {
	tests := []struct {
		name                 string
		issued, expires, now int64
		want                 bool
	}{
		{name: "fresh", issued: 0, expires: 300, now: 0, want: false},
		{name: "two thirds in", issued: 0, expires: 300, now: 199, want: false},
		{name: "last third", issued: 0, expires: 300, now: 200, want: true},
		{name: "expired", issued: 0, expires: 300, now: 400, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := needsRenewal(tt.issued, tt.expires, tt.now); got != tt.want {
				t.Fatalf("needsRenewal(%d, %d, %d) = %v, want %v", tt.issued, tt.expires, tt.now, got, tt.want)
			}
		})
	}
}

func TestCredentialExpiryAndRenewal(t *testing.T) {
	s, clk := openStore(t)
	cred := enrolled(t, s, "web", "sn-web")
	hc, err := s.AuthenticateHost(ctx(t), cred)
	if err != nil || hc.AgentSN != "sn-web" {
		t.Fatalf("AuthenticateHost = %+v, %v", hc, err)
	}
	if hc.Expires-hc.Issued != int64(DefaultCredentialTTL/time.Second) {
		t.Fatalf("credential lasts %ds, want %s", hc.Expires-hc.Issued, DefaultCredentialTTL)
	}
	clk.Advance(21 * 24 * time.Hour)
	fresh, _, err := s.RenewCredential(ctx(t), hc)
	if err != nil || fresh == "" || fresh == cred {
		t.Fatalf("RenewCredential = %q, %v", fresh, err)
	}
	// Both work until the old one expires: a lost answer does not lock the host out.
	for _, c := range []string{cred, fresh} {
		if _, err := s.AuthenticateHost(ctx(t), c); err != nil {
			t.Fatalf("after renewal: %v", err)
		}
	}
	clk.Advance(10 * 24 * time.Hour)
	if _, err := s.AuthenticateHost(ctx(t), cred); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("expired credential: %v, want ErrUnauthorized", err)
	}
	if _, err := s.AuthenticateHost(ctx(t), fresh); err != nil {
		t.Fatalf("renewed credential: %v", err)
	}
}

func TestRevokeHost(t *testing.T) {
	s, _ := openStore(t)
	cred := enrolled(t, s, "web", "sn-web")
	j := addJob(t, s, installReq("sn-web", "A"))
	rv, err := s.RevokeHost(ctx(t), "web")
	if err != nil || rv.JobsCancelled != 1 || rv.AgentSN != "sn-web" {
		t.Fatalf("RevokeHost = %+v, %v", rv, err)
	}
	if _, err := s.AuthenticateHost(ctx(t), cred); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked host's credential: %v, want ErrUnauthorized", err)
	}
	if got := job(t, s, j.ID); got.State != "failed" {
		t.Fatalf("queued job of a revoked host: %+v", got)
	}
	tok, err := s.CreateEnrollToken(ctx(t), time.Hour, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enroll(ctx(t), EnrollRequest{Hostname: "web", AgentSN: "sn-web", Token: tok.Token}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("revoked host enrolling: %v, want ErrForbidden", err)
	}
	if _, err := s.UnrevokeHost(ctx(t), "sn-web"); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Enroll(ctx(t), EnrollRequest{Hostname: "web", AgentSN: "sn-web", Token: tok.Token}); err != nil || e.Credential == "" {
		t.Fatalf("unrevoked host enrolling with a new token: %+v, %v", e, err)
	}
}
