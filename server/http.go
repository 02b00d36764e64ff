package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
)

// ShutdownTimeout bounds how long Serve waits for requests in flight once
// asked to stop.
const ShutdownTimeout = 10 * time.Second

// Server serves the agent wire protocol (SPEC §7) and the admin API over a
// Store.
type Server struct {
	store   *Store
	log     *slog.Logger
	handler http.Handler
	tls     *tls.Config  // nil: plain HTTP (--insecure-http)
	open    bool         // --open-enrollment: register needs no token
	fails   failLimiter  // refused registers by address (ratelimit.go)
	ui      http.Handler // the web UI (server/webui) at /, or nil
	metrics *metrics     // GET /metrics (metrics.go)
	// adminFails: admin requests refused for their token (401), by
	// address, under the same rule: guessing admin tokens is slowed down
	// like guessing enrollment tokens (the web UI's sign-in too).
	adminFails failLimiter
}

// SetUI serves h (the web UI, SPEC §12) for every path that is not the
// agent or admin API; call it before Serve.
func (s *Server) SetUI(h http.Handler) { s.ui = h }

// apiPath says whether path belongs to the JSON APIs, which answer
// unknown paths in JSON, never with a UI page.
func apiPath(path string) bool {
	return strings.HasPrefix(path, "/agent/") || strings.HasPrefix(path, "/admin/") || path == "/healthz"

}

// SetOpenEnrollment lets hosts register without an enrollment token
// (bootserver serve --open-enrollment; never the default). They still get
// a credential and must use it afterwards. Call it before Serve.
func (s *Server) SetOpenEnrollment(open bool) { s.open = open }

// SetTLS makes Serve speak HTTPS with cfg (see TLSConfig); call it before
// Serve.
func (s *Server) SetTLS(cfg *tls.Config) { s.tls = cfg }

// New returns a server over store; log defaults to slog.Default().
func New(store *Store, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{store: store, log: log}
	s.metrics = newMetrics(s)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+api.PathRegister, s.handleRegister)
	mux.HandleFunc("POST "+api.PathStatus, s.handleStatus)
	mux.HandleFunc("POST "+api.PathJobResult, s.handleResults)
	mux.HandleFunc("POST "+api.PathEvents, s.handleEvents)
	for _, p := range []string{api.PathRegister, api.PathStatus, api.PathJobResult, api.PathEvents} {
		mux.HandleFunc(p, methodNotAllowed("POST"))
	}

	// Admin API: every request needs a bearer token (auth.go); lists need
	// role read, changes role admin.
	mux.HandleFunc("GET "+api.PathAdminHosts, s.reads(s.handleHosts))
	mux.HandleFunc("GET "+api.PathAdminHosts+"/{host}", s.reads(s.handleHost))
	mux.HandleFunc("GET "+api.PathAdminHosts+"/{host}/agents", s.reads(s.handleAgents))
	mux.HandleFunc("PUT "+api.PathAdminHosts+"/{host}/tags", s.guard(api.RoleAdmin, s.handleTags))
	mux.HandleFunc("GET "+api.PathAdminJobs, s.reads(s.handleJobs))
	mux.HandleFunc("POST "+api.PathAdminJobs, s.guard(api.RoleAdmin, s.handleAddJob))
	mux.HandleFunc("GET "+api.PathAdminJobs+"/{id}", s.reads(s.handleJob))
	mux.HandleFunc("GET "+api.PathAdminEvents, s.reads(s.handleListEvents))
	mux.HandleFunc("GET "+api.PathAdminTokens, s.guard(api.RoleAdmin, s.handleTokens))
	mux.HandleFunc("POST "+api.PathAdminTokens, s.guard(api.RoleAdmin, s.handleCreateToken))
	mux.HandleFunc("POST "+api.PathAdminTokens+"/{id}/revoke", s.guard(api.RoleAdmin, s.handleRevokeToken))
	mux.HandleFunc("GET "+api.PathAdminEnrollTokens, s.guard(api.RoleAdmin, s.handleEnrollTokens))
	mux.HandleFunc("POST "+api.PathAdminEnrollTokens, s.guard(api.RoleAdmin, s.handleCreateEnrollToken))
	mux.HandleFunc("POST "+api.PathAdminEnrollTokens+"/{id}/revoke", s.guard(api.RoleAdmin, s.handleRevokeEnrollToken))
	mux.HandleFunc("POST "+api.PathAdminHosts+"/{host}"+api.PathAdminHostRevoke, s.guard(api.RoleAdmin, s.handleRevokeHost))
	mux.HandleFunc("POST "+api.PathAdminHosts+"/{host}"+api.PathAdminHostUnrevoke, s.guard(api.RoleAdmin, s.handleUnrevokeHost))
	s.routeRollouts(mux)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /metrics", s.reads(s.handleMetrics))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.ui != nil && !apiPath(r.URL.Path) {
			s.ui.ServeHTTP(w, r)
			return
		}
		writeAdminError(w, fmt.Errorf("%w: no such endpoint: %s %s", errNotFound, r.Method, r.URL.Path))
	})
	s.handler = s.metrics.instrument(mux)
	return s
}

// Handler is the server's HTTP handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln until ctx ends, then stops accepting, lets the
// requests in flight finish (at most ShutdownTimeout) and returns. The
// Store stays open: its owner closes it after Serve returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if s.tls != nil {
		scheme = "https"
		ln = tls.NewListener(ln, s.tls)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("bootserver listening", "addr", ln.Addr().String(), "scheme", scheme, "db", s.store.Path())
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.log.Info("bootserver shutting down", "addr", ln.Addr().String())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shut down %s: %w", ln.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	return nil
}

// methodNotAllowed answers 405 in JSON, like every other error.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, api.AdminError{Error: r.Method + " " + r.URL.Path + ": use " + allow})
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "version": api.Version})
}

// remoteHost is the client's address without its port.
func remoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}
