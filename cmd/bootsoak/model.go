package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// kind is how a soak agent behaves and what is done to it.
type kind string

const (
	kindPlain   kind = "plain"   // sleep from a file, never changed: keeps its pid throughout
	kindToggle  kind = "toggle"  // sleep from a file: running, stopped, file removed, back
	kindLimits  kind = "limits"  // sleep from a file, memory/cpu changed live: keeps its pid
	kindFatal   kind = "fatal"   // exits 1 at once; max_failures makes it fatal (again after each change)
	kindRecover kind = "recover" // fails twice after each change, then runs
	kindFilePkg kind = "filepkg" // a package from a file, upgraded between good and bad versions
	kindServer  kind = "server"  // installed and changed by server jobs only
)

// pkgVersion is one package version the soak serves.
type pkgVersion struct {
	version string
	good    bool   // runs; a bad one dies within the health window or cannot start
	script  string // run.sh
	command string // the manifest's command
}

// pkgVersions are the packages: three good ones, one that crashes within
// the health window and one whose command does not exist.
var pkgVersions = []pkgVersion{
	{version: "1.0", good: true, script: "exec sleep 100000", command: "./run.sh"},
	{version: "2.0", good: true, script: "exec sleep 100000", command: "./run.sh"},
	{version: "3.0", good: true, script: "exec sleep 100000", command: "./run.sh"},
	{version: "4.0", script: "sleep 0.3; echo 4.0 dies in its health window; exit 3", command: "./run.sh"},
	{version: "5.0", script: "exit 0", command: "bin/missing"},
}

func isGood(version string) bool {
	for _, p := range pkgVersions {
		if p.version == version {
			return p.good
		}
	}
	return false
}

func goodVersions() []string {
	var out []string
	for _, p := range pkgVersions {
		if p.good {
			out = append(out, p.version)
		}
	}
	return out
}

func pickVersion(r *rand.Rand, goodOnly bool) string {
	if goodOnly {
		g := goodVersions()
		return g[r.IntN(len(g))]
	}
	return pkgVersions[r.IntN(len(pkgVersions))].version
}

// want is what an agent must look like once the daemon has converged.
type want struct {
	present  bool
	status   string   // running, stoped or fatal (when present)
	versions []string // acceptable versions (nil: no package)
	limits   map[string]string
}

// check compares one agent's status entry (nil: absent) with w and returns
// what differs, "" when it matches.
func (w want) check(st *agentView) string {
	switch {
	case !w.present && st == nil:
		return ""
	case !w.present:
		return fmt.Sprintf("present (%s %s), want absent", st.Status, st.Version)
	case st == nil:
		return fmt.Sprintf("absent, want %s", w.status)
	case st.Status != w.status:
		return fmt.Sprintf("status %s (message %q), want %s", st.Status, st.Message, w.status)
	case w.versions != nil && !slices.Contains(w.versions, st.Version):
		return fmt.Sprintf("version %q (desired %q, message %q), want one of %v", st.Version, st.DesiredVersion, st.Message, w.versions)
	}
	for k, v := range w.limits {
		if st.Limits[k] != v {
			return fmt.Sprintf("limits %v, want %v", st.Limits, w.limits)
		}
	}
	return ""
}

// agentView is the part of a status entry the checks read.
type agentView struct {
	Name           string            `json:"name"`
	Version        string            `json:"version"`
	Status         string            `json:"status"`
	Pid            int               `json:"pid"`
	DesiredVersion string            `json:"desired_version"`
	Limits         map[string]string `json:"limits"`
	Message        string            `json:"message"`
}

// expectedProcs is how many live process groups an agent in state w may
// have: one when running, none otherwise.
func (w want) expectedProcs() int {
	if w.present && w.status == "running" {
		return 1
	}
	return 0
}

// srvModel is what the server jobs sent so far have made of a server agent.
type srvModel struct {
	present  bool
	running  bool
	version  string // the good version in effect
	degraded bool   // the last upgrade named a bad version (rolled back)
}

// nextJob picks the next action for a server agent in state m (and the
// version for install and upgrade). Only actions whose outcome is defined
// are picked: after a rolled-back upgrade, another upgrade or an uninstall.
func nextJob(m srvModel, r *rand.Rand) (action, version string) {
	switch {
	case !m.present:
		return "install", pickVersion(r, true)
	case m.degraded:
		if r.IntN(4) == 0 {
			return "uninstall", ""
		}
		return "upgrade", pickVersion(r, true)
	case !m.running:
		// An upgrade keeps the agent stopped; only to a good version, whose
		// outcome (installed, stopped) is defined.
		return []string{"start", "start", "uninstall", "upgrade"}[r.IntN(4)], pickVersion(r, true)
	}
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		return "upgrade", pickVersion(r, false)
	case 4, 5:
		return "restart", ""
	case 6, 7:
		return "stop", ""
	default:
		return "uninstall", ""
	}
}

// applyJob is the model after job (action, version) on m, and whether the
// job must succeed. An upgrade keeps the agent's state (SPEC: the job says
// nothing about it), so a stopped agent stays stopped at the new version.
func applyJob(m srvModel, action, version string) (srvModel, bool) {
	switch action {
	case "install":
		return srvModel{present: true, running: true, version: version}, true
	case "uninstall":
		return srvModel{}, true
	case "stop":
		m.running = false
		return m, true
	case "start", "restart":
		m.running = true
		return m, true
	case "upgrade":
		if !isGood(version) {
			m.degraded = true
			return m, false
		}
		return srvModel{present: true, running: m.running, version: version}, true
	}
	return m, false
}

// want is what a server agent in state m must look like.
func (m srvModel) want() want {
	if !m.present {
		return want{}
	}
	status := "stoped"
	if m.running {
		status = "running"
	}
	return want{present: true, status: status, versions: []string{m.version}}
}
