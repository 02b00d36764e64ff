package testscripts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
	"github.com/rogpeppe/go-internal/testscript"
)

// bgProc is a background process a script started (a daemon, a server).
type bgProc struct {
	cmd    *exec.Cmd
	exited chan error
	log    string
}

// running background processes, by script work dir and name.
var (
	bgMu    sync.Mutex
	bgProcs = map[string]*bgProc{}
)

// cmdDaemon: daemon start|stop|kill|hup|crashed [NAME] — runs `bootagent run` in
// the background (config $BOOTAGENT_CONFIG, or $WORK/NAME.yaml for a named
// one, log $WORK/daemon.log or $WORK/NAME.log) and waits until its control
// socket answers; stop sends SIGTERM and waits for a clean exit; kill sends
// SIGKILL; hup sends SIGHUP; crashed waits until it killed itself (SIGKILL
// by its crash hook, $BOOTAGENT_CRASH_AT).
//
// `daemon start [NAME] -- FLAGS...` passes FLAGS to `bootagent run`;
// `daemon exited [NAME] CODE` waits until it exited by itself with CODE.
func cmdDaemon(ts *testscript.TestScript, neg bool, args []string) {
	var runFlags []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, runFlags = args[:i], args[i+1:]
	}
	code := ""
	if len(args) >= 2 && args[0] == "exited" {
		code, args = args[len(args)-1], args[:len(args)-1]
	}
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: daemon start|stop|kill|hup|crashed [NAME] [-- RUN FLAGS] | daemon exited [NAME] CODE")
	}
	name, cfgPath, logName := "daemon", ts.Getenv("BOOTAGENT_CONFIG"), "daemon.log"
	if len(args) == 2 {
		name, cfgPath, logName = args[1], ts.MkAbs(args[1]+".yaml"), args[1]+".log"
	}
	if args[0] == "crashed" {
		waitCrashed(ts, name)
		return
	}
	if args[0] == "exited" {
		waitExited(ts, name, code)
		return
	}
	if args[0] != "start" {
		signalBg(ts, name, args[0])
		return
	}
	ts.Check(ownCgroupParent(ts, cfgPath))
	cfg, err := desired.LoadConfig(cfgPath)
	ts.Check(err)
	client := api.NewControlClient(cfg.SocketPath())
	argv := append([]string{"bootagent", "run", "--config", cfgPath}, runFlags...)
	startBg(ts, name, logName, argv, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := client.Status(ctx)
		return err == nil
	})
}

// cmdBootserverd: bootserverd start [SERVE FLAGS]|stop|kill — runs
// `bootserver serve` on 127.0.0.1 with its database in $WORK/bootserver.db
// and log in $WORK/bootserver.log; a restart keeps the port. It serves
// HTTPS with the CA it makes in $WORK (SPEC §10) unless the flags say
// --insecure-http. Sets $BOOTSERVER_URL (https://127.0.0.1:PORT),
// $BOOTSERVER_DATA_DIR ($WORK, where serve writes admin.token and ca.pem)
// and $BOOTSERVER_CA ($WORK/ca.pem), which the bootserver admin commands
// use and agent configs name as server_ca. It passes --open-enrollment, so
// agents register without enrollment tokens, unless the flags hold
// --require-enrollment (bootserverd's own flag, not passed on): then the
// server runs as by default and refuses a register without a token.
func cmdBootserverd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || (args[0] != "start" && len(args) != 1) {
		ts.Fatalf("usage: bootserverd start [serve flags]|stop|kill")
	}
	if args[0] != "start" {
		signalBg(ts, "bootserver", args[0])
		return
	}
	work := ts.Getenv("WORK")
	ts.Setenv("BOOTSERVER_DATA_DIR", work)
	addrFile := filepath.Join(work, "bootserver.addr")
	listen := "127.0.0.1:0"
	if b, err := os.ReadFile(addrFile); err == nil {
		listen = strings.TrimSpace(string(b))
	}
	os.Remove(addrFile)
	scheme := "https"
	if slices.Contains(args[1:], "--insecure-http") {
		scheme = "http"
	}
	caFile := filepath.Join(work, "ca.pem")
	flags := slices.DeleteFunc(slices.Clone(args[1:]), func(a string) bool { return a == "--require-enrollment" })
	if len(flags) == len(args[1:]) {
		flags = append([]string{"--open-enrollment"}, flags...)
	}
	argv := append([]string{"bootserver", "serve", "--listen", listen,
		"--db", filepath.Join(work, "bootserver.db"), "--addr-file", addrFile}, flags...)
	startBg(ts, "bootserver", "bootserver.log", argv, func() bool {
		b, err := os.ReadFile(addrFile)
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			return false
		}
		hc, err := probeClient(scheme, caFile)
		if err != nil {
			return false // ca.pem comes before the address file; not yet here means not ready
		}
		base := scheme + "://" + strings.TrimSpace(string(b))
		resp, err := hc.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		ts.Setenv("BOOTSERVER_URL", base)
		if scheme == "https" {
			ts.Setenv("BOOTSERVER_CA", caFile)
		}
		return resp.StatusCode == http.StatusOK
	})
}

