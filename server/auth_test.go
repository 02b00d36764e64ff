package server

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/testlog"
)

func TestTokenID(t *testing.T) {
	for _, c := range []struct {
		name, tok, id string
		ok            bool
	}{
		{"well formed", "bsa_0123456789ab_c2VjcmV0", "0123456789ab", true},
		{"no prefix", "0123456789ab_c2VjcmV0", "", false},
		{"other prefix", "bsx_0123456789ab_c2VjcmV0", "", false},
		{"no secret", "bsa_0123456789ab_", "", false},
		{"no separator", "bsa_0123456789abc2VjcmV0", "", false},
		{"short id", "bsa_0123_c2VjcmV0", "", false},
		{"id not hex", "bsa_0123456789zz_c2VjcmV0", "", false},
		{"id upper case", "bsa_0123456789AB_c2VjcmV0", "", false},
		{"empty", "", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, ok := tokenID(c.tok)
			if id != c.id || ok != c.ok {
				t.Fatalf("tokenID(%q) = %q, %v; want %q, %v", c.tok, id, ok, c.id, c.ok)
			}
		})
	}
}

func TestNewTokenIsRandomAndParses(t *testing.T) {
	id1, tok1, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	id2, tok2, _ := newToken()
	if id1 == id2 || tok1 == tok2 {
		t.Fatalf("two tokens alike: %s %s", id1, id2)
	}
	if got, ok := tokenID(tok1); !ok || got != id1 {
		t.Fatalf("tokenID of a new token = %q, %v; want %q", got, ok, id1)
	}
	// 32 random bytes of secret: at least 128 bits.
	if secret := tokenSecret(tok1); len(secret) < 43 {
		t.Fatalf("secret %d characters long", len(secret))
	}
}

func TestTokenMatches(t *testing.T) {
	tok := "bsa_0123456789ab_c2VjcmV0"
	stored := hashToken(tok)
	for _, c := range []struct {
		name   string
		stored []byte
		tok    string
		want   bool
	}{
		{"same token", stored, tok, true},
		{"last character differs", stored, tok[:len(tok)-1] + "1", false},
		{"first character differs", stored, "c" + tok[1:], false},
		{"prefix of it", stored, tok[:10], false},
		{"empty stored hash", nil, tok, false},
		{"short stored hash", stored[:16], tok, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := tokenMatches(c.stored, c.tok); got != c.want {
				t.Fatalf("tokenMatches = %v, want %v", got, c.want)
			}
		})
	}
}

func TestRoleAllows(t *testing.T) {
	for _, c := range []struct {
		name, have, need string
		want             bool
	}{
		{"read lists", "read", "read", true},
		{"read changes", "read", "admin", false},
		{"admin lists", "admin", "read", true},
		{"admin changes", "admin", "admin", true},
		{"unknown role", "root", "read", false},
		{"unknown need", "admin", "root", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := roleAllows(c.have, c.need); got != c.want {
				t.Fatalf("roleAllows(%s, %s) = %v", c.have, c.need, got)
			}
		})
	}
}

// jobCount counts the jobs stored.
func jobCount(t *testing.T, ts *testServer) int { return count(t, ts.Store, "jobs") }

