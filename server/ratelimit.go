package server

import (
	"sync"
	"time"
)

// Repeated bad enrollment attempts (SPEC §10, issue 10) are slowed down:
// an address whose registers were refused (no, a bad, an expired or a
// used-up token or credential) more than enrollFailLimit times in
// enrollFailWindow is answered 429 with Retry-After until the window ends,
// good token or not, so guessing tokens costs a window per few tries.
// Admin requests refused for their token (401) count the same way, in a
// table of their own (Server.adminFails), so an operator locked out by a
// typo does not lock agents out of registering from the same address.
const (
	enrollFailLimit  = 30
	enrollFailWindow = time.Minute
	// enrollFailMaxAddrs bounds the table; beyond it, ended windows are
	// dropped first.
	enrollFailMaxAddrs = 10000
)

// failWindow counts the refusals of one address since start (Unix s).
type failWindow struct {
	start int64
	n     int
}

// enrollBlocked says whether an address with window w may not register
// at now, and for how many seconds more.
func enrollBlocked(w failWindow, now int64, limit int, window time.Duration) (bool, int64) {
	end := w.start + int64(window/time.Second)
	if w.n < limit || now >= end {
		return false, 0
	}
	return true, end - now
}

// failLimiter holds the windows, by address.
type failLimiter struct {
	mu sync.Mutex
	m  map[string]failWindow
}

func (l *failLimiter) blocked(addr string, now int64) (bool, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return enrollBlocked(l.m[addr], now, enrollFailLimit, enrollFailWindow)
}

// fail counts a refusal of addr.
func (l *failLimiter) fail(addr string, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]failWindow{}
	}
	w, ok := l.m[addr]
	if !ok || now >= w.start+int64(enrollFailWindow/time.Second) {
		if !ok && len(l.m) >= enrollFailMaxAddrs {
			l.prune(now)
		}
		w = failWindow{start: now}
	}
	w.n++
	l.m[addr] = w
}

func (l *failLimiter) prune(now int64) {
	for a, w := range l.m {
		if now >= w.start+int64(enrollFailWindow/time.Second) {
			delete(l.m, a)
		}
	}
	if len(l.m) >= enrollFailMaxAddrs {
		clear(l.m) // all live: forget them rather than grow without bound
	}
}

// AdminGuesses is the count of admin-token refusals by address, shared with
// the admin API's other doors (the web UI's sign-in), so guesses are
// counted once per address whichever way they come in.
type AdminGuesses struct{ s *Server }

// AdminGuesses gives the web UI the admin API's table.
func (s *Server) AdminGuesses() AdminGuesses { return AdminGuesses{s} }

// Blocked says whether addr (a host, no port) may not try a token now,
// and for how many seconds more.
func (g AdminGuesses) Blocked(addr string) (bool, int64) {
	return g.s.adminFails.blocked(addr, g.s.store.unix())
}

// Refused counts a token refused from addr.
func (g AdminGuesses) Refused(addr string) { g.s.adminFails.fail(addr, g.s.store.unix()) }
