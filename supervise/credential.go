package supervise

import (
	"fmt"
	"os/user"
	"strconv"
	"syscall"
)

// Identity is who a sub-agent runs as.
type Identity struct {
	Cred *syscall.Credential // nil: the daemon's own (root)
	Home string
	User string
}

// LookupIdentity resolves user and group names (or numeric ids). No user
// means root; no group means the user's primary group. A user or group that
// does not exist is an error naming it: that agent is not started.
func LookupIdentity(userName, groupName string) (Identity, error) {
	id := Identity{Home: "/root", User: "root"}
	if userName == "" && groupName == "" {
		return id, nil
	}
	cred := &syscall.Credential{}
	if userName != "" {
		u, err := lookupUser(userName)
		if err != nil {
			return id, err
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		cred.Uid, cred.Gid = uint32(uid), uint32(gid)
		id.Home, id.User = u.HomeDir, u.Username
		// Supplementary groups as login would give them (initgroups).
		if gids, err := u.GroupIds(); err == nil {
			for _, g := range gids {
				if n, err := strconv.ParseUint(g, 10, 32); err == nil {
					cred.Groups = append(cred.Groups, uint32(n))
				}
			}
		}
	}
	if groupName != "" {
		gid, err := lookupGroup(groupName)
		if err != nil {
			return id, err
		}
		cred.Gid = gid
	}
	id.Cred = cred
	return id, nil
}

func lookupUser(name string) (*user.User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if _, numErr := strconv.ParseUint(name, 10, 32); numErr == nil {
			if u, err2 := user.LookupId(name); err2 == nil {
				return u, nil
			}
			// A numeric uid without a passwd entry is still a valid uid.
			return &user.User{Uid: name, Gid: name, Username: name, HomeDir: "/"}, nil
		}
		return nil, fmt.Errorf("user %q does not exist", name)
	}
	return u, nil
}

func lookupGroup(name string) (uint32, error) {
	if g, err := user.LookupGroup(name); err == nil {
		n, _ := strconv.ParseUint(g.Gid, 10, 32)
		return uint32(n), nil
	}
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(n), nil
	}
	return 0, fmt.Errorf("group %q does not exist", name)
}
