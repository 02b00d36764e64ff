package supervise

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procStat is what BootAgent reads from /proc/PID/stat.
type procStat struct {
	state     byte   // field 3: R, S, D, Z, …
	ppid      int    // field 4
	pgrp      int    // field 5
	startTime uint64 // field 22, clock ticks since boot
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields that follow start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ppid, err0 := strconv.Atoi(f[1])
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	if err0 != nil || err1 != nil || err2 != nil || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return procStat{state: f[0][0], ppid: ppid, pgrp: pgrp, startTime: start}, nil
}

// groupAlive reports whether any live (not zombie) process is in process
// group pgid. kill(-pgid, 0) cannot tell: it succeeds for a zombie, and a
// group member orphaned by its parent's death stays a zombie until init
// reaps it — which may take a while.
func groupAlive(pgid int) bool {
	// No process at all in the group, zombies included: nothing to scan
	// /proc for. The usual case when a stop has reaped the leader, and a
	// scan of every process per agent made stopping 500 agents quadratic.
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	d, err := os.Open("/proc")
	if err != nil {
		return true // cannot tell: assume alive, the grace timer ends the wait
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return true
	}
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err == nil && st.pgrp == pgid && st.state != 'Z' {
			return true
		}
	}
	return false
}
