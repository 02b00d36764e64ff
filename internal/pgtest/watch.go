package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// The cluster is shared by every test of the binary, so no one test's
// t.Cleanup may stop it, and a TestMain in every package that uses it would
// be easy to forget. Instead a small watcher process, started before the
// cluster, holds the read end of a pipe whose write end only this process
// has: when this process exits in any way (tests done, a panic, the -timeout
// kill, SIGKILL), the kernel closes the write end, the watcher's read ends,
// and it stops the server (pg_ctl stop -m immediate) and removes the
// directory. It runs as the cluster's user (pg_ctl refuses root; that user
// owns the directory) in a process group of its own (a Ctrl-C to go test's
// group must not kill it before it cleans up), with no output (go test
// would wait for the test binary's stdout if it held it open).
const watcherScript = `read _; "$0" stop --pgdata "$1" -m immediate -t 30 -s; rm -rf "$2"`

// exitPipes are the write ends; held in a package variable so that it is
// neither collected (its finalizer would close it) nor closed until exit.
var exitPipes []*os.File

func watch(bins binaries, c *cluster) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("pgtest: watcher pipe: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", watcherScript, bins.pgCtl, c.dataDir(), c.dir)
	cmd.Dir = c.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.as.cred}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("pgtest: starting the watcher of %s: %w", c.dir, err)
	}
	// Never waited for: it outlives this process by design.
	exitPipes = append(exitPipes, w)
	return nil
}
