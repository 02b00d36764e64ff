package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// fileAgent is an agent defined by a desired file, and what was last
// written into it.
type fileAgent struct {
	name    string
	kind    kind
	gen     int    // bumped by a change: a new doc (env SOAK_GEN) for crash agents
	state   string // running, stopped or absent (file removed)
	mem     string // limits agents
	cpu     string
	version string // filepkg: desired version
	goods   []string
	next    time.Time // next change
	pid     int       // plain and limits agents: the pid they must keep
}

var (
	memChoices = []string{"16M", "32M", "64M", "128M"}
	cpuChoices = []string{"5%", "10%", "25%", "50%"}
)

// every is how often each kind is changed (a random time in the range).
func (k kind) every() (lo, hi time.Duration) {
	switch k {
	case kindToggle, kindFilePkg:
		return 3 * time.Second, 10 * time.Second
	case kindLimits:
		return 2 * time.Second, 8 * time.Second
	case kindFatal:
		return 15 * time.Second, 30 * time.Second
	case kindRecover:
		return 10 * time.Second, 25 * time.Second
	}
	return 0, 0 // never changed
}

func newFileAgent(name string, k kind) *fileAgent {
	a := &fileAgent{name: name, kind: k, state: "running", mem: "32M", cpu: "10%"}
	if k == kindFilePkg {
		a.version = "1.0"
		a.goods = []string{"1.0"}
	}
	return a
}

// change makes the next desired state of a.
func (a *fileAgent) change(r *rand.Rand) {
	if a.kind != kindLimits { // a new env restarts the agent; limits alone must not
		a.gen++
	}
	switch a.kind {
	case kindToggle:
		a.state = []string{"running", "running", "stopped", "absent"}[r.IntN(4)]
	case kindLimits:
		a.mem, a.cpu = memChoices[r.IntN(len(memChoices))], cpuChoices[r.IntN(len(cpuChoices))]
	case kindFilePkg:
		a.version = pickVersion(r, false)
		if isGood(a.version) {
			a.goods = append(a.goods, a.version)
		}
	}
}

// want is what the agent must look like once converged. A filepkg agent
// last desired at a bad version runs one of the good versions desired
// before (the one that ran when the bad one came: which one that was
// depends on how far the previous upgrade had got).
func (a *fileAgent) want() want {
	switch a.kind {
	case kindFatal:
		return want{present: true, status: "fatal"}
	case kindLimits:
		return want{present: true, status: "running", limits: map[string]string{"cpu": a.cpu, "memory": a.mem}}
	case kindFilePkg:
		if isGood(a.version) {
			return want{present: true, status: "running", versions: []string{a.version}}
		}
		return want{present: true, status: "running", versions: a.goods}
	}
	switch a.state {
	case "absent":
		return want{}
	case "stopped":
		return want{present: true, status: "stoped"}
	}
	return want{present: true, status: "running"}
}

// keepsPid says whether the agent's process must never be restarted.
func (a *fileAgent) keepsPid() bool { return a.kind == kindPlain || a.kind == kindLimits }

// docParams is what a desired file needs from the soak's set-up.
type docParams struct {
	run    string              // SOAK_RUN
	dir    string              // a work dir for the crash agents' counters
	pkgURL func(string) string // version → package URL
	sums   map[string]string   // version → checksum
}

// doc is the desired file's YAML ("" when the file must not exist).
func (a *fileAgent) doc(p docParams) string {
	if a.state == "absent" {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\n", a.name)
	fmt.Fprintf(&b, "env: {SOAK_RUN: %q, SOAK_AGENT: %q, SOAK_GEN: \"%d\", SOAK_DIR: %q}\n", p.run, a.name, a.gen, p.dir)
	if a.state == "stopped" {
		b.WriteString("state: stopped\n")
	}
	switch a.kind {
	case kindPlain, kindToggle:
		b.WriteString("command: [\"sleep\", \"100000\"]\n")
	case kindLimits:
		b.WriteString("command: [\"sleep\", \"100000\"]\n")
		fmt.Fprintf(&b, "limits: {cpu: %q, memory: %q}\n", a.cpu, a.mem)
	case kindFatal:
		b.WriteString("command: [\"sh\", \"-c\", \"sleep 0.2; exit 1\"]\n")
		b.WriteString("restart: {delay: 200ms, window: 1m, max_failures: 2}\n")
	case kindRecover:
		// Fails twice per generation (counted in a file), then runs.
		b.WriteString(`command: ["sh", "-c", "f=$SOAK_DIR/$SOAK_AGENT-$SOAK_GEN; n=$(cat $f 2>/dev/null || echo 0); echo $((n+1)) > $f; [ $n -ge 2 ] && exec sleep 100000; sleep 0.2; exit 1"]` + "\n")
		b.WriteString("restart: {delay: 300ms, window: 1m, max_failures: 10}\n")
	case kindFilePkg:
		fmt.Fprintf(&b, "version: %q\n", a.version)
		fmt.Fprintf(&b, "package: {url: %q, checksum: %q}\n", p.pkgURL(a.version), p.sums[a.version])
	}
	return b.String()
}
