package server

import "errors"

// Sentinel errors. Handlers map them to HTTP status codes (see httpCode);
// callers test them with errors.Is.
var (
	// ErrInvalid marks bad input: a malformed field, an unknown action…
	ErrInvalid = errors.New("invalid request")
	// ErrUnknownHost means no host has that agentsn or hostname.
	ErrUnknownHost = errors.New("unknown host")
	// ErrAmbiguousHost means a hostname names several live hosts.
	ErrAmbiguousHost = errors.New("ambiguous host")
	// ErrUnknownJob means no job has that id.
	ErrUnknownJob = errors.New("unknown job")
	// ErrBusy means the writer's queue is full: the caller should retry
	// later (answered as 503 with Retry-After).
	ErrBusy = errors.New("server busy")
	// ErrClosed means the store is closed or closing.
	ErrClosed = errors.New("store closed")
	// errNotFound is an HTTP path no handler serves.
	errNotFound = errors.New("not found")
	// ErrSchemaTooNew means the database was written by a newer bootserver.
	ErrSchemaTooNew = errors.New("database schema is newer than this bootserver")
)
