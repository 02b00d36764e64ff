// Command benchpeers measures bootagent side by side with s6, runit and
// supervisord (`make bench`, via scripts/bench-peers.sh), in one run on
// the same programs: N services, each a `run` script that execs `sleep`.
// Figures, each on its own line with the ratio bootagent/peer:
//
//   - start-up: from the supervisor's exec until all N `sleep`s run
//     (median over the rounds);
//   - restart after kill -9 of a running service: from the kill until the
//     service's next `sleep` runs (median and p95 over every trial).
//
// "Runs" is judged the same way for every peer: the kernel's process
// events report an exec, stamped with the kernel's clock, of a process
// whose command line is the service's `sleep TOKEN` (execwatch.go). Peers run one after
// the other, in a rotating order, every round on a fresh directory; a peer
// whose binary is missing is skipped with a line saying so.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bootagent := flag.String("bootagent", "bin/bootagent", "bootagent binary")
	ns := flag.String("n", "100,500", "service counts")
	rounds := flag.Int("rounds", 3, "rounds per peer and count")
	restarts := flag.Int("restarts", 20, "kill -9 trials per round")
	baseline := flag.String("baseline", "", "another bootagent binary to measure in the same run, as peer bootagent-baseline")
	only := flag.String("peers", "", "comma-separated peers to measure (default: all found)")
	flag.Parse()
	for _, b := range []*string{bootagent, baseline} {
		if abs, err := filepath.Abs(*b); err == nil && *b != "" {
			*b = abs // the peers run in their own directories
		}
	}
	var all []peer
	for _, p := range peers(*bootagent, *baseline) {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), p.name) {
			continue
		}
		if _, err := exec.LookPath(p.bin); err != nil {
			fmt.Printf("# %s not measured: %s not found (make deps installs it)\n", p.name, p.bin)
			continue
		}
		all = append(all, p)
	}
	for _, f := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "benchpeers: bad -n %q\n", f)
			os.Exit(2)
		}
		if err := measureAll(all, n, *rounds, min(*restarts, n)); err != nil {
			fmt.Fprintf(os.Stderr, "benchpeers: n=%d: %v\n", n, err)
			os.Exit(1)
		}
	}
}

type figures struct {
	startup  []time.Duration // one per round
	restarts []time.Duration // one per trial
}

func measureAll(all []peer, n, rounds, restarts int) error {
	got := map[string]*figures{}
	for _, p := range all {
		got[p.name] = &figures{}
	}
	for r := 0; r < rounds; r++ {
		for k := range all {
			p := all[(k+r)%len(all)] // rotating order: no peer always first
			up, rs, err := measure(p, n, restarts)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", p.name, r+1, err)
			}
			got[p.name].startup = append(got[p.name].startup, up)
			got[p.name].restarts = append(got[p.name].restarts, rs...)
		}
	}
	ba := got["bootagent"]
	line := func(figure, peer string, v, mine time.Duration, context string) {
		if peer == "bootagent" || ba == nil {
			fmt.Printf("peers_%s_%s_ms: %.1f ms   (%s)\n", figure, peer, ms(v), context)
			return
		}
		fmt.Printf("peers_%s_%s_ms: %.1f ms   (bootagent %.1f ms, ratio bootagent/%s %.2f, target < 1; %s)\n",
			figure, peer, ms(v), ms(mine), peer, float64(mine)/float64(v), context)
	}
	for _, p := range all {
		f := got[p.name]
		var mine figures
		if ba != nil {
			mine = *ba
		}
		line(fmt.Sprintf("startup_%d", n), p.name, quantile(f.startup, 0.5), quantile(mine.startup, 0.5),
			fmt.Sprintf("exec to all %d running, median of %d rounds %v", n, len(f.startup), roundMs(f.startup)))
	}
	for _, p := range all {
		f := got[p.name]
		var mine figures
		if ba != nil {
			mine = *ba
		}
		ctx := fmt.Sprintf("kill -9 to the next sleep running, %d trials beside %d services", len(f.restarts), n)
		line(fmt.Sprintf("restart_%d_median", n), p.name, quantile(f.restarts, 0.5), quantile(mine.restarts, 0.5), ctx)
		line(fmt.Sprintf("restart_%d_p95", n), p.name, quantile(f.restarts, 0.95), quantile(mine.restarts, 0.95), ctx)
	}
	return nil
}

func roundMs(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmt.Sprintf("%.0f", ms(d))
	}
	return strings.Join(s, " ")
}

// measure runs p on n fresh services: the start-up time (from just before
// the peer's exec to the last service's exec of sleep, as the kernel
// stamped it), then restarts kill -9 trials on distinct services (each has
// run over a second: s6 and runit hold back a service that dies within a
// second of its start).
func measure(p peer, n, restarts int) (time.Duration, []time.Duration, error) {
	dir, err := os.MkdirTemp("", "benchpeers-"+p.name+"-")
	if err != nil {
		return 0, nil, err
	}
	defer os.RemoveAll(dir)
	runs, err := writeServices(dir, n)
	if err != nil {
		return 0, nil, err
	}
	if err := p.setup(dir, runs); err != nil {
		return 0, nil, err
	}
	log, err := os.Create(dir + "/peer.log")
	if err != nil {
		return 0, nil, err
	}
	defer log.Close()
	w, err := newExecWatch()
	if err != nil {
		return 0, nil, fmt.Errorf("%w (benchpeers runs as root)", err)
	}
	defer w.close()
	sv := newServices(n)
	cmd := p.start(dir)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t0 := monotonic()
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	defer teardown(p, cmd, n)
	root := cmd.Process.Pid
	sv.mine = func(pid int) bool { return descendsFrom(pid, root) }
	deadline := time.After(120 * time.Second)
	for len(sv.running) < n {
		select {
		case e, ok := <-w.events:
			if !ok {
				return 0, nil, errors.New("process events ended")
			}
			sv.add(e)
		case <-deadline:
			return 0, nil, fmt.Errorf("only %d of %d running after 120 s (log %s)", len(sv.running), n, tail(dir+"/peer.log"))
		}
	}
	sv.settle(w, 20*time.Millisecond)
	var last time.Duration
	for _, at := range sv.since {
		last = max(last, at)
	}
	startup := last - t0
	sv.settle(w, 1200*time.Millisecond)
	var samples []time.Duration
	for i := 0; i < restarts; i++ {
		d, err := restartOnce(w, sv, i)
		if err != nil {
			return 0, nil, fmt.Errorf("restart of service %d: %w (log %s)", i, err, tail(dir+"/peer.log"))
		}
		samples = append(samples, d)
		sv.settle(w, 30*time.Millisecond) // let the supervisor settle
	}
	return startup, samples, nil
}

// restartOnce kills service i's process and waits for the exec of its next
// sleep: the time from the kill to that exec, as the kernel stamped it.
func restartOnce(w *execWatch, sv *services, i int) (time.Duration, error) {
	old := sv.running[i]
	t0 := monotonic()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		return 0, err
	}
	deadline := time.After(10 * time.Second)
	for sv.running[i] == old {
		select {
		case e, ok := <-w.events:
			if !ok {
				return 0, errors.New("process events ended")
			}
			sv.add(e)
		case <-deadline:
			return 0, fmt.Errorf("not running again 10 s after kill -9 of pid %d", old)
		}
	}
	sv.settle(w, 5*time.Millisecond)
	return sv.since[i] - t0, nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return strings.TrimSpace(string(b))
}
