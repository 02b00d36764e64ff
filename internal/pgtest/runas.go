package pgtest

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// runAsName decides whose identity the cluster runs under: PostgreSQL's
// initdb and postgres refuse to run as root, so root hands them to the
// "postgres" user (Debian's package creates it) or, without it, "nobody".
// Anyone else runs them as themselves (""), since they cannot switch.
func runAsName(euid int, havePostgresUser bool) string {
	switch {
	case euid != 0:
		return ""
	case havePostgresUser:
		return "postgres"
	default:
		return "nobody"
	}
}

// identity is the user the cluster's processes run as; nil cred means the
// current user.
type identity struct {
	name     string
	uid, gid int
	cred     *syscall.Credential
}

// lookupIdentity applies runAsName to this process and this machine.
func lookupIdentity() (identity, error) {
	_, err := user.Lookup("postgres")
	name := runAsName(os.Geteuid(), err == nil)
	if name == "" {
		return identity{name: "(current user)", uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return identity{}, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return identity{}, fmt.Errorf("user %s: non-numeric uid %q or gid %q", name, u.Uid, u.Gid)
	}
	return identity{
		name: name, uid: uid, gid: gid,
		cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}},
	}, nil
}
