package selfupgrade

import "time"

// SettleStale ends a trial that no process is on any more. A daemon that
// starts afresh (not exec'ed on trial) holds the state directory's lock,
// so no trial of that directory runs: one still recorded as Trying was cut
// short (the daemon crashed, or was stopped or restarted, before it was
// healthy). It is reverted and the previous binary restored; ok says so.
// The caller runs the previous binary when it is itself the new one.
func SettleStale(path string, now time.Time) (rec Record, ok bool, err error) {
	rec, found, err := Load(path)
	if err != nil || !found || rec.State != Trying {
		return rec, false, err
	}
	rec, won, err := Revert(path, rec.RevertReason("the daemon was stopped or restarted before it was healthy"), now)
	if err != nil || !won {
		return rec, false, err
	}
	return rec, true, nil
}