func TestAdminRequestsNeedAToken(t *testing.T) {
	ts := newTestServer(t)
	register(t, ts.Store, "web-17", "sn-17")
	revoked := adminToken(t, ts.Store, api.RoleAdmin)
	if _, err := ts.RevokeAdminToken(ctx(t), revoked.ID); err != nil {
		t.Fatal(err)
	}
	// The right id with another secret of the same length: the hash
	// comparison, not the id lookup, refuses it.
	wrongSecret := ts.token[:len(ts.token)-4] + "AAAA"
	if wrongSecret == ts.token {
		wrongSecret = ts.token[:len(ts.token)-4] + "BBBB"
	}
	job := mustJSON(t, installReq("web-17", "BasicAgent"))
	for _, c := range []struct {
		name, auth, method, path string
		body                     []byte
		msg                      string
	}{
		{"no token, list hosts", "", "GET", api.PathAdminHosts, nil, "no admin token"},
		{"no token, queue job", "", "POST", api.PathAdminJobs, job, "no admin token"},
		{"no token, list tokens", "", "GET", api.PathAdminTokens, nil, "no admin token"},
		{"basic auth", "Basic YWRtaW46YWRtaW4=", "GET", api.PathAdminJobs, nil, "not \"Bearer"},
		{"empty bearer", "Bearer ", "GET", api.PathAdminJobs, nil, "not \"Bearer"},
		{"not a token", "Bearer hunter2", "POST", api.PathAdminJobs, job, "not a bootserver admin token"},
		{"unknown token", "Bearer bsa_0123456789ab_c2VjcmV0c2VjcmV0", "POST", api.PathAdminJobs, job, "unknown admin token"},
		{"wrong secret", "Bearer " + wrongSecret, "POST", api.PathAdminJobs, job, "unknown admin token"},
		{"revoked token", "Bearer " + revoked.Token, "POST", api.PathAdminJobs, job, "is revoked"},
		{"revoked token, list", "Bearer " + revoked.Token, "GET", api.PathAdminEvents, nil, "is revoked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(ctx(t), c.method, c.path, bytes.NewReader(c.body))
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			w := httptest.NewRecorder()
			New(ts.Store, testLogger(t)).Handler().ServeHTTP(w, req)
			var e api.AdminError
			if w.Code != 401 || json.Unmarshal(w.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, c.msg) {
				t.Fatalf("%s %s: %d %s; want 401 with %q", c.method, c.path, w.Code, w.Body, c.msg)
			}
			if w.Header().Get("WWW-Authenticate") == "" || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("401 headers: %v", w.Header())
			}
		})
	}
	if n := jobCount(t, ts); n != 0 {
		t.Fatalf("refused requests queued %d jobs", n)
	}
	// Over a real connection from loopback, too: no exemption.
	if code, b := ts.doAs(t, "", "GET", api.PathAdminHosts, nil); code != 401 {
		t.Fatalf("loopback without a token: %d %s", code, b)
	}
}

func TestReadTokenCannotChangeAnything(t *testing.T) {
	ts := newTestServer(t)
	register(t, ts.Store, "web-17", "sn-17")
	read := adminToken(t, ts.Store, api.RoleRead)
	for _, c := range []struct {
		name, method, path string
		body               []byte
	}{
		{"queue a job", "POST", api.PathAdminJobs, mustJSON(t, installReq("web-17", "BasicAgent"))},
		{"set tags", "PUT", api.PathAdminHosts + "/web-17/tags", []byte(`{"tags":"x=1"}`)},
		{"list tokens", "GET", api.PathAdminTokens, nil},
		{"create a token", "POST", api.PathAdminTokens, []byte(`{"role":"admin"}`)},
		{"revoke a token", "POST", api.PathAdminTokens + "/" + read.ID + "/revoke", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, b := ts.doAs(t, read.Token, c.method, c.path, c.body)
			var e api.AdminError
			if code != 403 || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, "has role read") {
				t.Fatalf("%s %s with a read token: %d %s; want 403", c.method, c.path, code, b)
			}
		})
	}
	if n := jobCount(t, ts); n != 0 {
		t.Fatalf("a read token queued %d jobs", n)
	}
	toks, _ := ts.AdminTokens(ctx(t))
	if len(toks) != 2 || toks[1].Revoked != 0 {
		t.Fatalf("tokens after read-token attempts: %+v", toks)
	}
	if h, _ := ts.Host(ctx(t), "web-17"); h.Tags != "" {
		t.Fatalf("a read token set tags %q", h.Tags)
	}
	// What read may do: list.
	for _, p := range []string{api.PathAdminHosts, api.PathAdminJobs, api.PathAdminEvents, api.PathAdminHosts + "/web-17"} {
		if code, b := ts.doAs(t, read.Token, "GET", p, nil); code != 200 {
			t.Fatalf("GET %s with a read token: %d %s", p, code, b)
		}
	}
}

func TestAdminTokenQueuesJobRecordingItsID(t *testing.T) {
	ts := newTestServer(t)
	register(t, ts.Store, "web-17", "sn-17")
	id, _ := tokenID(ts.token)
	var j api.JobInfo
	ts.call(t, "POST", api.PathAdminJobs, installReq("web-17", "BasicAgent"), 201, &j)
	if j.TokenID != id {
		t.Fatalf("answer token_id %q, want %q", j.TokenID, id)
	}
	code, b := ts.do(t, "GET", api.PathAdminJobs, nil)
	if code != 200 || !strings.Contains(string(b), `"token_id":"`+id+`"`) {
		t.Fatalf("GET jobs: %d %s", code, b)
	}
	if got := job(t, ts.Store, j.ID); got.TokenID != id {
		t.Fatalf("stored job token_id %q, want %q", got.TokenID, id)
	}
}

