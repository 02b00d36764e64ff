package testscripts

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
	"github.com/rogpeppe/go-internal/testscript"
)

// running daemons, per script work dir.
var (
	daemonsMu sync.Mutex
	daemons   = map[string]*exec.Cmd{}
)

// cmdDaemon: daemon start | stop | kill | hup — starts `bootagent run` in the
// background with its log in $WORK/daemon.log and waits until its control
// socket answers; stop sends SIGTERM and waits for a clean exit; kill sends
// SIGKILL; hup sends SIGHUP.
func cmdDaemon(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: daemon start|stop|kill|hup")
	}
	work := ts.Getenv("WORK")
	daemonsMu.Lock()
	cmd := daemons[work]
	daemonsMu.Unlock()
	switch args[0] {
	case "start":
		if cmd != nil {
			ts.Fatalf("daemon already started")
		}
		startDaemon(ts, work)
	case "stop", "kill", "hup":
		if cmd == nil {
			ts.Fatalf("no daemon started")
		}
		sig := map[string]syscall.Signal{"stop": syscall.SIGTERM, "kill": syscall.SIGKILL, "hup": syscall.SIGHUP}[args[0]]
		ts.Check(cmd.Process.Signal(sig))
		if sig == syscall.SIGHUP {
			return
		}
		err := waitExit(cmd, deadline())
		daemonsMu.Lock()
		delete(daemons, work)
		daemonsMu.Unlock()
		if sig == syscall.SIGTERM && err != nil {
			ts.Fatalf("daemon did not exit cleanly after SIGTERM: %v", err)
		}
		// A race-enabled daemon reports races in its log; a SIGKILLed one
		// has no exit code to tell.
		if log, _ := os.ReadFile(filepath.Join(work, "daemon.log")); bytes.Contains(log, []byte("WARNING: DATA RACE")) {
			ts.Fatalf("the daemon reported a data race (see daemon.log)")
		}
	default:
		ts.Fatalf("usage: daemon start|stop|kill|hup")
	}
}

func startDaemon(ts *testscript.TestScript, work string) {
	bin, err := exec.LookPath("bootagent")
	if bin == "" {
		// The script's PATH holds the bootagent command; ours may not.
		for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
			if p := filepath.Join(dir, "bootagent"); fileExists(p) {
				bin, err = p, nil
				break
			}
		}
	}
	ts.Check(err)
	logf, err := os.OpenFile(filepath.Join(work, "daemon.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	defer logf.Close()
	cfgPath := ts.Getenv("BOOTAGENT_CONFIG")
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	cmd.Dir = work
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = scriptEnv(ts)
	ts.Check(cmd.Start())
	daemonsMu.Lock()
	daemons[work] = cmd
	daemonsMu.Unlock()

	cfg, err := desired.LoadConfig(cfgPath)
	ts.Check(err)
	client := api.NewControlClient(cfg.SocketPath())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	end := time.Now().Add(deadline())
	for time.Now().Before(end) {
		select {
		case err := <-exited:
			daemonsMu.Lock()
			delete(daemons, work)
			daemonsMu.Unlock()
			log, _ := os.ReadFile(filepath.Join(work, "daemon.log"))
			ts.Fatalf("daemon exited at start (%v):\n%s", err, log)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := client.Status(ctx)
		cancel()
		if err == nil {
			// Wait is already running in the goroutine: hand its result over.
			waiters.Store(cmd, exited)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("daemon's control socket did not answer within %v", deadline())
}

// waiters holds, per started daemon, the channel its Wait result arrives on.
var waiters sync.Map

func waitExit(cmd *exec.Cmd, d time.Duration) error {
	ch, _ := waiters.Load(cmd)
	select {
	case err := <-ch.(chan error):
		return err
	case <-time.After(d):
		syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
		return fmt.Errorf("still running after %v (SIGKILLed)", d)
	}
}

// stopAllDaemons ends a script's daemon if the script left one running (it
// failed half-way): SIGTERM so that its sub-agents are stopped too.
func stopAllDaemons(env *testscript.Env) {
	daemonsMu.Lock()
	cmd := daemons[env.WorkDir]
	delete(daemons, env.WorkDir)
	daemonsMu.Unlock()
	if cmd != nil {
		cmd.Process.Signal(syscall.SIGTERM)
		waitExit(cmd, 30*time.Second)
	}
}

func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "WORK", "TMPDIR", "BOOTAGENT_CONFIG", "BOOTAGENT_DEBUG"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
