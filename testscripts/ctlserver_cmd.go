package testscripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bootagent/bootagent/api"
	"github.com/rogpeppe/go-internal/testscript"
)

// ctlServers are the running scriptable control servers, per script.
var (
	ctlMu      sync.Mutex
	ctlServers = map[string]*http.Server{}
)

// cmdCtlserver: ctlserver start DIR VAR | ctlserver stop — a scriptable
// control server (SPEC §7) on 127.0.0.1, driven by files in DIR:
//
//	requests.log     every request appended as "PATH BODY" (compact JSON)
//	answer.json      the next status answer (raw, may be garbage); renamed to
//	                 answer.json.sent once served, unless answer.keep exists
//	register.json    the register answer (default: the agent's own agentsn)
//	results.refuse   while it exists, job results get {"errcode":1}
//	results.503      while it exists, job results get HTTP 503 (server overloaded)
//	results.log      written by the server: one line per job result it accepted,
//	                 "accepted ID ERRCODE MESSAGE" the first time, "duplicate ..." after
//	jobs.json        a JSON array of jobs put in every status answer until the
//	                 server has accepted each one's result, as a real server does
//	                 (answer.json, when present, is served instead)
//
// start listens on DIR/addr if that file exists (a restart keeps the port),
// writes the address there and sets $VAR to the server's URL.
func cmdCtlserver(ts *testscript.TestScript, neg bool, args []string) {
	work := ts.Getenv("WORK")
	if neg || len(args) == 0 {
		ts.Fatalf("usage: ctlserver start DIR VAR | ctlserver stop")
	}
	switch {
	case args[0] == "stop" && len(args) == 1:
		ctlMu.Lock()
		srv := ctlServers[work]
		delete(ctlServers, work)
		ctlMu.Unlock()
		if srv == nil {
			ts.Fatalf("no control server running")
		}
		srv.Close()
	case args[0] == "start" && len(args) == 3:
		dir := ts.MkAbs(args[1])
		ts.Check(os.MkdirAll(dir, 0o755))
		addr := "127.0.0.1:0"
		if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil {
			addr = string(bytes.TrimSpace(b))
		}
		ln, err := net.Listen("tcp", addr)
		ts.Check(err)
		ts.Check(os.WriteFile(filepath.Join(dir, "addr"), []byte(ln.Addr().String()), 0o644))
		srv := &http.Server{Handler: ctlHandler(dir)}
		go srv.Serve(ln)
		ctlMu.Lock()
		ctlServers[work] = srv
		ctlMu.Unlock()
		ts.Defer(func() { srv.Close() })
		ts.Setenv(args[2], "http://"+ln.Addr().String())
	default:
		ts.Fatalf("usage: ctlserver start DIR VAR | ctlserver stop")
	}
}

// undelivered is a status answer with the jobs of path (a JSON array) that
// have no accepted result yet; none when path is missing or unreadable.
func undelivered(path string, accepted map[string]bool) []byte {
	var jobs []json.RawMessage
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &jobs)
	}
	out := []json.RawMessage{}
	for _, j := range jobs {
		var id struct {
			ID string `json:"id"`
		}
		json.Unmarshal(j, &id)
		if !accepted[id.ID] {
			out = append(out, j)
		}
	}
	b, _ := json.Marshal(map[string]any{"errcode": 0, "jobs": out})
	return b
}

// acceptedIDs reads the ids of results.log, so a restarted server knows the
// results it accepted before.
func acceptedIDs(path string) map[string]bool {
	ids := map[string]bool{}
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			ids[f[1]] = true
		}
	}
	return ids
}

func ctlHandler(dir string) http.Handler {
	var mu sync.Mutex                                          // one request at a time: the log stays in order
	accepted := acceptedIDs(filepath.Join(dir, "results.log")) // a restart remembers them
	file := func(name string) string { return filepath.Join(dir, name) }
	exists := func(name string) bool { _, err := os.Stat(file(name)); return err == nil }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		var compact bytes.Buffer
		if json.Compact(&compact, body) != nil {
			compact.Reset()
			compact.Write(bytes.ReplaceAll(body, []byte("\n"), []byte(" ")))
		}
		if f, err := os.OpenFile(file("requests.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s %s\n", r.URL.Path, compact.Bytes())
			f.Close()
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/agent/register":
			if b, err := os.ReadFile(file("register.json")); err == nil {
				w.Write(b)
				return
			}
			var req struct {
				AgentSN string `json:"agentsn"`
			}
			json.Unmarshal(body, &req)
			fmt.Fprintf(w, `{"status":0,"agentsn":%q,"tags":"env=test"}`, req.AgentSN)
		case "/agent/status":
			b, err := os.ReadFile(file("answer.json"))
			if err != nil {
				w.Write(undelivered(file("jobs.json"), accepted))
				return
			}
			if !exists("answer.keep") {
				os.Rename(file("answer.json"), file("answer.json.sent"))
			}
			w.Write(b)
		case "/agent/job/result":
			if exists("results.refuse") {
				io.WriteString(w, `{"errcode":1}`)
				return
			}
			if exists("results.503") {
				http.Error(w, "overloaded", http.StatusServiceUnavailable)
				return
			}
			var results []api.JobResult
			json.Unmarshal(body, &results)
			if f, err := os.OpenFile(file("results.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				for _, res := range results {
					verb := "accepted"
					if accepted[res.ID] {
						verb = "duplicate"
					}
					accepted[res.ID] = true
					fmt.Fprintf(f, "%s %s %d %s\n", verb, res.ID, res.Errcode, res.Message)
				}
				f.Close()
			}
			io.WriteString(w, `{"errcode":0}`)
		case "/agent/events":
			io.WriteString(w, `{"errcode":0}`)
		default:
			http.NotFound(w, r)
		}
	})
}
