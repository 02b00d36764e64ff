package actual

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bootagent/bootagent/atomicfile"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// Record is what the daemon writes down about each running sub-agent so
// that, after a crash or SIGKILL of the daemon, the next start can adopt it
// instead of starting a second copy (SPEC §5).
type Record struct {
	Name        string    `json:"name"`
	Pid         int       `json:"pid"`
	StartTime   uint64    `json:"start_time"`        // /proc/PID/stat starttime: tells a reused pid apart
	BootID      string    `json:"boot_id,omitempty"` // the boot it runs in (Save sets it): pid and start time repeat across reboots
	Cgroup      string    `json:"cgroup,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	Version     string    `json:"version,omitempty"`
	Source      string    `json:"source,omitempty"`
	ProcessHash string    `json:"process_hash"`
	AppliedHash string    `json:"applied_hash"`
	Restarts    int       `json:"restarts"`
	// Doc is the desired doc the process was started from: after adoption
	// it is what an upgrade can roll back to.
	Doc desired.Doc `json:"doc"`
	// BadHash and BadReason are set while this process runs instead of a
	// desired doc whose package failed (rolled back, or not installable):
	// the next daemon does not try that doc again either.
	BadHash   string `json:"bad_hash,omitempty"`
	BadReason string `json:"bad_reason,omitempty"`
}

// Records stores one record per agent as DIR/NAME.json.
type Records struct{ Dir string }

// Save writes r atomically (temp file, rename): a crash leaves the old
// record or the new one, never half of one. Without fsync (it is on every
// start's path): a record adopts only within the boot that wrote it (its
// boot id), and within a boot a daemon crash or SIGKILL loses no written
// data; see atomicfile.WriteFileThisBoot.
func (s Records) Save(r Record) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("record %s: %w", r.Name, err)
	}
	b, err := json.Marshal(stampBoot(r))
	if err != nil {
		return fmt.Errorf("record %s: %w", r.Name, err)
	}
	return atomicfile.WriteFileThisBoot(filepath.Join(s.Dir, r.Name+".json"), b, 0o600) // it holds the agent's env
}

// stampBoot sets the current boot id on a record that has none, so that a
// record of another boot adopts nothing. An unreadable boot id leaves it
// empty: such a record is trusted as of this boot, like those written
// before boot ids were recorded.
func stampBoot(r Record) Record {
	if r.BootID == "" {
		r.BootID, _ = supervise.BootID()
	}
	return r
}

// Remove deletes name's record; a missing one is fine.
func (s Records) Remove(name string) error {
	err := os.Remove(filepath.Join(s.Dir, name+".json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("record %s: %w", name, err)
	}
	return nil
}

// Load reads every record. Unreadable ones (a torn write cannot happen, but
// a hand-edited file can) are returned as errors and removed: a record that
// cannot be trusted adopts nothing.
func (s Records) Load() ([]Record, []error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, []error{fmt.Errorf("records %s: %w", s.Dir, err)}
	}
	var out []Record
	var errs []error
	for _, e := range entries {
		path := filepath.Join(s.Dir, e.Name())
		if !strings.HasSuffix(e.Name(), ".json") {
			os.Remove(path) // a temp file of an interrupted Save
			continue
		}
		var r Record
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, &r)
		}
		if err == nil && (r.Name+".json" != e.Name() || r.Pid <= 0) {
			err = errors.New("name or pid does not match")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("record %s: %w (discarded)", path, err))
			os.Remove(path)
			continue
		}
		out = append(out, r)
	}
	return out, errs
}
