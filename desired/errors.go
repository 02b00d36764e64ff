package desired

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem found in a desired-state file or the daemon
// configuration. It always names the file, and the line when known, because
// an operator fixing a file needs to know where to look, not only what is
// wrong.
type Error struct {
	File  string // path as given by the caller (or "server")
	Line  int    // 1-based; 0 when unknown
	Agent string // name of the agent concerned, when known
	Msg   string
}

// Error formats as "FILE:LINE: MSG", the shape editors and compilers use, so
// terminals and IDEs can jump to the spot.
func (e *Error) Error() string {
	switch {
	case e.File == "" && e.Line == 0:
		return e.Msg
	case e.Line == 0:
		return e.File + ": " + e.Msg
	default:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
}

// Errors is every problem found in one pass. Validation reports all of them
// at once so an operator fixes a file in one round trip, not one error per
// attempt.
type Errors []*Error

// Error joins the messages, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns es as an error, or a true nil when es is empty: returning an
// empty Errors directly as an error would be a non-nil interface.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// withFile fills File (and Agent when unset) on errors produced without
// knowing which file they came from.
func (es Errors) withFile(file, agent string) Errors {
	for _, e := range es {
		e.File = file
		if e.Agent == "" {
			e.Agent = agent
		}
	}
	return es
}

// Reasons a desired file is refused before parsing.
var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = fmt.Errorf("larger than %d bytes", maxFileSize)
)
