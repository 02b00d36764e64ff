package fetch

import (
	"fmt"

	"github.com/bootagent/bootagent/syntax"
)

// ValidateName checks an agent name before it is used in a path.
func ValidateName(what, s string) error {
	if !syntax.AgentName(s) {
		return fmt.Errorf("%w: %s %q must match %s", ErrBadName, what, s, syntax.AgentNameRule)
	}
	return nil
}

// validateVersion checks a version before it names a package directory:
// the same rule as desired docs, so a doc's version is never refused here.
func validateVersion(what, s string) error {
	if !syntax.Version(s) {
		return fmt.Errorf("%w: %s %q must match %s", ErrBadName, what, s, syntax.VersionRule)
	}
	return nil
}
