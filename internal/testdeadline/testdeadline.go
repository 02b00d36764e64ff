// Package testdeadline stretches the deadlines tests poll against on slow
// machines: every test of the project reads the one variable,
// $BOOTAGENT_TEST_SCALE (e.g. 3), the same way.
package testdeadline

import (
	"os"
	"strconv"
	"time"
)

// Scale returns d times $BOOTAGENT_TEST_SCALE (1 when unset or invalid).
func Scale(d time.Duration) time.Duration {
	if f, err := strconv.ParseFloat(os.Getenv("BOOTAGENT_TEST_SCALE"), 64); err == nil && f > 0 {
		return time.Duration(float64(d) * f)
	}
	return d
}
