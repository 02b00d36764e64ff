package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

const sum64 = "SHA256:4a34b8d7d3009bb9ef9475fbf33e7bbe4a1e8db003aefc578a241c2f51c2c2f2"

// startServer runs a real server on 127.0.0.1 over a fresh database, its
// admin.token written in the data directory env names, as serve does.
func startServer(t *testing.T) (url string, st *server.Store, env map[string]string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	st, err := server.Open(filepath.Join(dir, "bootserver.db"), server.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := server.EnsureAdminTokenFile(t.Context(), st, dir); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.New(st, log).Handler())
	t.Cleanup(func() { hs.Close(); st.Close() })
	return hs.URL, st, map[string]string{"BOOTSERVER_URL": hs.URL, "BOOTSERVER_DATA_DIR": dir}
}

// run runs the CLI with env as its whole environment.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &CLI{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	code = c.Run(t.Context(), args)
	return code, out.String(), errb.String()
}

// seed reports a host with agents, as an agent would.
func seed(t *testing.T, st *server.Store, hostname, agentsn string, events ...api.Event) {
	t.Helper()
	doc := &api.StatusDoc{Hostname: hostname, AgentSN: agentsn, Version: "bootagent-0.1.0-x86_64", Step: 60,
		Agents: []api.AgentStatus{
			{Name: "BasicAgent", Version: "1.2.3", Status: "running", Uptime: 125, Pid: 4242, Restarts: 1, Source: "server",
				Job: &api.JobState{ID: "j", Action: "upgrade", State: "done"}},
			{Name: "LogAgent", Version: "0.9", Status: "fatal", Message: "exit status 1\ngave up"},
		},
		Events: events}
	raw, _ := json.Marshal(doc)
	if _, err := st.Report(t.Context(), doc, raw, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
}

func TestHostsAndAgents(t *testing.T) {
	_, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")

	code, out, errs := run(t, env, "hosts")
	if code != 0 {
		t.Fatalf("hosts: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "AGENTSN") ||
		!slicesEqual(strings.Fields(lines[1])[:3], []string{"sn-17", "web-17", "-"}) || !strings.HasSuffix(lines[1], "2       yes   no") {
		t.Fatalf("hosts table:\n%s", out)
	}
	code, out, _ = run(t, env, "hosts", "--json")
	var hosts []api.HostInfo
	if code != 0 || json.Unmarshal([]byte(out), &hosts) != nil || len(hosts) != 1 || hosts[0].AgentCount != 2 {
		t.Fatalf("hosts --json: %d %s", code, out)
	}

	code, out, _ = run(t, env, "agents", "web-17")
	if code != 0 || !strings.Contains(out, "BasicAgent") || !strings.Contains(out, "4242") ||
		!strings.Contains(out, "upgrade:done") || !strings.Contains(out, "exit status 1 gave up") {
		t.Fatalf("agents table: %d\n%s", code, out)
	}
	code, out, _ = run(t, env, "agents", "--json", "sn-17")
	var agents []api.AgentInfo
	if code != 0 || json.Unmarshal([]byte(out), &agents) != nil || len(agents) != 2 || agents[1].Status != "fatal" {
		t.Fatalf("agents --json: %d %s", code, out)
	}

	code, _, errs = run(t, env, "agents", "nowhere")
	if code != 1 || !strings.Contains(errs, `unknown host "nowhere"`) {
		t.Fatalf("agents of an unknown host: %d %q", code, errs)
	}
}

func TestJobAddAndJobs(t *testing.T) {
	url, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")

	code, out, errs := run(t, map[string]string{"BOOTSERVER_DATA_DIR": env["BOOTSERVER_DATA_DIR"]}, "job", "add", "--server", url, "--host", "web-17", "--action", "install",
		"--name", "BasicAgent", "--url", "ftp://repo/BasicAgent-1.5.6.tgz", "--checksum", sum64,
		"--env", "PATH=/usr/bin", "--env", "MODE=fast", "--cpu", "10%", "--memory", "20M")
	if code != 0 {
		t.Fatalf("job add: %d %s", code, errs)
	}
	fields := strings.Fields(out)
	id := fields[len(fields)-1]
	if uuid.Validate(id) != nil {
		t.Fatalf("last word of %q is not a job id", out)
	}
	j, err := st.Job(t.Context(), id)
	if err != nil || !slices.Equal(j.EnvNames, []string{"MODE", "PATH"}) || j.Limits.CPU != "10%" || j.Limits.Memory != "20M" || j.Host != "sn-17" {
		t.Fatalf("stored job %+v, %v", j, err)
	}

	code, out, _ = run(t, env, "job", "add", "--json", "--host", "sn-17", "--action", "config", "--svrlist", "10.0.0.5:8600,", "--step", "30")
	var cfg api.JobInfo
	if code != 0 || json.Unmarshal([]byte(out), &cfg) != nil || cfg.Action != "config" || cfg.Step != 30 || cfg.State != "queued" {
		t.Fatalf("job add --json: %d %s", code, out)
	}

	// Deliver both and finish the install.
	raw, _ := json.Marshal(&api.StatusDoc{Hostname: "web-17", AgentSN: "sn-17"})
	if _, err := st.Report(t.Context(), &api.StatusDoc{Hostname: "web-17", AgentSN: "sn-17"}, raw, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.AddResults(t.Context(), []api.JobResult{{ID: id, Errcode: 0, Message: "running 1.5.6"}}, ""); err != nil {
		t.Fatal(err)
	}

	code, out, _ = run(t, env, "jobs")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("jobs: %d\n%s", code, out)
	}
	if f := strings.Fields(lines[1]); f[0] != id || f[1] != "web-17" || f[2] != "install" || f[4] != "succeeded" ||
		f[5] != "0" || f[6] != "1" || !strings.HasSuffix(lines[1], "running 1.5.6") {
		t.Fatalf("install row: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); f[0] != cfg.ID || f[3] != "-" || f[4] != "delivered" {
		t.Fatalf("config row: %q", lines[2])
	}
	code, out, _ = run(t, env, "jobs", "--json", "--host", "web-17", "--state", "succeeded")
	var jobs []api.JobInfo
	if code != 0 || json.Unmarshal([]byte(out), &jobs) != nil || len(jobs) != 1 || jobs[0].ID != id {
		t.Fatalf("jobs --json --state succeeded: %d %s", code, out)
	}
	code, out, _ = run(t, env, "job", "show", id)
	if code != 0 || !strings.Contains(out, "succeeded") || !strings.Contains(out, "ftp://repo/BasicAgent-1.5.6.tgz") ||
		!regexp.MustCompile(`(?m)^token +[0-9a-f]{12}$`).MatchString(out) {
		t.Fatalf("job show: %d\n%s", code, out)
	}
}

// job add passes SPEC §10's extensions: the signature (its text read from
// @FILE), user and group; an unreadable @FILE is a usage error naming it.
func TestJobAddSignatureUserGroup(t *testing.T) {
	_, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")
	sigFile := filepath.Join(t.TempDir(), "a.minisig")
	const sigText = "untrusted comment: signature\nRUQ...\ntrusted comment: t\nabc\n"
	if err := os.WriteFile(sigFile, []byte(sigText), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, env, "job", "add", "--json", "--host", "web-17", "--action", "upgrade", "--name", "BasicAgent",
		"--url", "https://repo/BasicAgent-1.5.7.tgz", "--checksum", sum64, "--signature", "@"+sigFile, "--user", "nobody", "--group", "nogroup")
	var up api.JobInfo
	if code != 0 || json.Unmarshal([]byte(out), &up) != nil {
		t.Fatalf("job add --signature/--user/--group: %d %s %s", code, out, errs)
	}
	if sj, err := st.Job(t.Context(), up.ID); err != nil || sj.Signature != sigText || sj.User != "nobody" || sj.Group != "nogroup" {
		t.Fatalf("stored job %+v, %v", sj, err)
	}
	if code, _, errs := run(t, env, "job", "add", "--host", "web-17", "--action", "upgrade", "--name", "BasicAgent",
		"--url", "https://repo/BasicAgent-1.5.7.tgz", "--checksum", sum64, "--signature", "@/nonexistent/a.minisig"); code != 2 ||
		!strings.Contains(errs, "/nonexistent/a.minisig") {
		t.Fatalf("job add --signature @missing: %d %s", code, errs)
	}

}

func TestEvents(t *testing.T) {
	_, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17", api.Event{Time: 1764170000, Agent: "LogAgent", Type: "fatal", Message: "gave up"})
	seed(t, st, "db-1", "sn-db", api.Event{Time: 1764170001, Agent: "BasicAgent", Type: "exited", Message: "exit status 2"})

	code, out, _ := run(t, env, "events")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[1], "2025-11-26T15:13:20Z  web-17  LogAgent    fatal   gave up") {
		t.Fatalf("events:\n%s", out)
	}
	code, out, _ = run(t, env, "events", "--json", "--host", "db-1")
	var evs []api.EventInfo
	if code != 0 || json.Unmarshal([]byte(out), &evs) != nil || len(evs) != 1 || evs[0].Type != "exited" {
		t.Fatalf("events --json --host db-1: %d %s", code, out)
	}
}

func TestTag(t *testing.T) {
	_, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")
	code, out, errs := run(t, env, "tag", "web-17", "service=ecs,component")
	if code != 0 || !strings.Contains(out, "service=ecs,component") {
		t.Fatalf("tag: %d %s %s", code, out, errs)
	}
	reg, err := st.Register(t.Context(), "web-17", "sn-17", "")
	if err != nil || reg.Tags != "service=ecs,component" {
		t.Fatalf("register after tag: %+v, %v", reg, err)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	_, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")
	before, _ := st.Jobs(t.Context(), server.JobFilter{})
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"no command", env, nil, 2, "usage"},
		{"unknown command", env, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag", env, []string{"hosts", "--colour"}, 2, "flag provided but not defined"},
		{"hosts argument", env, []string{"hosts", "web"}, 2, "takes no arguments"},
		{"agents no host", env, []string{"agents"}, 2, "one argument"},
		{"flag after argument", env, []string{"agents", "web-17", "--json"}, 2, "one argument"},
		{"job no subcommand", env, []string{"job"}, 2, "add, show or cancel"},
		{"job add no host", env, []string{"job", "add", "--action", "stop", "--name", "A"}, 2, "--host is required"},
		{"job add no action", env, []string{"job", "add", "--host", "web-17"}, 2, "--action is required"},
		{"job add bad env", env, []string{"job", "add", "--host", "web-17", "--action", "start", "--name", "A", "--env", "NOEQUALS"}, 2, "NAME=VALUE"},
		{"job add bad step", env, []string{"job", "add", "--host", "web-17", "--action", "config", "--step", "often"}, 2, "invalid value"},
		{"bad server URL", nil, []string{"hosts", "--server", "ftp://x"}, 2, "not http(s)://host:port"},
		{"bad action", env, []string{"job", "add", "--host", "web-17", "--action", "reboot", "--name", "A"}, 1, `unknown action "reboot"`},
		{"bad name", env, []string{"job", "add", "--host", "web-17", "--action", "stop", "--name", "../x"}, 1, "invalid"},
		{"missing checksum", env, []string{"job", "add", "--host", "web-17", "--action", "install", "--name", "A", "--url", "http://r/a.tgz"}, 1, "needs a checksum"},
		{"unknown host", env, []string{"job", "add", "--host", "nowhere", "--action", "stop", "--name", "A"}, 1, `unknown host "nowhere"`},
		{"bad limit", env, []string{"jobs", "--limit", "0", "--state", "bogus"}, 1, "state"},
		{"job show unknown", env, []string{"job", "show", "nope"}, 1, "unknown job"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, c.env, c.args...)
			if code != c.code || !strings.Contains(errs, c.msg) {
				t.Fatalf("exit %d, stderr %q; want %d with %q", code, errs, c.code, c.msg)
			}
		})
	}
	if after, _ := st.Jobs(t.Context(), server.JobFilter{}); len(after) != len(before) {
		t.Fatalf("failed commands queued %d jobs", len(after)-len(before))
	}
}

func TestServerUnreachable(t *testing.T) {
	url, _, env := startServer(t)
	dead := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	env["BOOTSERVER_URL"] = dead
	code, _, errs := run(t, env, "hosts")
	if code != 1 || !strings.Contains(errs, "cannot reach bootserver at "+dead) {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	// --server wins over $BOOTSERVER_URL.
	if code, _, errs := run(t, env, "hosts", "--server", url); code != 0 {
		t.Fatalf("--server %s: exit %d %s", url, code, errs)
	}
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "srv.db")
	srv := startServe(t, "--db", db)
	url := "https://" + srv.addr // HTTPS by default (SPEC §10)
	// First start wrote the admin token next to the database, 0600.
	if fi, err := os.Stat(filepath.Join(dir, "admin.token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token after serve: %v, %v", fi, err)
	}
	if code, _, errs := run(t, nil, "job", "add", "--server", url, "--data-dir", dir, "--host", "x", "--action", "stop", "--name", "A"); code != 1 ||
		!strings.Contains(errs, "unknown host") {
		t.Fatalf("job add against serve: %d %s", code, errs)
	}
	logs := srv.stop(t)
	for _, want := range []string{"bootserver listening", "bootserver stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("serve log lacks %q:\n%s", want, logs)
		}
	}
	if code, _, errs := run(t, nil, "serve", "--db", db, "--listen", "127.0.0.1:0", "extra"); code != 2 {
		t.Fatalf("serve with an argument: %d %s", code, errs)
	}
}

