package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A peer is one supervisor under test, given n services in dir, each an
// executable `run` script that execs `sleep TOKEN` (the same programs for
// every peer, bootagent included).
type peer struct {
	name string
	bin  string // the binary that must exist for the peer to be measured
	// setup writes the peer's configuration for the services; start runs it.
	setup func(dir string, runs []string) error
	start func(dir string) *exec.Cmd
	// gentle is the signal that asks the peer to stop its services itself
	// (0: none; the tree is killed).
	gentle syscall.Signal
}

func peers(bootagent, baseline string) []peer {
	all := []peer{bootagentPeer("bootagent", bootagent)}
	if baseline != "" {
		// Another build of bootagent measured in the same run (before and
		// after a change, under the same load).
		all = append(all, bootagentPeer("bootagent-baseline", baseline))
	}
	return append(all, otherPeers()...)
}

func bootagentPeer(name, bootagent string) peer {
	return peer{
		name: name, bin: bootagent, gentle: syscall.SIGTERM,
		setup: func(dir string, runs []string) error {
			// Restart at once, never give up: as the peers do.
			cfg := fmt.Sprintf("state_dir: state\ndesired_dir: agents.d\ncgroup_parent: bootagent-benchpeers-%d\n"+
				"restart: {delay: 0s, window: 1s, max_failures: 1000000}\nstop_grace: 2s\n", os.Getpid())
			if err := os.WriteFile(filepath.Join(dir, "bootagent.yaml"), []byte(cfg), 0o644); err != nil {
				return err
			}
			d := filepath.Join(dir, "agents.d")
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			for i, run := range runs {
				doc := fmt.Sprintf("name: svc-%04d\ncommand: [%q]\n", i, run)
				if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("svc-%04d.yaml", i)), []byte(doc), 0o644); err != nil {
					return err
				}
			}
			return nil
		},
		start: func(dir string) *exec.Cmd {
			return exec.Command(bootagent, "run", "--config", filepath.Join(dir, "bootagent.yaml"))
		},
	}
}

func otherPeers() []peer {
	return []peer{
		{
			// s6-svscan on a scan directory of service directories.
			name: "s6", bin: "s6-svscan",
			setup: func(string, []string) error { return nil },
			start: func(dir string) *exec.Cmd { return exec.Command("s6-svscan", filepath.Join(dir, "svc")) },
		},
		{
			// runsvdir -P: each runsv in a process group of its own, as
			// Debian's runit runs it.
			name: "runit", bin: "runsvdir",
			setup: func(string, []string) error { return nil },
			start: func(dir string) *exec.Cmd { return exec.Command("runsvdir", "-P", filepath.Join(dir, "svc")) },
		},
		{
			name: "supervisord", bin: "supervisord",
			setup: func(dir string, runs []string) error {
				var b strings.Builder
				fmt.Fprintf(&b, "[supervisord]\nnodaemon=true\nlogfile=%s/supervisord.log\npidfile=%s/supervisord.pid\n", dir, dir)
				for i, run := range runs {
					fmt.Fprintf(&b, "[program:svc-%04d]\ncommand=%s\nautorestart=true\nstartsecs=0\nstartretries=1000000\n", i, run)
				}
				return os.WriteFile(filepath.Join(dir, "supervisord.conf"), []byte(b.String()), 0o644)
			},
			start: func(dir string) *exec.Cmd {
				return exec.Command("supervisord", "-c", filepath.Join(dir, "supervisord.conf"))
			},
		},
	}
}

// writeServices makes dir/svc/svc-NNNN/run for n services and returns the
// run scripts' paths. `exec` keeps one process per service: the script's
// pid becomes sleep's.
func writeServices(dir string, n int) ([]string, error) {
	runs := make([]string, n)
	for i := range runs {
		d := filepath.Join(dir, "svc", fmt.Sprintf("svc-%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		runs[i] = filepath.Join(d, "run")
		script := fmt.Sprintf("#!/bin/sh\nexec sleep %d\n", tokenBase+i)
		if err := os.WriteFile(runs[i], []byte(script), 0o755); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// descendants lists every process below root (a snapshot).
func descendants(root int) []int {
	kids := map[int][]int{}
	for _, p := range pids() {
		if pp := parentOf(p); pp != 0 {
			kids[pp] = append(kids[pp], p)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range kids[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// teardown stops the peer and everything it started: the gentle signal
// first where the peer has one, then SIGKILL of the whole tree and of any
// service process left (reparented away from the tree), until none is.
func teardown(p peer, cmd *exec.Cmd, n int) {
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	if p.gentle != 0 {
		_ = cmd.Process.Signal(p.gentle)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		victims := descendants(cmd.Process.Pid)
		victims = append(victims, cmd.Process.Pid)
		left := 0
		for _, q := range pids() {
			if tokenOf(readCmdline(q), n) >= 0 {
				victims = append(victims, q)
				left++
			}
		}
		for _, v := range victims {
			_ = syscall.Kill(v, syscall.SIGKILL)
		}
		select {
		case <-exited:
			if left == 0 && len(descendants(cmd.Process.Pid)) == 0 {
				return
			}
		default:
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "benchpeers: %s: %d service processes still there after 30 s\n", p.name, left)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
