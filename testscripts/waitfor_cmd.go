package testscripts

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWaitfor polls a condition until it holds or the deadline passes
// (-t DURATION, default 15 s × $BOOTAGENT_TEST_SCALE). Conditions:
//
//	waitfor agent NAME FIELD REGEX   a field of the agent in `status --json` matches (REGEX "!RE": does not match)
//	waitfor noagent NAME             the agent is absent from status
//	waitfor status REGEX             the compact status JSON matches
//	waitfor file PATH [REGEX]        the file exists (and its content matches)
//	waitfor pidgone PIDFILE          the process whose pid is in PIDFILE no longer exists
//	waitfor daemonlog REGEX          $WORK/daemon.log matches
//	waitfor run REGEX PROG ARGS...   PROG's stdout matches (PROG from the script's PATH)
//	waitfor emptydir DIR             DIR holds no files (an outbox drained)
//	waitfor nodaemon                 nothing answers on the control socket
func cmdWaitfor(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("waitfor cannot be negated: wait for the opposite condition")
	}
	limit := deadline()
	if len(args) >= 2 && args[0] == "-t" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		limit, args = d, args[2:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: waitfor [-t DURATION] agent|noagent|status|file|pidgone|daemonlog|nodaemon ARGS...")
	}
	check := condition(ts, args)
	end := time.Now().Add(limit)
	var last string
	for {
		ok, got := check()
		if ok {
			return
		}
		if len(got) > 1500 {
			got = "…" + got[len(got)-1500:] // the end is where the news is
		}
		last = got
		if time.Now().After(end) {
			ts.Fatalf("waitfor %s: not true after %v; last seen: %s", strings.Join(args, " "), limit, last)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// condition returns a check that says whether args hold, and what it saw.
func condition(ts *testscript.TestScript, args []string) func() (bool, string) {
	need := func(n int) {
		if len(args) != n {
			ts.Fatalf("waitfor %s: want %d arguments", args[0], n-1)
		}
	}
	switch args[0] {
	case "agent":
		need(4)
		name, field, re := args[1], args[2], args[3]
		match := matcher(ts, re)
		return func() (bool, string) {
			a, ok, err := agentField(ts, name, field)
			if err != nil || !ok {
				return false, fmt.Sprintf("agent %s not in status (%v)", name, err)
			}
			return match(a), fmt.Sprintf("%s=%q", field, a)
		}
	case "noagent":
		need(2)
		return func() (bool, string) {
			_, ok, err := agentField(ts, args[1], "name")
			return err == nil && !ok, fmt.Sprintf("present=%v err=%v", ok, err)
		}
	case "status":
		need(2)
		match := matcher(ts, args[1])
		return func() (bool, string) {
			doc, err := status(ts)
			if err != nil {
				return false, err.Error()
			}
			b, _ := json.Marshal(doc)
			return match(string(b)), string(b)
		}
	case "file":
		if len(args) != 2 && len(args) != 3 {
			ts.Fatalf("usage: waitfor file PATH [REGEX]")
		}
		path := ts.MkAbs(args[1])
		match := func(string) bool { return true }
		if len(args) == 3 {
			match = matcher(ts, args[2])
		}
		return func() (bool, string) {
			b, err := os.ReadFile(path)
			if err != nil {
				return false, err.Error()
			}
			return match(string(b)), fmt.Sprintf("%q", b)
		}
	case "pidgone":
		need(2)
		path := ts.MkAbs(args[1])
		return func() (bool, string) {
			pid, err := readPid(path)
			if err != nil {
				return false, err.Error()
			}
			alive := processAlive(pid)
			return !alive, fmt.Sprintf("pid %d alive", pid)
		}
	case "daemonlog":
		need(2)
		match := matcher(ts, args[1])
		path := filepath.Join(ts.Getenv("WORK"), "daemon.log")
		return func() (bool, string) {
			b, _ := os.ReadFile(path)
			return match(string(b)), "daemon.log does not match"
		}
	case "run":
		if len(args) < 3 {
			ts.Fatalf("usage: waitfor run REGEX PROG [ARGS...]")
		}
		match := matcher(ts, args[1])
		bin := lookScriptPath(ts, args[2])
		return func() (bool, string) {
			cmd := exec.Command(bin, args[3:]...)
			cmd.Dir, cmd.Env = ts.Getenv("WORK"), scriptEnv(ts)
			out, err := cmd.Output()
			if err != nil {
				return false, fmt.Sprintf("%v: %s", err, out)
			}
			return match(string(out)), string(out)
		}
	case "emptydir":
		need(2)
		dir := ts.MkAbs(args[1])
		return func() (bool, string) {
			entries, err := os.ReadDir(dir)
			if err != nil {
				return false, err.Error()
			}
			var names []string
			for _, e := range entries {
				if !e.IsDir() {
					names = append(names, e.Name())
				}
			}
			return len(names) == 0, fmt.Sprintf("%s holds %v", dir, names)
		}
	case "nodaemon":
		need(1)
		return func() (bool, string) {
			_, err := status(ts)
			return err != nil, "daemon still answers"
		}
	}
	ts.Fatalf("waitfor: unknown condition %q", args[0])
	return nil
}

// matcher compiles REGEX, or "!REGEX" for "does not match".
func matcher(ts *testscript.TestScript, re string) func(string) bool {
	negate := strings.HasPrefix(re, "!")
	rx, err := regexp.Compile(strings.TrimPrefix(re, "!"))
	ts.Check(err)
	return func(s string) bool { return rx.MatchString(s) != negate }
}

func status(ts *testscript.TestScript) (api.StatusDoc, error) {
	cfg, err := desired.LoadConfig(ts.Getenv("BOOTAGENT_CONFIG"))
	if err != nil {
		return api.StatusDoc{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return api.NewControlClient(cfg.SocketPath()).Status(ctx)
}

// agentField returns one field of an agent's status as text (strings
// unquoted, other JSON values as written).
func agentField(ts *testscript.TestScript, name, field string) (string, bool, error) {
	doc, err := status(ts)
	if err != nil {
		return "", false, err
	}
	for _, a := range doc.Agents {
		if a.Name != name {
			continue
		}
		b, _ := json.Marshal(a)
		var m map[string]json.RawMessage
		json.Unmarshal(b, &m)
		raw, ok := m[field]
		if !ok {
			return "", true, nil
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, true, nil
		}
		return string(raw), true, nil
	}
	return "", false, nil
}

func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("%s: no pid in %q", path, b)
	}
	return pid, nil
}

// cmdCountlines: countlines FILE N — the file has exactly N lines.
func cmdCountlines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: countlines FILE N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	got := strings.Count(string(b), "\n")
	if (got == want) == neg {
		ts.Fatalf("%s has %d lines, want %s%d", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdAgentpid: agentpid NAME VAR — sets $VAR to the agent's current pid.
func cmdAgentpid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: agentpid NAME VAR")
	}
	pid, ok, err := agentField(ts, args[0], "pid")
	ts.Check(err)
	if !ok || pid == "0" {
		ts.Fatalf("agent %s has no pid", args[0])
	}
	ts.Setenv(args[1], pid)
}
