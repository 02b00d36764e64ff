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
	// ErrUnauthorized means an admin request carries no token, or one that
	// is unknown or revoked (answered 401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden means the token's role may not do this (answered 403).
	ErrForbidden = errors.New("forbidden")
	// ErrUnknownToken means no admin token has that id.
	ErrUnknownToken = errors.New("unknown admin token")
	// errNotFound is an HTTP path no handler serves.
	errNotFound = errors.New("not found")
	// ErrSchemaTooNew means the database was written by a newer bootserver.
	ErrSchemaTooNew = errors.New("database schema is newer than this bootserver")
)
