package daemon

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/statedir"
)

// TestCredentialStoredPrivateAndRenewed: the register answer's credential
// is stored 0600 and sent as Bearer; a status answer's renewed one
// replaces it. The server is plain http: the enrollment token never goes.
func TestCredentialStoredPrivateAndRenewed(t *testing.T) {
	var statuses atomic.Int64
	srv := newTestServer(t, func(path, body string) (int, string, http.Header) {
		switch path {
		case api.PathRegister:
			return 200, `{"status":0,"agentsn":"","tags":"","credential":"bsh_aaaaaaaaaaaa_first"}`, nil
		case api.PathStatus:
			if statuses.Add(1) == 1 {
				return 200, `{"errcode":0,"jobs":[],"credential":"bsh_bbbbbbbbbbbb_renewed"}`, nil
			}
			return 200, `{"errcode":0,"jobs":[{"id":"cfg-1","action":"config","step":1}]}`, nil
		}
		return 200, `{"errcode":0}`, nil
	})
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "enroll.token")
	if err := os.WriteFile(tokFile, []byte("bse_0123456789ab_secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := newTestDaemon(t, fmt.Sprintf("state_dir: $DIR/state\ndesired_dir: $DIR/agents.d\nservers: [%q]\nstep: 1s\nenroll_token_file: %s\n", srv.URL, tokFile))
	runTestDaemon(t, d)
	credFile := statedir.Credential(d.cfg.StateDir)
	waitFor(t, "a status report with the renewed credential", func() bool {
		for _, r := range srv.requests(api.PathStatus) {
			if r.auth == "Bearer bsh_bbbbbbbbbbbb_renewed" {
				return true
			}
		}
		return false
	})
	b, err := os.ReadFile(credFile)
	if err != nil || strings.TrimSpace(string(b)) != "bsh_bbbbbbbbbbbb_renewed" {
		t.Fatalf("%s = %q, %v; want the renewed credential", credFile, b, err)
	}
	if fi, err := os.Stat(credFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v, %v; want 0600", credFile, fi.Mode().Perm(), err)
	}
	if st := srv.requests(api.PathStatus); st[0].auth != "Bearer bsh_aaaaaaaaaaaa_first" {
		t.Fatalf("first status sent Authorization %q", st[0].auth)
	}
	for _, r := range srv.requests(api.PathRegister) {
		if strings.Contains(r.body, "bse_") || r.auth != "" {
			t.Fatalf("register over plain http carried a secret: %q (auth %q)", r.body, r.auth)
		}
	}
}

// TestRefusedCredentialReRegistersWithBackoff: a status answered 401 (a
// revoked host) drops the credential and registers again; refused
// registers are retried, each wait longer than the one before.
func TestRefusedCredentialReRegistersWithBackoff(t *testing.T) {
	var registers atomic.Int64
	srv := newTestServer(t, func(path, body string) (int, string, http.Header) {
		switch path {
		case api.PathRegister:
			if registers.Add(1) == 1 {
				return 200, `{"status":0,"agentsn":"","tags":"","credential":"bsh_aaaaaaaaaaaa_first"}`, nil
			}
			return 403, `{"status":1,"errcode":1,"error":"forbidden: host revoked"}`, nil
		case api.PathStatus:
			return 401, `{"errcode":1,"error":"unauthorized: unknown host credential"}`, nil
		}
		return 200, `{"errcode":0}`, nil
	})
	d := newTestDaemon(t, fmt.Sprintf("state_dir: $DIR/state\ndesired_dir: $DIR/agents.d\nservers: [%q]\nstep: 1h\n", srv.URL))
	runTestDaemon(t, d)
	waitFor(t, "three refused registers after the 401", func() bool { return len(srv.requests(api.PathRegister)) >= 4 })
	regs := srv.requests(api.PathRegister)
	if regs[1].auth != "" {
		t.Fatalf("register after a 401 still sent the refused credential: %q", regs[1].auth)
	}
	if g1, g2 := regs[2].at.Sub(regs[1].at), regs[3].at.Sub(regs[2].at); g2 <= g1 {
		t.Fatalf("retry gaps %s then %s: want backoff", g1, g2)
	}
	if _, err := os.Stat(statedir.Credential(d.cfg.StateDir)); !os.IsNotExist(err) {
		t.Fatalf("refused credential still stored: %v", err)
	}
	if n := len(srv.requests(api.PathStatus)); n != 1 {
		t.Fatalf("%d status reports, want 1 (then register again)", n)
	}
}
