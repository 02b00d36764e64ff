package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// daemon is the real `bootagent run`, SIGKILLed and restarted at will.
type daemon struct {
	bin, config, log string
	proc             *bgProc
	starts, kills    int
	killedAt         []time.Time
	selfExits        []string // exits the soak did not cause
}

func (d *daemon) start() error {
	d.starts++
	if f, err := os.OpenFile(d.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		fmt.Fprintf(f, "=== bootsoak: daemon start #%d at %s ===\n", d.starts, time.Now().Format(time.RFC3339Nano))
		f.Close()
	}
	p, err := startProc("bootagent", d.log, filepath.Join(d.bin, "bootagent"), "run", "--config", d.config)
	if err != nil {
		return err
	}
	d.proc = p
	return nil
}

// killAndRestart SIGKILLs the daemon and starts it again at once.
func (d *daemon) killAndRestart() error {
	if d.proc != nil && !d.proc.exited() {
		d.proc.kill()
		d.kills++
		d.killedAt = append(d.killedAt, time.Now())
	}
	return d.start()
}

// ensureRunning restarts a daemon that exited on its own, and records it:
// nothing but the soak should ever end it.
func (d *daemon) ensureRunning() error {
	if d.proc == nil || !d.proc.exited() {
		return nil
	}
	d.selfExits = append(d.selfExits, fmt.Sprintf("start #%d exited by itself: %v", d.starts, d.proc.err))
	return d.start()
}

// stop ends the daemon with SIGTERM (keep_agents_on_exit is false: it
// stops its agents first).
func (d *daemon) stop() error {
	if d.proc == nil {
		return nil
	}
	return d.proc.stop(60 * time.Second)
}

// killBetween returns the first SIGKILL in (from, to), if any.
func (d *daemon) killBetween(from, to time.Time) (time.Time, bool) {
	for _, k := range d.killedAt {
		if k.After(from) && k.Before(to) {
			return k, true
		}
	}
	return time.Time{}, false
}

// grep returns the last n lines of the daemon log matching re.
func (d *daemon) grep(re *regexp.Regexp, n int) []string {
	f, err := os.Open(d.log)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if re.MatchString(sc.Text()) {
			out = append(out, sc.Text())
			if len(out) > n {
				out = out[1:]
			}
		}
	}
	return out
}
