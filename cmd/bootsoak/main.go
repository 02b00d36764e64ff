// Command bootsoak is the soak scenario of issue 9: the real bootserver and
// the real bootagent daemon, 50 agents with mixed behaviour (plain, crash
// loops going fatal or recovering, packages from files and from server
// jobs, good and bad upgrades, live limit changes, stop/start/uninstall),
// jobs at random intervals, and the daemon SIGKILLed every 2–6 s at a
// random moment and restarted at once. Then it lets the daemon converge and
// checks that every job has exactly one accepted result, that no agent runs
// twice, that nothing is left in state_dir/tmp, and that the agents are
// exactly as last desired. It prints the counts and exits 1 when a check
// fails.
//
//	make soak                      # about 3 minutes
//	SOAK_SECONDS=90 make soak
//
// Settings (environment): SOAK_SECONDS (default 180), SOAK_CONVERGE_SECONDS
// (default 120), SOAK_SEED (default from the clock; printed), SOAK_KEEP=1
// keeps the temporary directory (logs, state) for inspection, SOAK_NO_KILL=1
// is a control run without the SIGKILLs (which failures do they cause?).
//
// It needs root (cgroups), touches only 127.0.0.1, and removes everything it
// made, even on failure: the daemon gets SIGTERM (keep_agents_on_exit:
// false), then leftovers of this run are killed by pid, the servers stopped,
// the cgroup parent and the temporary directory removed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

type options struct {
	bin      string
	duration time.Duration
	converge time.Duration
	seed     uint64
	keep     bool
	noKill   bool // a control run: everything but the SIGKILLs
}

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	o, err := parseOptions(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bootsoak:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	s := newSoak(o)
	defer s.cleanup()
	fmt.Printf("bootsoak: %v soak, seed %d, cgroup_parent %s\n", o.duration, o.seed, s.cgroup)
	if err := s.setup(); err != nil {
		fmt.Fprintln(os.Stderr, "bootsoak: set-up:", err)
		return 1
	}
	if err := s.waitReady(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bootsoak: first start:", err)
		s.printLog("", 30)
		return 1
	}
	if err := s.soakFor(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bootsoak: soak:", err)
		return 1
	}
	took, err := s.converge(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bootsoak: converge:", err)
		return 1
	}
	results := s.checks(true)
	s.printSummary(took, results)
	if !allPassed(results) {
		return 1
	}
	return 0
}

func parseOptions(args []string) (options, error) {
	o := options{duration: 180 * time.Second, converge: 120 * time.Second, seed: uint64(time.Now().UnixNano())}
	fs := flag.NewFlagSet("bootsoak", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "bin", "directory holding bootagent and bootserver (make build)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.bin, err = filepath.Abs(o.bin); err != nil {
		return o, err
	}
	for _, b := range []string{"bootagent", "bootserver"} {
		if _, err := os.Stat(filepath.Join(o.bin, b)); err != nil {
			return o, fmt.Errorf("%w (run make build first)", err)
		}
	}
	if err := envSeconds("SOAK_SECONDS", &o.duration); err != nil {
		return o, err
	}
	if err := envSeconds("SOAK_CONVERGE_SECONDS", &o.converge); err != nil {
		return o, err
	}
	if v := os.Getenv("SOAK_SEED"); v != "" {
		if o.seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			return o, fmt.Errorf("SOAK_SEED=%q: %w", v, err)
		}
	}
	o.keep = os.Getenv("SOAK_KEEP") == "1"
	o.noKill = os.Getenv("SOAK_NO_KILL") == "1"
	return o, nil
}

func envSeconds(name string, d *time.Duration) error {
	v := os.Getenv(name)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%s=%q: want a number of seconds above 0", name, v)
	}
	*d = time.Duration(n) * time.Second
	return nil
}
