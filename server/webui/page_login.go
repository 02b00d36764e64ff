package webui

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/bootagent/bootagent/server"
)

// Sign-in: the operator pastes an admin token (bsa_…); it is checked with
// the admin API's own check (Store.Authenticate) and never stored, logged
// or put in the cookie: the session remembers only the token's id.

func (u *UI) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if v, _ := u.viewer(r); v != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u.render(w, nil, http.StatusOK, "login", pageData{Title: "Sign in"}, loginBody{})
}

type loginBody struct{ Error string }

func (u *UI) handleLogin(w http.ResponseWriter, r *http.Request) {
	// A sign-in from another site would sign the operator in as the
	// attacker's token: refused like any cross-site action.
	if err := crossSite(r); err != nil {
		u.render(w, nil, http.StatusForbidden, "login", pageData{Title: "Sign in"}, loginBody{Error: "Refused: " + err.Error()})
		return
	}
	addr := clientHost(r)
	if u.guesses != nil {
		if blocked, after := u.guesses.Blocked(addr); blocked {
			u.log.Warn("web UI sign-in refused: too many bad admin tokens", "addr", addr, "retry_after", after)
			w.Header().Set("Retry-After", strconv.FormatInt(after, 10))
			u.render(w, nil, http.StatusTooManyRequests, "login", pageData{Title: "Sign in"},
				loginBody{Error: fmt.Sprintf("Too many refused tokens from %s; try again in %d s.", addr, after)})
			return
		}
	}
	tok := strings.TrimSpace(r.PostFormValue("token"))
	who, err := u.store.Authenticate(r.Context(), tok)
	if errors.Is(err, server.ErrUnauthorized) {
		if u.guesses != nil {
			u.guesses.Refused(addr)
		}
		u.log.Info("web UI sign-in refused", "addr", addr, "err", err)
		u.render(w, nil, http.StatusUnauthorized, "login", pageData{Title: "Sign in"},
			loginBody{Error: "That token was not accepted: it is unknown, revoked or mistyped."})
		return
	}
	if err != nil {
		u.log.Error("web UI sign-in failed", "err", err)
		u.errorPage(w, r, nil, http.StatusInternalServerError, "Could not check the token.")
		return
	}
	se, err := u.sessions.start(who.ID)
	if err != nil {
		u.log.Error("web UI sign-in failed", "err", err)
		u.errorPage(w, r, nil, http.StatusInternalServerError, "Could not start a session.")
		return
	}
	u.log.Info("web UI sign-in", "token_id", who.ID, "role", who.Role, "addr", r.RemoteAddr)
	setSessionCookie(w, r, se)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleLogout ends the session. It needs the CSRF token, so another site
// cannot sign an operator out either.
func (u *UI) handleLogout(w http.ResponseWriter, r *http.Request, v *viewer) {
	if crossSite(r) != nil || !v.s.csrfOK(r.PostFormValue("csrf")) {
		u.errorPage(w, r, v, http.StatusForbidden, "Refused: the form is stale or not from this site.")
		return
	}
	u.sessions.end(v.s.id)
	clearSessionCookie(w, r)
	u.log.Info("web UI sign-out", "token_id", v.s.tokenID)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// clientHost is the request's remote address without its port, as the
// admin API counts it.
func clientHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
