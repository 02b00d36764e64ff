package supervise

import "errors"

// Sentinel errors of the package; wrapped with the agent's name.
var (
	ErrNoCommand       = errors.New("no command to run")
	ErrCommandNotFound = errors.New("command not found")
)
