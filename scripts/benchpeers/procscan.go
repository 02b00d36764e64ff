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
