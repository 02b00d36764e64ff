// Package webui is bootserver's fleet web UI (SPEC §12), served at / on
// the server's listener: server-rendered html/template pages, every asset
// embedded, one small script for the live event view and nothing else.
// Operators sign in with an admin token (SPEC §10); the token becomes a
// server-side session, a read session sees no action controls, and every
// action is refused to it anyway.
package webui

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/bootagent/bootagent/server"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options tune the UI; the zero value is usable.
type Options struct {
	Log *slog.Logger // default slog.Default()
	// Rollouts serves the rollout pages (SPEC §11); nil shows them as not
	// available on this server.
	Rollouts Rollouts
	// Guesses, when set, slows down token guessing at sign-in with the
	// admin API's own count (server.Server.AdminGuesses).
	Guesses Guesses
	// SessionTTL is how long a sign-in lasts; default 12h.
	SessionTTL time.Duration
	Now        func() time.Time // default time.Now
}

// Guesses counts refused tokens by address (server.AdminGuesses).
type Guesses interface {
	Blocked(addr string) (bool, int64)
	Refused(addr string)
}

// UI is the web UI's handler.
type UI struct {
	ctx      context.Context // ends live streams when the server stops
	store    *server.Store
	log      *slog.Logger
	rollouts Rollouts
	guesses  Guesses
	sessions *sessions
	pages    *pages
	now      func() time.Time
	mux      *http.ServeMux
}

// New returns the UI over store. Live event streams end when ctx does, so
// a server shutting down does not wait for them.
func New(ctx context.Context, store *server.Store, opts Options) *UI {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	u := &UI{ctx: ctx, store: store, log: opts.Log, rollouts: opts.Rollouts, guesses: opts.Guesses, now: opts.Now,
		sessions: newSessions(opts.SessionTTL, opts.Now), pages: mustParsePages(opts.Now)}
	m := http.NewServeMux()
	m.HandleFunc("GET /login", u.handleLoginForm)
	m.HandleFunc("POST /login", u.handleLogin)
	m.HandleFunc("POST /logout", u.signedIn(u.handleLogout))
	m.HandleFunc("GET /{$}", u.signedIn(u.handleOverview))
	m.HandleFunc("GET /hosts", u.signedIn(u.handleHosts))
	m.HandleFunc("GET /hosts/{host}", u.signedIn(u.handleHost))
	m.HandleFunc("GET /jobs", u.signedIn(u.handleJobs))
	m.HandleFunc("POST /jobs", u.action(u.handleQueueJob))
	m.HandleFunc("GET /events", u.signedIn(u.handleEvents))
	m.HandleFunc("GET /events/stream", u.signedIn(u.handleEventStream))
	m.HandleFunc("GET /rollouts", u.signedIn(u.handleRollouts))
	m.HandleFunc("GET /rollouts/new", u.signedIn(u.handleNewRolloutForm))
	m.HandleFunc("POST /rollouts/new", u.action(u.handleNewRollout))
	m.HandleFunc("GET /rollouts/{id}", u.signedIn(u.handleRollout))
	m.HandleFunc("POST /rollouts/{id}/{act}", u.action(u.handleRolloutAction))
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(static)))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.errorPage(w, r, nil, http.StatusNotFound, "No such page: "+r.URL.Path)
	})
	u.mux = m
	return u
}

// ServeHTTP answers one request with the headers every UI answer carries:
// a policy allowing only this server's own scripts, styles and
// connections (so an injected tag could not run), no framing, no sniffing.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	u.mux.ServeHTTP(w, r)
}

// staticFiles serves the embedded assets; they change only with the
// binary, so browsers may keep them an hour.
func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
