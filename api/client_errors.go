package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrNoServers means the client has no server to talk to (offline mode, or
// every configured address was invalid).
var ErrNoServers = errors.New("no control server configured")

// ErrRequestTooLarge means a request body would exceed MaxBody; the server
// would reject it, so it is not sent. Drain and Status never make one
// (batchFits, FitStatus); a caller of round that does learns it here.
var ErrRequestTooLarge = errors.New("request body over 1 MiB")

// MaxRetryAfter caps a server's Retry-After: a misconfigured server must
// not silence an agent for days.
const MaxRetryAfter = time.Hour

// RetryAfterError is a 429 or 503 answer carrying Retry-After. The caller
// finds it with errors.As (or RetryAfter) in the error of a round and waits
// at least After before its next call.
type RetryAfterError struct {
	Server string
	Path   string
	Code   int
	After  time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("POST %s%s: HTTP %d, retry after %s", e.Server, e.Path, e.Code, e.After)
}

// StatusError is any other answer that is not 2xx.
type StatusError struct {
	Server string
	Path   string
	Code   int
	Body   string // start of the answer, for the log
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("POST %s%s: HTTP %d", e.Server, e.Path, e.Code)
	}
	return fmt.Sprintf("POST %s%s: HTTP %d: %s", e.Server, e.Path, e.Code, e.Body)
}

// RetryAfter returns the longest delay any server of a failed round asked
// for. A round's error joins one error per server, so errors.As alone would
// find only the first.
func RetryAfter(err error) (time.Duration, bool) {
	var longest time.Duration
	found := false
	var walk func(error)
	walk = func(err error) {
		if ra, ok := err.(*RetryAfterError); ok {
			found = true
			longest = max(longest, ra.After)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			if e := u.Unwrap(); e != nil {
				walk(e)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return longest, found
}

// parseRetryAfter reads Retry-After in either of its forms (RFC 9110
// §10.2.3): delay-seconds or an HTTP date. A date in the past means "now".
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		d = time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, MaxRetryAfter), true
}
