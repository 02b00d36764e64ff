package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// proc is a live process of one soak agent, found in /proc by the
// SOAK_RUN and SOAK_AGENT variables every agent of this run carries.
type proc struct {
	pid, pgid int
	state     byte
	cmdline   string
}

// agentProcs maps agent name → its live (non-zombie) processes.
type agentProcs map[string][]proc

// scanProcs reads /proc for the processes of run.
func scanProcs(run string) agentProcs {
	out := agentProcs{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		name, ok := soakAgentOf(pid, run)
		if !ok {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // gone meanwhile
		}
		state, pgid, err := parseStat(string(stat))
		if err != nil || state == 'Z' || state == 'X' {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		out[name] = append(out[name], proc{pid: pid, pgid: pgid, state: state, cmdline: strings.TrimSpace(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))})
	}
	return out
}

// soakAgentOf returns the SOAK_AGENT of pid when its SOAK_RUN is run.
func soakAgentOf(pid int, run string) (string, bool) {
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return "", false
	}
	var name string
	mine := false
	for _, kv := range bytes.Split(env, []byte{0}) {
		switch {
		case string(kv) == "SOAK_RUN="+run:
			mine = true
		case bytes.HasPrefix(kv, []byte("SOAK_AGENT=")):
			name = string(kv[len("SOAK_AGENT="):])
		}
	}
	return name, mine && name != ""
}

// parseStat returns the state and process group of a /proc/PID/stat line.
// The command name (field 2) is in parentheses and may hold spaces or
// parentheses itself: fields are counted after the last ')'.
func parseStat(s string) (state byte, pgid int, err error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("stat %q: no command name", s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, fmt.Errorf("stat %q: too few fields", s)
	}
	pgid, err = strconv.Atoi(f[2])
	if err != nil {
		return 0, 0, fmt.Errorf("stat %q: process group: %w", s, err)
	}
	return f[0][0], pgid, nil
}

// groups returns the distinct process groups of ps, sorted: one per copy
// of the agent that runs (a shell and its child share one).
func groups(ps []proc) []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range ps {
		if !seen[p.pgid] {
			seen[p.pgid] = true
			out = append(out, p.pgid)
		}
	}
	sort.Ints(out)
	return out
}

// twice returns the agents with more than one live process group.
func (a agentProcs) twice() []string {
	var out []string
	for name, ps := range a {
		if len(groups(ps)) > 1 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (a agentProcs) describe(name string) string {
	var parts []string
	for _, p := range a[name] {
		parts = append(parts, fmt.Sprintf("pid %d pgid %d %c %q", p.pid, p.pgid, p.state, p.cmdline))
	}
	return strings.Join(parts, "; ")
}

// kill SIGKILLs the process (a leftover of this run, found by its marker).
func (p proc) kill() error { return syscall.Kill(p.pid, syscall.SIGKILL) }
