package api

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The socket is 0600 in a 0700 directory the moment ListenControl
// returns, nothing else is left beside it, and Close removes it.
func TestListenControlModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "bootagent")
	path := filepath.Join(dir, "ctl.sock")
	ln, err := ListenControl(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %s, want a 0600 socket", fi.Mode())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory mode %s, want 0700", di.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left beside the socket: %v", ents)
	}
	if c, err := net.Dial("unix", path); err != nil {
		t.Fatalf("socket not answering: %v", err)
	} else {
		c.Close()
	}
	ln.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket left after Close: %v", err)
	}
}

// The socket never appears in its directory with the mode bind gave it:
// the only thing created there directly is the private 0700 directory it
// is bound in; the socket itself arrives by rename, already 0600.
func TestListenControlNeverCreatesTheSocketInPlace(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Skipf("no inotify: %v", err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE|syscall.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	ln, err := ListenControl(filepath.Join(dir, "ctl.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	buf := make([]byte, 64<<10)
	n, err := syscall.Read(fd, buf)
	if err != nil {
		t.Fatal(err)
	}
	movedIn := false
	for b := buf[:n]; len(b) >= syscall.SizeofInotifyEvent; {
		mask := binary.NativeEndian.Uint32(b[4:8])
		nameLen := int(binary.NativeEndian.Uint32(b[12:16]))
		name := string(bytes.TrimRight(b[16:16+nameLen], "\x00"))
		b = b[16+nameLen:]
		switch {
		case mask&syscall.IN_CREATE != 0 && mask&syscall.IN_ISDIR == 0:
			t.Fatalf("%s was created in place (mode as bind made it)", name)
		case mask&syscall.IN_MOVED_TO != 0 && name == "ctl.sock":
			movedIn = true
		}
	}
	if !movedIn {
		t.Fatal("the socket was not renamed into place")
	}
}