// probeClient is the readiness probe's client: over https it trusts only
// the CA bootserver made, as the scenario's agents and CLI do.
func probeClient(scheme, caFile string) (*http.Client, error) {
	if scheme == "http" {
		return &http.Client{Timeout: 5 * time.Second}, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no certificate", caFile)
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}, nil
}

// startBg starts argv (argv[0] found in the script's PATH) in the
// background and waits until ready says so.
func startBg(ts *testscript.TestScript, name, logName string, argv []string, ready func() bool) {
	work := ts.Getenv("WORK")
	key := work + "/" + name
	bgMu.Lock()
	_, running := bgProcs[key]
	bgMu.Unlock()
	if running {
		ts.Fatalf("%s already started", name)
	}
	bin := lookScriptPath(ts, argv[0])
	logPath := filepath.Join(work, logName)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	defer logf.Close()
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Dir = work
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = scriptEnv(ts)
	if len(argv) > 1 && argv[0] == "bootagent" && argv[1] == "run" {
		attr, done, err := serviceCgroupAttr(ts) // nil unless make test-cgroup2's nested run
		ts.Check(err)
		defer done()
		cmd.SysProcAttr = attr
	}
	ts.Check(cmd.Start())
	p := &bgProc{cmd: cmd, exited: make(chan error, 1), log: logPath}
	go func() { p.exited <- cmd.Wait() }()
	bgMu.Lock()
	bgProcs[key] = p
	bgMu.Unlock()
	end := time.Now().Add(deadline())
	for time.Now().Before(end) {
		select {
		case err := <-p.exited:
			bgMu.Lock()
			delete(bgProcs, key)
			bgMu.Unlock()
			log, _ := os.ReadFile(logPath)
			ts.Fatalf("%s exited at start (%v):\n%s", name, err, log)
		default:
		}
		if ready() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s not ready within %v", name, deadline())
}

// signalBg sends stop (SIGTERM, then waits for a clean exit), kill
// (SIGKILL) or hup (SIGHUP) to a background process.
func signalBg(ts *testscript.TestScript, name, what string) {
	key, p := runningBg(ts, name)
	sig, ok := map[string]syscall.Signal{"stop": syscall.SIGTERM, "kill": syscall.SIGKILL, "hup": syscall.SIGHUP}[what]
	if !ok {
		ts.Fatalf("unknown action %q (want stop, kill or hup)", what)
	}
	ts.Check(p.cmd.Process.Signal(sig))
	if sig == syscall.SIGHUP {
		return
	}
	err := p.wait(deadline())
	bgMu.Lock()
	delete(bgProcs, key)
	bgMu.Unlock()
	if sig == syscall.SIGTERM && err != nil {
		ts.Fatalf("%s did not exit cleanly after SIGTERM: %v", name, err)
	}
	// A race-enabled binary reports races in its log; a SIGKILLed one has
	// no exit code to tell.
	if log, _ := os.ReadFile(p.log); bytes.Contains(log, []byte("WARNING: DATA RACE")) {
		ts.Fatalf("%s reported a data race (see %s)", name, filepath.Base(p.log))
	}
}

// runningBg is the script's background process name, with its key in
// bgProcs; the script fails when none runs.
func runningBg(ts *testscript.TestScript, name string) (string, *bgProc) {
	key := ts.Getenv("WORK") + "/" + name
	bgMu.Lock()
	p := bgProcs[key]
	bgMu.Unlock()
	if p == nil {
		ts.Fatalf("%s is not running", name)
	}
	return key, p
}

// waitCrashed waits until a background process dies of SIGKILL it did not
// get from the script.
func waitCrashed(ts *testscript.TestScript, name string) {
	key, p := runningBg(ts, name)
	var err error
	select {
	case err = <-p.exited:
	case <-time.After(deadline()):
		ts.Fatalf("%s still running after %v: it did not crash", name, deadline())
	}
	bgMu.Lock()
	delete(bgProcs, key)
	bgMu.Unlock()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		ts.Fatalf("%s exited (%v), not killed by its crash hook", name, err)
	}
}

