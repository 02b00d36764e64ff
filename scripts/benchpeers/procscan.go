package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// The one criterion of "running", the same for every supervisor: a
// process whose command line is `sleep TOKEN` (the run script has exec'd
// the program). Each service sleeps a number of seconds of its own, its
// token, so its processes are told apart.

const tokenBase = 1000000 // service i sleeps tokenBase+i seconds

// tokenOf parses a /proc/PID/cmdline: the service index of `sleep TOKEN`,
// or -1.
func tokenOf(cmdline []byte, n int) int {
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	if len(args) != 2 || !bytes.HasSuffix(args[0], []byte("sleep")) {
		return -1
	}
	if len(args[0]) > len("sleep") && args[0][len(args[0])-len("sleep")-1] != '/' {
		return -1 // "nosleep" is not sleep
	}
	v, err := strconv.Atoi(string(args[1]))
	if err != nil || v < tokenBase || v >= tokenBase+n {
		return -1
	}
	return v - tokenBase
}

func readCmdline(pid int) []byte {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return b
}

// pids lists the processes now.
func pids() []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	out := make([]int, 0, len(names))
	for _, s := range names {
		if p, err := strconv.Atoi(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// scanner finds the services running, re-reading only processes it has not
// matched yet (a fork becomes sh, then sleep) and ignoring those that
// existed before the measurement began.
type scanner struct {
	n       int
	foreign map[int]bool
	matched map[int]int // pid -> service
	running map[int]int // service -> pid
}

func newScanner(n int) *scanner {
	s := &scanner{n: n, foreign: map[int]bool{}, matched: map[int]int{}, running: map[int]int{}}
	for _, p := range pids() {
		s.foreign[p] = true
	}
	return s
}

// scan updates the running set and returns how many services run.
func (s *scanner) scan() int {
	for _, p := range pids() {
		if s.foreign[p] {
			continue
		}
		if _, ok := s.matched[p]; ok {
			continue
		}
		if i := tokenOf(readCmdline(p), s.n); i >= 0 {
			s.matched[p] = i
			s.running[i] = p
		}
	}
	return len(s.running)
}

// parentOf is the ppid of pid (0 if gone).
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	s = s[strings.LastIndexByte(s, ')')+2:] // comm may hold spaces
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

// childrenOf lists pid's children, from every thread (a Go supervisor forks
// from any of its threads, each of which lists its own children).
func childrenOf(pid int) []int {
	base := "/proc/" + strconv.Itoa(pid) + "/task/"
	d, err := os.Open(base)
	if err != nil {
		return nil
	}
	tids, _ := d.Readdirnames(-1)
	d.Close()
	var out []int
	for _, t := range tids {
		b, _ := os.ReadFile(base + t + "/children")
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
