package selfupgrade

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// RevertInPlace ends the trial recorded at path for a new binary that
// cannot start (its configuration does not parse, its state directory
// cannot be opened): it restores the previous binary and execs it, same
// pid. It returns only when it could not (the trial was over already, or
// the exec failed), with why.
func RevertInPlace(path string, cause error) error {
	rec, ok, err := Load(path)
	if err != nil || !ok {
		return fmt.Errorf("self-upgrade record %s unreadable: %v", path, err)
	}
	rec, won, err := Revert(path, rec.RevertReason("it could not start: "+cause.Error()), time.Now())
	if err != nil {
		return err
	}
	if !won {
		return fmt.Errorf("self-upgrade trial already ended (%s)", rec.State)
	}
	fmt.Fprintf(os.Stderr, "bootagent: self-upgrade failed: %s\n", rec.Reason)
	return fmt.Errorf("re-exec %s: %w", rec.Exe, syscall.Exec(rec.Exe, rec.Args, guardEnv()))
}
