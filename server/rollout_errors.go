package server

import "errors"

var (
	// ErrUnknownRollout means no rollout has that id (answered 404).
	ErrUnknownRollout = errors.New("unknown rollout")
	// ErrConflict means the change collides with the current state: a
	// second active rollout on a (host, agent) pair, a job for such a pair
	// without force, a rollout not in a state that allows the change, a
	// job already delivered (answered 409).
	ErrConflict = errors.New("conflict")
)