// serving is one `bootserver serve` run in-process.
type serving struct {
	addr   string
	cancel context.CancelFunc
	done   chan int
	stderr *syncWriter
	buf    *bytes.Buffer
}

// startServe runs serve with args on 127.0.0.1:0 and waits for its address.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(t.Context())
	s := &serving{cancel: cancel, done: make(chan int, 1), buf: &bytes.Buffer{}}
	s.stderr = &syncWriter{w: s.buf}
	go func() {
		c := &CLI{Stdout: io.Discard, Stderr: s.stderr, Getenv: func(string) string { return "" }}
		s.done <- c.Run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile}, args...))
	}()
	t.Cleanup(func() { cancel(); <-s.done })
	waitFor(t, "the address file", func() bool {
		b, _ := os.ReadFile(addrFile)
		s.addr = strings.TrimSpace(string(b))
		select {
		case code := <-s.done:
			s.done <- code
			t.Fatalf("serve exited %d before listening: %s", code, s.logs())
		default:
		}
		return s.addr != ""
	})
	return s
}

func (s *serving) logs() string {
	s.stderr.mu.Lock()
	defer s.stderr.mu.Unlock()
	return s.buf.String()
}

// stop ends serve, checks it exited 0 and returns its log.
func (s *serving) stop(t *testing.T) string {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, s.logs())
		}
	case <-time.After(testdeadline.Scale(20 * time.Second)):
		t.Fatal("serve did not stop")
	}
	return s.logs()
}

// freePort is a port nothing listens on (any more).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond until it holds or the deadline (scaled by
// $BOOTAGENT_TEST_SCALE) passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testdeadline.Scale(10 * time.Second))
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncWriter lets the serving goroutine log while the test reads.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }
