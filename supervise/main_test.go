package supervise

import (
	"os"
	"testing"
)

// helperRanEnv names a file the test binary creates when it runs as the
// blocked-start helper, so a test can tell that a start used the helper.
const helperRanEnv = "BOOTAGENT_TEST_HELPER_RAN"

// TestMain lets the test binary serve as the blocked-start helper, as the
// bootagent binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == BlockedExecArg {
		if f := os.Getenv(helperRanEnv); f != "" {
			_ = os.WriteFile(f, nil, 0o600)
		}
	}
	RunBlockedExec(os.Args[1:])
	os.Exit(m.Run())
}
