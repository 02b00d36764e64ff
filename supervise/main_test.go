package supervise

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the blocked-start helper, as the
// bootagent binary does.
func TestMain(m *testing.M) {
	RunBlockedExec(os.Args[1:])
	os.Exit(m.Run())
}