func TestTokenManagementOverHTTP(t *testing.T) {
	ts := newTestServer(t)
	var created api.AdminTokenCreated
	ts.call(t, "POST", api.PathAdminTokens, api.AdminTokenRequest{Role: "read"}, 201, &created)
	if created.Role != "read" || !strings.HasPrefix(created.Token, "bsa_"+created.ID+"_") {
		t.Fatalf("created %+v", created.AdminTokenInfo)
	}
	if code, b := ts.doAs(t, created.Token, "GET", api.PathAdminJobs, nil); code != 200 {
		t.Fatalf("new read token: %d %s", code, b)
	}
	code, b := ts.do(t, "GET", api.PathAdminTokens, nil)
	if code != 200 || strings.Contains(string(b), created.Token) || strings.Contains(string(b), "hash") {
		t.Fatalf("token list: %d %s", code, b)
	}
	var list []api.AdminTokenInfo
	json.Unmarshal(b, &list)
	if len(list) != 2 || list[1].ID != created.ID {
		t.Fatalf("token list %+v", list)
	}
	var rev api.AdminTokenInfo
	ts.call(t, "POST", api.PathAdminTokens+"/"+created.ID+"/revoke", nil, 200, &rev)
	if rev.Revoked == 0 {
		t.Fatalf("revoke answer %+v", rev)
	}
	if code, b := ts.doAs(t, created.Token, "GET", api.PathAdminJobs, nil); code != 401 {
		t.Fatalf("revoked token: %d %s", code, b)
	}
	ts.call(t, "POST", api.PathAdminTokens+"/nope/revoke", nil, 404, nil)
	ts.call(t, "POST", api.PathAdminTokens, api.AdminTokenRequest{Role: "root"}, 400, nil)
}

func TestTokensNeverLogged(t *testing.T) {
	var logs testlog.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, _ := openStore(t)
	s.log = log
	hs := httptest.NewServer(New(s, log).Handler())
	t.Cleanup(hs.Close)
	first := adminToken(t, s, api.RoleAdmin)
	ts := &testServer{Store: s, url: hs.URL, token: first.Token}
	register(t, s, "web-17", "sn-17")

	var created api.AdminTokenCreated
	ts.call(t, "POST", api.PathAdminTokens, api.AdminTokenRequest{Role: "read"}, 201, &created)
	ts.doAs(t, created.Token, "POST", api.PathAdminJobs, mustJSON(t, installReq("web-17", "A"))) // 403
	ts.call(t, "POST", api.PathAdminJobs, installReq("web-17", "A"), 201, nil)
	ts.call(t, "POST", api.PathAdminTokens+"/"+created.ID+"/revoke", nil, 200, nil)
	ts.doAs(t, created.Token, "GET", api.PathAdminJobs, nil)                         // 401 revoked
	ts.doAs(t, first.Token[:len(first.Token)-2]+"xx", "GET", api.PathAdminJobs, nil) // 401 wrong secret
	ts.doAs(t, "hunter2-not-a-token", "GET", api.PathAdminJobs, nil)                 // 401 malformed

	out := logs.String()
	if !strings.Contains(out, created.ID) || !strings.Contains(out, "admin request refused") {
		t.Fatalf("the log does not show the token ids and refusals at all:\n%s", out)
	}
	for _, tok := range []string{first.Token, created.Token} {
		secret := tokenSecret(tok)
		for _, leak := range []string{secret, secret[:16], hex.EncodeToString(hashToken(tok)), "hunter2"} {
			if strings.Contains(out, leak) {
				t.Fatalf("the log holds a secret %q:\n%s", leak, out)
			}
		}
	}
}

func TestEnsureAdminTokenFile(t *testing.T) {
	s, _ := openStore(t)
	dir := filepath.Join(t.TempDir(), "data")
	if err := EnsureAdminTokenFile(ctx(t), s, dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, AdminTokenFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token: %v, %v; want mode 0600", fi, err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("data directory mode %v, want 0700", di.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	who, err := s.Authenticate(ctx(t), strings.TrimSpace(string(b)))
	if err != nil || who.Role != api.RoleAdmin {
		t.Fatalf("admin.token authenticates as %+v, %v", who, err)
	}
	// A second start keeps the file and mints nothing.
	if err := EnsureAdminTokenFile(ctx(t), s, dir); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(path)
	toks, _ := s.AdminTokens(ctx(t))
	if !bytes.Equal(b, again) || len(toks) != 1 {
		t.Fatalf("second start: file changed %v, %d tokens", !bytes.Equal(b, again), len(toks))
	}
}

// tokenSecret is the secret part of a token (which may itself hold '_').
func tokenSecret(tok string) string { return tok[len(tokenPrefix)+2*tokenIDBytes+1:] }
