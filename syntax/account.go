package syntax

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// accountRE is the portable user/group name syntax (useradd's, with
// a trailing $ for machine accounts).
var accountRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$`)

// Account checks a user or group of a desired doc or a server job: a name
// or a numeric id; empty means the default (root, or the user's primary
// group).
func Account(s string) error {
	if s == "" || accountRE.MatchString(s) {
		return nil
	}
	if strings.Trim(s, "0123456789") == "" {
		// 4294967295 is (uid_t)-1, which setuid treats as "no change".
		if id, err := strconv.ParseUint(s, 10, 32); err == nil && id < 1<<32-1 {
			return nil
		}
		return fmt.Errorf("numeric id %s is out of range", s)
	}
	return fmt.Errorf("%q is neither a valid account name nor a numeric id", s)
}
