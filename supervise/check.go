package supervise

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Check says whether Start could start spec, without starting anything:
// the command is found and executable. The worker checks a new version
// with it before stopping the one that runs, so a target that cannot
// start never takes the good one down.
func Check(spec Spec) error {
	if len(spec.Command) == 0 || spec.Command[0] == "" {
		return fmt.Errorf("start %s: %w", spec.Name, ErrNoCommand)
	}
	if _, err := resolveCommand(spec.Command[0], spec.Dir, spec.Env); err != nil {
		return fmt.Errorf("start %s: %w", spec.Name, err)
	}
	return nil
}

// rotatedLog matches the files RotateIfLarger keeps beside a log: NAME.N.
var rotatedLog = regexp.MustCompile(`^\.[0-9]+$`)

// RemoveLogs deletes a log and the rotated files kept beside it, once the
// agent that wrote them is gone for good.
func RemoveLogs(path string) error {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove logs %s: %w", path, err)
	}
	var errs []error
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base)
		if !ok || (rest != "" && !rotatedLog.MatchString(rest)) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove logs %s: %w", path, err)
	}
	return nil
}
