package supervise

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// BlockedExecArg is the argv[1] by which the bootagent binary recognises
// that it was re-executed as the blocked-start helper of cgroup v1 (see
// startBlocked). Binaries embedding supervise must call RunBlockedExec
// first thing in main.
const BlockedExecArg = "__bootagent_blocked_exec"

// RunBlockedExec runs the helper when args (os.Args[1:]) ask for it and
// never returns then; otherwise it returns at once.
func RunBlockedExec(args []string) {
	if len(args) > 0 && args[0] == BlockedExecArg {
		os.Exit(blockedExecMain(args[1:]))
	}
}

// blockedExecMain: UID GID GROUPS PATH ARGV... (UID "-" keeps root; GROUPS
// comma-separated or "-"). It waits until the daemon has put this process
// in its cgroup and writes a byte on fd 3, then takes the agent's identity
// and execs the agent: the agent's first instruction already runs inside
// its cgroup. The helper starts as root because the daemon's binary need
// not be executable by the agent's user.
func blockedExecMain(args []string) int {
	if len(args) < 5 {
		fmt.Fprintln(os.Stderr, "bootagent: blocked exec: bad arguments")
		return 125
	}
	sync := os.NewFile(3, "sync")
	var b [1]byte
	if n, _ := sync.Read(b[:]); n != 1 {
		return 125 // the daemon gave up on this start (placement failed)
	}
	sync.Close()
	if args[0] != "-" {
		if err := setIdentity(args[0], args[1], args[2]); err != nil {
			fmt.Fprintf(os.Stderr, "bootagent: %v\n", err)
			return 126
		}
	}
	err := syscall.Exec(args[3], args[4:], os.Environ())
	fmt.Fprintf(os.Stderr, "bootagent: exec %s: %v\n", args[3], err)
	return 127
}

// setIdentity drops to the agent's user: groups first, then gid, then uid
// (after setuid nothing else may be changed).
func setIdentity(uidS, gidS, groupsS string) error {
	uid, err1 := strconv.Atoi(uidS)
	gid, err2 := strconv.Atoi(gidS)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("blocked exec: bad uid/gid %q/%q", uidS, gidS)
	}
	groups := []int{}
	if groupsS != "-" {
		for _, g := range strings.Split(groupsS, ",") {
			n, err := strconv.Atoi(g)
			if err != nil {
				return fmt.Errorf("blocked exec: bad group %q", g)
			}
			groups = append(groups, n)
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid %d: %w", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid %d: %w", uid, err)
	}
	return nil
}

// helperArgs builds the helper's argv for spec, whose program is path.
func helperArgs(path string, spec Spec) []string {
	args := []string{"bootagent", BlockedExecArg, "-", "-", "-"}
	if c := spec.Ident.Cred; c != nil {
		groups := "-"
		if len(c.Groups) > 0 {
			s := make([]string, len(c.Groups))
			for i, g := range c.Groups {
				s[i] = strconv.Itoa(int(g))
			}
			groups = strings.Join(s, ",")
		}
		args[2], args[3], args[4] = strconv.Itoa(int(c.Uid)), strconv.Itoa(int(c.Gid)), groups
	}
	return append(append(args, path), spec.Command...)
}
