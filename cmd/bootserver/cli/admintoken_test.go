package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

func TestTokenSource(t *testing.T) {
	for _, c := range []struct {
		name                             string
		tokenFile, envToken, dir, envDir string
		wantFile, wantToken              string
		wantFromFlag                     bool
	}{
		{"--token-file first", "/f", "tok", "/d", "/e", "/f", "", true},
		{"then $BOOTSERVER_TOKEN", "", "tok", "/d", "/e", "", "tok", false},
		{"then --data-dir", "", "", "/d", "/e", "/d/admin.token", "", false},
		{"then $BOOTSERVER_DATA_DIR", "", "", "", "/e", "/e/admin.token", "", false},
		{"else the server's default", "", "", "", "", "admin.token", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			file, tok, fromFlag := tokenSource(c.tokenFile, c.envToken, c.dir, c.envDir)
			if file != c.wantFile || tok != c.wantToken || fromFlag != c.wantFromFlag {
				t.Fatalf("tokenSource = %q, %q, %v; want %q, %q, %v", file, tok, fromFlag, c.wantFile, c.wantToken, c.wantFromFlag)
			}
		})
	}
}

// writeToken puts tok in dir/name and returns the path.
func writeToken(t *testing.T, dir, name, tok string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTokenLookupOrder(t *testing.T) {
	url, st, _ := startServer(t)
	seed(t, st, "web-17", "sn-17")
	mint := func() api.AdminTokenCreated {
		tok, err := st.CreateAdminToken(t.Context(), api.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	flagDir, envDir, files := t.TempDir(), t.TempDir(), t.TempDir()
	inFlagDir, inEnvDir, inEnv, inFile := mint(), mint(), mint(), mint()
	writeToken(t, flagDir, "admin.token", inFlagDir.Token)
	writeToken(t, envDir, "admin.token", inEnvDir.Token)
	tokenFile := writeToken(t, files, "op.token", inFile.Token)

	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string // the token id the job records
	}{
		{"--token-file wins", map[string]string{"BOOTSERVER_TOKEN": inEnv.Token, "BOOTSERVER_DATA_DIR": envDir},
			[]string{"--token-file", tokenFile, "--data-dir", flagDir}, inFile.ID},
		{"$BOOTSERVER_TOKEN before the data directory", map[string]string{"BOOTSERVER_TOKEN": inEnv.Token, "BOOTSERVER_DATA_DIR": envDir},
			[]string{"--data-dir", flagDir}, inEnv.ID},
		{"--data-dir before $BOOTSERVER_DATA_DIR", map[string]string{"BOOTSERVER_DATA_DIR": envDir},
			[]string{"--data-dir", flagDir}, inFlagDir.ID},
		{"$BOOTSERVER_DATA_DIR", map[string]string{"BOOTSERVER_DATA_DIR": envDir}, nil, inEnvDir.ID},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"job", "add", "--json", "--server", url}, c.args...)
			args = append(args, "--host", "web-17", "--action", "restart", "--name", "A")
			code, out, errs := run(t, c.env, args...)
			var j api.JobInfo
			if code != 0 || json.Unmarshal([]byte(out), &j) != nil {
				t.Fatalf("job add: %d %s %s", code, out, errs)
			}
			if j.TokenID != c.want {
				t.Fatalf("job made with token %s, want %s", j.TokenID, c.want)
			}
		})
	}

	// Nothing found: a failure naming where it looked, never a usage error.
	code, _, errs := run(t, nil, "jobs", "--server", url, "--data-dir", t.TempDir())
	if code != 1 || !strings.Contains(errs, "no admin token") || !strings.Contains(errs, "admin.token does not exist") {
		t.Fatalf("no token anywhere: %d %q", code, errs)
	}
	code, _, errs = run(t, nil, "jobs", "--server", url, "--token-file", filepath.Join(files, "missing"))
	if code != 1 || !strings.Contains(errs, "no admin token") {
		t.Fatalf("--token-file missing: %d %q", code, errs)
	}
}

func TestAdminTokenCommands(t *testing.T) {
	_, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")

	code, out, errs := run(t, env, "admin-token", "create", "--role", "read")
	f := strings.Fields(out)
	if code != 0 || len(f) == 0 || !strings.HasPrefix(f[len(f)-1], "bsa_") {
		t.Fatalf("admin-token create: %d %q %s", code, out, errs)
	}
	readTok := f[len(f)-1]
	readID := strings.SplitN(readTok, "_", 3)[1]

	code, out, _ = run(t, env, "admin-token", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || strings.Contains(out, "bsa_") {
		t.Fatalf("admin-token list: %d\n%s", code, out)
	}
	if r := strings.Fields(lines[2]); r[0] != readID || r[1] != "read" || r[3] != "-" {
		t.Fatalf("read token row %q", lines[2])
	}
	code, out, _ = run(t, env, "admin-token", "list", "--json")
	if code != 0 || strings.Contains(out, `"token"`) || strings.Contains(out, readTok) {
		t.Fatalf("admin-token list --json: %d %s", code, out)
	}

	// The read token lists but cannot queue a job.
	readEnv := map[string]string{"BOOTSERVER_URL": env["BOOTSERVER_URL"], "BOOTSERVER_TOKEN": readTok}
	if code, _, errs := run(t, readEnv, "jobs"); code != 0 {
		t.Fatalf("jobs with a read token: %d %s", code, errs)
	}
	code, _, errs = run(t, readEnv, "job", "add", "--host", "web-17", "--action", "restart", "--name", "A")
	if code != 1 || !strings.Contains(errs, "has role read") || strings.Contains(errs, readTok) {
		t.Fatalf("job add with a read token: %d %q", code, errs)
	}

	code, out, errs = run(t, env, "admin-token", "revoke", readID)
	if code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("admin-token revoke: %d %s %s", code, out, errs)
	}
	code, _, errs = run(t, readEnv, "jobs")
	if code != 1 || !strings.Contains(errs, "revoked") || strings.Contains(errs, readTok) {
		t.Fatalf("jobs with a revoked token: %d %q", code, errs)
	}
	_, out, _ = run(t, env, "admin-token", "list")
	if r := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[2]); r[3] == "-" {
		t.Fatalf("revoked token listed as %q", r)
	}
	if jobs, _ := st.Jobs(t.Context(), server.JobFilter{}); len(jobs) != 0 {
		t.Fatalf("%d jobs queued", len(jobs))
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"create without role", []string{"admin-token", "create"}, 2, "--role must be read or admin"},
		{"create bad role", []string{"admin-token", "create", "--role", "root"}, 2, "--role must be read or admin"},
		{"revoke no id", []string{"admin-token", "revoke"}, 2, "one argument"},
		{"revoke unknown", []string{"admin-token", "revoke", "nope"}, 1, "unknown admin token"},
		{"no subcommand", []string{"admin-token"}, 2, "create, list or revoke"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, env, c.args...)
			if code != c.code || !strings.Contains(errs, c.msg) {
				t.Fatalf("exit %d, stderr %q; want %d with %q", code, errs, c.code, c.msg)
			}
		})
	}
}
