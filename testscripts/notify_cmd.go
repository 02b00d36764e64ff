package testscripts

import (
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdNotifysock: notifysock — a fake systemd notify socket: a unixgram
// socket whose path goes into $NOTIFY_SOCKET (for the daemons started
// after it), each datagram received appended as one line to
// $WORK/notify.log (newlines inside one shown as `|`). It lives in a short
// temp dir: a socket path is at most 107 bytes and $WORK may be longer.
func cmdNotifysock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: notifysock")
	}
	dir, err := os.MkdirTemp("", "ns")
	ts.Check(err)
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	ts.Check(err)
	ts.Defer(func() { conn.Close(); os.RemoveAll(dir) })
	logf, err := os.OpenFile(ts.MkAbs("notify.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	go func() {
		defer logf.Close()
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			logf.WriteString(strings.ReplaceAll(strings.TrimRight(string(buf[:n]), "\n"), "\n", "|") + "\n")
		}
	}()
	ts.Setenv("NOTIFY_SOCKET", path)
}
