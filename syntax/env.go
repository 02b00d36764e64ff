package syntax

import (
	"fmt"
	"regexp"
	"strings"
)

// EnvNameRule is the POSIX portable variable name, as written in errors.
const EnvNameRule = "[A-Za-z_][A-Za-z0-9_]*"

var envName = regexp.MustCompile(`^` + EnvNameRule + `$`)

// Env checks one environment variable of a desired doc, a job or a package
// manifest. The name is POSIX's portable form: execve would pass "a-b" or
// "1X", but shells drop them, and '=' or NUL would corrupt the child's
// environment. A value may hold anything but NUL, which execve cannot pass.
func Env(name, value string) error {
	if k, _, ok := strings.Cut(name, "="); ok {
		// "TOKEN=value" written as one name: what follows '=' is a value,
		// and values are never shown (SPEC §10).
		return fmt.Errorf("variable name %q…: a name cannot contain '=' (write NAME: value)", k)
	}
	if !envName.MatchString(name) {
		return fmt.Errorf("variable name %q is not %s", name, EnvNameRule)
	}
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("value of %s contains a NUL byte", name)
	}
	return nil
}
