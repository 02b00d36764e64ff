package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// execWatch hears every exec on the host from the kernel's process events
// connector (netlink, root only), with the kernel's own CLOCK_MONOTONIC
// timestamp of each. The measuring then costs the same for every peer and
// nothing while no process execs: polling /proc instead read the command
// line of every unmatched process on each pass (500 s6-supervise or runsv
// processes, one bootagent) and the children of the killed service's
// parent (one for s6 and runit, 500 for bootagent), and a polling loop
// took one of the host's two CPUs from the supervisor it measured.
type execWatch struct {
	fd     int
	events chan execEvent
	// closed asks the reader to close the socket: closing it under a
	// blocked recvfrom would not wake it, and the fd number, reused by the
	// next watch, would then be read by this one's reader.
	closed atomic.Bool
}

// execEvent is one exec: pid's command line as read on hearing of it, and
// when the kernel reported the exec.
type execEvent struct {
	pid     int
	cmdline []byte
	at      time.Duration // CLOCK_MONOTONIC
}

// Netlink process connector constants (linux/connector.h, linux/cn_proc.h).
const (
	cnIdxProc          = 1
	cnValProc          = 1
	procCnMcastListen  = 1
	procEventExec      = 2
	nlmsgHdrLen        = 16
	cnMsgLen           = 20
	procEventHeaderLen = 16 // what, cpu, timestamp_ns
)

func newExecWatch() (*execWatch, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("process events socket: %w", err)
	}
	// The reader looks at closed this often.
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100000}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("process events socket: %w", err)
	}
	// Hundreds of execs at once at start-up: a deep queue, or ENOBUFS.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 64<<20); err != nil {
		fmt.Fprintln(os.Stderr, "benchpeers: process events buffer:", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("process events bind: %w", err)
	}
	msg := make([]byte, nlmsgHdrLen+cnMsgLen+4)
	le := binary.LittleEndian
	le.PutUint32(msg[0:], uint32(len(msg)))
	le.PutUint16(msg[4:], unix.NLMSG_DONE)
	le.PutUint32(msg[12:], uint32(os.Getpid()))
	le.PutUint32(msg[16:], cnIdxProc)
	le.PutUint32(msg[20:], cnValProc)
	le.PutUint16(msg[32:], 4) // payload length
	le.PutUint32(msg[36:], procCnMcastListen)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("process events listen: %w", err)
	}
	w := &execWatch{fd: fd, events: make(chan execEvent, 1<<16)}
	go w.read()
	return w, nil
}

// read turns exec events into execEvents until the watch is closed.
func (w *execWatch) read() {
	defer unix.Close(w.fd)
	defer close(w.events)
	buf := make([]byte, 1<<16)
	le := binary.LittleEndian
	for !w.closed.Load() {
		n, _, err := unix.Recvfrom(w.fd, buf, 0)
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err == unix.ENOBUFS {
			fmt.Fprintln(os.Stderr, "benchpeers: process events lost (ENOBUFS): figures of this round may be late")
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchpeers: process events:", err)
			return
		}
		for b := buf[:n]; len(b) >= nlmsgHdrLen; {
			l := int(le.Uint32(b))
			if l < nlmsgHdrLen || l > len(b) {
				break
			}
			ev := b[nlmsgHdrLen:l]
			b = b[(l+3)&^3:]
			if len(ev) < cnMsgLen+procEventHeaderLen+8 {
				continue
			}
			pe := ev[cnMsgLen:]
			if le.Uint32(pe) != procEventExec {
				continue
			}
			at := time.Duration(le.Uint64(pe[8:]))
			pid := int(int32(le.Uint32(pe[procEventHeaderLen:])))
			select {
			case w.events <- execEvent{pid: pid, cmdline: readCmdline(pid), at: at}:
			default:
				fmt.Fprintln(os.Stderr, "benchpeers: process events dropped: nobody reads them")
			}
		}
	}
}

func (w *execWatch) close() { w.closed.Store(true) }

// monotonic is now on the clock the kernel stamps events with.
func monotonic() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano())
}

// services follows which services run from exec events: a process runs
// service i from its exec of `sleep TOKEN`. A process may exec twice in
// quick succession (sh, then sleep) and its command line is read after the
// fact, so the latest exec of a process is the one that counts.
type services struct {
	n       int
	last    map[int]time.Duration // pid -> its latest exec
	running map[int]int           // service -> pid
	since   map[int]time.Duration // service -> its process's latest exec
	// mine, when set, tells the peer's processes from others that exec
	// the same command line (a second benchpeers on the host).
	mine func(pid int) bool
}

func newServices(n int) *services {
	return &services{n: n, last: map[int]time.Duration{}, running: map[int]int{}, since: map[int]time.Duration{}}
}

// add takes one event; it returns the service it shows running, or -1.
func (s *services) add(e execEvent) int {
	if e.at > s.last[e.pid] {
		s.last[e.pid] = e.at
	}
	i := tokenOf(e.cmdline, s.n)
	if i < 0 || (s.mine != nil && !s.mine(e.pid)) {
		return -1
	}
	s.running[i] = e.pid
	s.since[i] = s.last[e.pid]
	return i
}

// settle takes the events that follow within d (the sleep's own exec
// when the command line was read as sleep at the sh's exec event).
func (s *services) settle(w *execWatch, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				return
			}
			s.add(e)
		case <-t.C:
			return
		}
	}
}

// descendsFrom reports whether pid is below root in the process tree now.
func descendsFrom(pid, root int) bool {
	for range 16 { // a supervisor tree is a few levels deep
		pp := parentOf(pid)
		if pp == root {
			return true
		}
		if pp <= 1 {
			return false
		}
		pid = pp
	}
	return false
}
