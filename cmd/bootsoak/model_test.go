package main

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestApplyJob(t *testing.T) {
	running := srvModel{present: true, running: true, version: "1.0"}
	stopped := srvModel{present: true, version: "1.0"}
	tests := []struct {
		name          string
		m             srvModel
		action, ver   string
		want          srvModel
		wantSucceeded bool
	}{
		{name: "install", m: srvModel{}, action: "install", ver: "2.0", want: srvModel{present: true, running: true, version: "2.0"}, wantSucceeded: true},
		{name: "good upgrade", m: running, action: "upgrade", ver: "3.0", want: srvModel{present: true, running: true, version: "3.0"}, wantSucceeded: true},
		{name: "bad upgrade rolls back", m: running, action: "upgrade", ver: "4.0", want: srvModel{present: true, running: true, version: "1.0", degraded: true}},
		{name: "upgrade of a stopped agent keeps it stopped", m: stopped, action: "upgrade", ver: "2.0", want: srvModel{present: true, version: "2.0"}, wantSucceeded: true},
		{name: "good upgrade clears degraded", m: srvModel{present: true, running: true, version: "1.0", degraded: true}, action: "upgrade", ver: "2.0", want: srvModel{present: true, running: true, version: "2.0"}, wantSucceeded: true},
		{name: "stop", m: running, action: "stop", want: stopped, wantSucceeded: true},
		{name: "start", m: stopped, action: "start", want: running, wantSucceeded: true},
		{name: "restart", m: running, action: "restart", want: running, wantSucceeded: true},
		{name: "uninstall", m: stopped, action: "uninstall", want: srvModel{}, wantSucceeded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := applyJob(tt.m, tt.action, tt.ver)
			if got != tt.want || ok != tt.wantSucceeded {
				t.Errorf("applyJob(%+v, %s %s) = %+v, %v; want %+v, %v", tt.m, tt.action, tt.ver, got, ok, tt.want, tt.wantSucceeded)
			}
		})
	}
}

// TestNextJobDefined: whatever the state, the next job is one whose
// outcome the model defines (no bad upgrade of a stopped or rolled-back
// agent, nothing but install for an absent one).
func TestNextJobDefined(t *testing.T) {
	states := []struct {
		name    string
		m       srvModel
		allowed string
	}{
		{name: "absent", m: srvModel{}, allowed: "install"},
		{name: "running", m: srvModel{present: true, running: true, version: "1.0"}, allowed: "upgrade restart stop uninstall"},
		{name: "stopped", m: srvModel{present: true, version: "1.0"}, allowed: "start uninstall upgrade"},
		{name: "degraded", m: srvModel{present: true, running: true, version: "1.0", degraded: true}, allowed: "upgrade uninstall"},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			for range 200 {
				action, ver := nextJob(st.m, r)
				if !strings.Contains(" "+st.allowed+" ", " "+action+" ") {
					t.Fatalf("nextJob(%+v) = %s", st.m, action)
				}
				badAllowed := st.name == "running"
				if (action == "install" || action == "upgrade") && !isGood(ver) && !badAllowed {
					t.Fatalf("nextJob(%+v) = %s %s: a bad version", st.m, action, ver)
				}
			}
		})
	}
}

func TestWantCheck(t *testing.T) {
	running := &agentView{Name: "a", Status: "running", Version: "2.0", Limits: map[string]string{"cpu": "10%", "memory": "32M"}}
	tests := []struct {
		name    string
		w       want
		st      *agentView
		wantErr string // "" matches
	}{
		{name: "absent as wanted", w: want{}, st: nil},
		{name: "present, want absent", w: want{}, st: running, wantErr: "want absent"},
		{name: "absent, want running", w: want{present: true, status: "running"}, st: nil, wantErr: "absent"},
		{name: "running", w: want{present: true, status: "running", versions: []string{"1.0", "2.0"}}, st: running},
		{name: "wrong version", w: want{present: true, status: "running", versions: []string{"1.0"}}, st: running, wantErr: `version "2.0"`},
		{name: "wrong status", w: want{present: true, status: "fatal"}, st: running, wantErr: "status running"},
		{name: "limits", w: want{present: true, status: "running", limits: map[string]string{"cpu": "10%", "memory": "32M"}}, st: running},
		{name: "wrong limits", w: want{present: true, status: "running", limits: map[string]string{"memory": "64M"}}, st: running, wantErr: "limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.w.check(tt.st)
			if (tt.wantErr == "") != (got == "") || !strings.Contains(got, tt.wantErr) {
				t.Errorf("check = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestFileAgentWant(t *testing.T) {
	tests := []struct {
		name   string
		a      fileAgent
		status string
		vers   []string
		absent bool
	}{
		{name: "fatal", a: fileAgent{kind: kindFatal, state: "running"}, status: "fatal"},
		{name: "toggle stopped", a: fileAgent{kind: kindToggle, state: "stopped"}, status: "stoped"},
		{name: "toggle removed", a: fileAgent{kind: kindToggle, state: "absent"}, absent: true},
		{name: "good version", a: fileAgent{kind: kindFilePkg, state: "running", version: "3.0", goods: []string{"1.0", "3.0"}}, status: "running", vers: []string{"3.0"}},
		{name: "bad version: a good one runs", a: fileAgent{kind: kindFilePkg, state: "running", version: "4.0", goods: []string{"1.0", "3.0"}}, status: "running", vers: []string{"1.0", "3.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.a.want()
			if w.present == tt.absent || (!tt.absent && w.status != tt.status) || strings.Join(w.versions, ",") != strings.Join(tt.vers, ",") {
				t.Errorf("want() = %+v", w)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		state   byte
		pgid    int
		wantErr bool
	}{
		{name: "plain", line: "42 (sleep) S 1 40 40 0 -1", state: 'S', pgid: 40},
		{name: "spaces and parens in comm", line: "42 (a b) c)) Z 1 7 7 0", state: 'Z', pgid: 7},
		{name: "truncated", line: "42 (sleep) S 1", wantErr: true},
		{name: "no comm", line: "42 sleep S 1 2 3", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, pgid, err := parseStat(tt.line)
			if (err != nil) != tt.wantErr || (err == nil && (state != tt.state || pgid != tt.pgid)) {
				t.Errorf("parseStat(%q) = %c, %d, %v", tt.line, state, pgid, err)
			}
		})
	}
}

func TestTwice(t *testing.T) {
	ps := agentProcs{
		"one":   {{pid: 10, pgid: 10}, {pid: 11, pgid: 10}}, // a shell and its child
		"two":   {{pid: 20, pgid: 20}, {pid: 21, pgid: 21}},
		"alone": {{pid: 30, pgid: 30}},
	}
	if got := strings.Join(ps.twice(), ","); got != "two" {
		t.Errorf("twice() = %s, want two", got)
	}
}