// waitExited waits until a background process exits by itself with the
// status code (a decimal string).
func waitExited(ts *testscript.TestScript, name, code string) {
	key, p := runningBg(ts, name)
	var err error
	select {
	case err = <-p.exited:
	case <-time.After(deadline()):
		ts.Fatalf("%s still running after %v", name, deadline())
	}
	bgMu.Lock()
	delete(bgProcs, key)
	bgMu.Unlock()
	got := "0"
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = fmt.Sprint(ee.ExitCode())
	} else if err != nil {
		ts.Fatalf("%s: %v", name, err)
	}
	if got != code {
		ts.Fatalf("%s exited with status %s, want %s", name, got, code)
	}
}

func (p *bgProc) wait(d time.Duration) error {
	select {
	case err := <-p.exited:
		return err
	case <-time.After(d):
		syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
		return fmt.Errorf("still running after %v (SIGKILLed)", d)
	}
}

// stopAllDaemons ends what a script left running (it failed half-way):
// SIGTERM, so that daemons stop their sub-agents too.
func stopAllDaemons(env *testscript.Env) {
	prefix := env.WorkDir + "/"
	bgMu.Lock()
	var left []*bgProc
	for key, p := range bgProcs {
		if strings.HasPrefix(key, prefix) {
			left = append(left, p)
			delete(bgProcs, key)
		}
	}
	bgMu.Unlock()
	for _, p := range left {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.wait(30 * time.Second)
	}
}

func lookScriptPath(ts *testscript.TestScript, name string) string {
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	ts.Fatalf("%s not found in the script's PATH", name)
	return ""
}

func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "WORK", "TMPDIR", "BOOTAGENT_CONFIG", "BOOTAGENT_DEBUG", "BOOTSERVER_URL", "BOOTAGENT_CRASH_AT", "NOTIFY_SOCKET", "WATCHDOG_USEC"} {
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

// ownCgroupParent gives a script's daemon a cgroup parent of its own when
// its config names none: scripts run in parallel (and several checkouts
// may test at once), and two daemons sharing bootagent/NAME would kill
// and remove each other's cgroups.
func ownCgroupParent(ts *testscript.TestScript, cfgPath string) error {
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return err
	}
	if regexp.MustCompile(`(?m)^cgroup_parent:`).Match(b) {
		return nil
	}
	sum := sha256.Sum256([]byte(ts.Getenv("WORK")))
	line := fmt.Sprintf("\ncgroup_parent: bootagent-ts-%x\n", sum[:6])
	return os.WriteFile(cfgPath, append(b, line...), 0o644)
}
