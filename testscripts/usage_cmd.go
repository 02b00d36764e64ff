package testscripts

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdCpurate: cpurate NAME SECONDS MIN MAX — the agent's CPU use, from its
// cgroup's counter (cpu_usage_seconds in status) over SECONDS of wall time,
// is between MIN and MAX percent of one CPU. The measuring interval is a
// measurement, not a wait for a condition.
func cmdCpurate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: cpurate NAME SECONDS MIN MAX")
	}
	secs, err1 := strconv.ParseFloat(args[1], 64)
	lo, err2 := strconv.ParseFloat(args[2], 64)
	hi, err3 := strconv.ParseFloat(args[3], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		ts.Fatalf("cpurate: bad number")
	}
	read := func() (float64, time.Time) {
		v, ok, err := agentField(ts, args[0], "cpu_usage_seconds")
		ts.Check(err)
		f, perr := strconv.ParseFloat(v, 64)
		if !ok || perr != nil {
			ts.Fatalf("agent %s has no cpu_usage_seconds (%q)", args[0], v)
		}
		return f, time.Now()
	}
	c0, t0 := read()
	time.Sleep(time.Duration(secs * float64(time.Second)))
	c1, t1 := read()
	pct := 100 * (c1 - c0) / t1.Sub(t0).Seconds()
	ts.Logf("%s used %.1f%% of one CPU over %.1fs", args[0], pct, t1.Sub(t0).Seconds())
	if pct < lo || pct > hi {
		ts.Fatalf("%s used %.1f%% of one CPU, want %g–%g%%", args[0], pct, lo, hi)
	}
}

// cmdPidalive: pidalive PID — the process exists (negate with !).
func cmdPidalive(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: pidalive PID")
	}
	pid, err := strconv.Atoi(args[0])
	ts.Check(err)
	alive := processAlive(pid)
	if alive == neg {
		ts.Fatalf("pid %d alive=%v", pid, alive)
	}
}

// processAlive: the pid exists and is not a zombie. An orphaned agent's
// parent after a daemon SIGKILL is init, which reaps it when it gets to it:
// a zombie has exited all the same.
func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// cmdCountmatch: countmatch FILE REGEX N|MIN-MAX — exactly N (or between
// MIN and MAX) lines of FILE match REGEX (e.g. a result delivered exactly
// once; at most once more after a crash inside the send window).
func cmdCountmatch(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: countmatch FILE REGEX N|MIN-MAX")
	}
	rx, err := regexp.Compile(args[1])
	ts.Check(err)
	lo, hi, ok := strings.Cut(args[2], "-")
	if !ok {
		hi = lo
	}
	minN, err := strconv.Atoi(lo)
	ts.Check(err)
	maxN, err := strconv.Atoi(hi)
	ts.Check(err)
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	got := 0
	for _, line := range strings.Split(string(b), "\n") {
		if rx.MatchString(line) {
			got++
		}
	}
	if (got >= minN && got <= maxN) == neg {
		ts.Fatalf("%s: %d lines match %q, want %s", args[0], got, args[1], args[2])
	}
}
