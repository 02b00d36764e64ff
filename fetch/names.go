package fetch

import (
	"fmt"
	"regexp"
)

// namePattern is SPEC §4's agent name. Versions use it too: both become a
// path component of the store, so neither may hold a separator or start
// with a dot.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateName checks an agent name or a version before it is used in a path.
func ValidateName(what, s string) error {
	if !namePattern.MatchString(s) {
		return fmt.Errorf("%w: %s %q must match %s", ErrBadName, what, s, namePattern)
	}
	return nil
}
