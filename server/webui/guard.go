package webui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// cookieName is the session cookie. (A __Host- prefix would need Secure,
// which a plain-HTTP lab server cannot set.)
const cookieName = "bootserver_session"

// viewer is who a request comes from: a session and its token's role,
// as the store says now.
type viewer struct {
	s    *session
	Role string
}

// Admin says whether the viewer may act (role admin).
func (v *viewer) Admin() bool { return v.Role == api.RoleAdmin }

// TokenID names the viewer's admin token (its id, never the secret).
func (v *viewer) TokenID() string { return v.s.tokenID }

type viewHandler func(w http.ResponseWriter, r *http.Request, v *viewer)

// signedIn lets a request with a live session through to h; any other is
// sent to the sign-in page (a page) or refused 401 (anything else).
func (u *UI) signedIn(h viewHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := u.viewer(r)
		if err != nil {
			u.log.Error("web UI session check failed", "err", err)
			u.errorPage(w, r, nil, http.StatusInternalServerError, "Could not check the session.")
			return
		}
		if v == nil {
			if r.Method == http.MethodGet && r.URL.Path != "/events/stream" {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			u.errorPage(w, r, nil, http.StatusUnauthorized, "Sign in first.")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, v)
	}
}

// action guards a change (a POST): signed in, from this site (see
// crossSite), carrying the session's CSRF token, by an admin. A read
// session never sees the form, and is refused here all the same.
func (u *UI) action(h viewHandler) http.HandlerFunc {
	return u.signedIn(func(w http.ResponseWriter, r *http.Request, v *viewer) {
		if err := crossSite(r); err != nil {
			u.log.Warn("web UI action refused", "path", r.URL.Path, "token_id", v.s.tokenID, "err", err)
			u.errorPage(w, r, v, http.StatusForbidden, "Refused: "+err.Error())
			return
		}
		if !v.s.csrfOK(r.PostFormValue("csrf")) {
			u.log.Warn("web UI action refused: bad CSRF token", "path", r.URL.Path, "token_id", v.s.tokenID)
			u.errorPage(w, r, v, http.StatusForbidden, "Refused: the form is stale or not from this site; reload the page and try again.")
			return
		}
		if !v.Admin() {
			u.log.Info("web UI action refused: role read", "path", r.URL.Path, "token_id", v.s.tokenID)
			u.errorPage(w, r, v, http.StatusForbidden, "Refused: your token has role read; this needs role admin.")
			return
		}
		h(w, r, v)
	})
}

// viewer returns the request's viewer, or nil when it has no live session
// or its token was revoked since (the session then ends).
func (u *UI) viewer(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil, nil
	}
	se := u.sessions.get(c.Value)
	if se == nil {
		return nil, nil
	}
	ti, err := u.store.AdminToken(r.Context(), se.tokenID)
	if errors.Is(err, server.ErrUnknownToken) || (err == nil && ti.Revoked != 0) {
		u.sessions.end(se.id)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &viewer{s: se, Role: ti.Role}, nil
}

// crossSite refuses a request that a browser says comes from another
// site: Sec-Fetch-Site other than same-origin or none (typed or
// bookmarked), or an Origin that is not this server's. A client that sends
// neither (not a browser) still needs the CSRF token.
func crossSite(r *http.Request) error {
	return checkSite(r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Origin"), r.Host, r.TLS != nil)
}

// checkSite is crossSite's rule, on the header values.
func checkSite(fetchSite, origin, host string, tls bool) error {
	if fetchSite != "" && fetchSite != "same-origin" && fetchSite != "none" {
		return errors.New("request from another site (Sec-Fetch-Site: " + fetchSite + ")")
	}
	if origin == "" {
		return nil
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	o, err := url.Parse(origin)
	if err != nil || o.Scheme != scheme || !strings.EqualFold(o.Host, host) {
		return errors.New("request from another origin (" + origin + ")")
	}
	return nil
}

// setSessionCookie gives the browser se's id: HttpOnly (no script reads
// it), SameSite=Lax (never sent on another site's POST; a link from
// elsewhere still opens the UI signed in), Secure when served over HTTPS.
func setSessionCookie(w http.ResponseWriter, r *http.Request, se *session) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: se.id, Path: "/", Expires: se.expires,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}
