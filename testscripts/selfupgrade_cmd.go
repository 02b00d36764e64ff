package testscripts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSelfbin: selfbin DST [MARK] — copies the bootagent under test (the
// one in the script's PATH) to DST, mode 0755, with MARK appended when
// given: the same program with another sha256, as a new release would
// be (bytes after an ELF's sections are never loaded).
func cmdSelfbin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: selfbin DST [MARK]")
	}
	b, err := os.ReadFile(lookScriptPath(ts, "bootagent"))
	ts.Check(err)
	if len(args) == 2 {
		b = append(b, []byte("\nbootagent-test-mark "+args[1]+"\n")...)
	}
	dst := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dirOf(dst), 0o755))
	ts.Check(os.WriteFile(dst, b, 0o755))
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "."
}

// cmdSha256: sha256 FILE VAR — sets $VAR to SHA256:<hex> of FILE.
func cmdSha256(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sha256 FILE VAR")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	sum := sha256.Sum256(b)
	ts.Setenv(args[1], "SHA256:"+hex.EncodeToString(sum[:]))
}

// cmdAgentpids: agentpids FILE N — waits until the daemon shows N agents,
// all running, and writes their "name pid" lines, sorted, to FILE (to
// compare before and after with cmp: no agent restarted).
func cmdAgentpids(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: agentpids FILE N")
	}
	var n int
	_, err := fmt.Sscan(args[1], &n)
	ts.Check(err)
	end := time.Now().Add(deadline())
	last := ""
	for {
		doc, err := status(ts)
		var lines []string
		if err == nil {
			for _, a := range doc.Agents {
				if a.Status == "running" && a.Pid > 0 {
					lines = append(lines, fmt.Sprintf("%s %d", a.Name, a.Pid))
				}
			}
			last = fmt.Sprintf("%d of %d agents running", len(lines), len(doc.Agents))
		} else {
			last = err.Error()
		}
		if err == nil && len(lines) == n && len(doc.Agents) == n {
			sort.Strings(lines)
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
			return
		}
		if time.Now().After(end) {
			ts.Fatalf("agentpids: not %d agents running after %v: %s", n, deadline(), last)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// stopStrayDaemon stops, with its agents, a daemon the script did not
// start itself and left running (failed half-way): one that a self-upgrade
// guard started again after a broken binary.
func stopStrayDaemon(env *testscript.Env) {
	cfg, err := desired.LoadConfig(env.Getenv("BOOTAGENT_CONFIG"))
	if err != nil {
		return
	}
	c := api.NewControlClient(cfg.SocketPath())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c.Shutdown(ctx, true) != nil {
		return
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if _, err := c.Status(ctx); err != nil {
			return
		}
	}
}
