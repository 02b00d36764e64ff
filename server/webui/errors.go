package webui

import (
	"errors"
	"net/http"

	"github.com/bootagent/bootagent/server"
)

// fail answers a store error: the operator's mistakes (bad input, unknown
// or ambiguous host) as such with the store's message, anything else as
// 500 with the details in the log only.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	switch {
	case errors.Is(err, server.ErrInvalid):
		u.errorPage(w, r, v, http.StatusBadRequest, err.Error())
	case errors.Is(err, server.ErrUnknownHost), errors.Is(err, server.ErrUnknownJob):
		u.errorPage(w, r, v, http.StatusNotFound, err.Error())
	case errors.Is(err, server.ErrAmbiguousHost):
		u.errorPage(w, r, v, http.StatusConflict, err.Error())
	case errors.Is(err, server.ErrBusy):
		w.Header().Set("Retry-After", "1")
		u.errorPage(w, r, v, http.StatusServiceUnavailable, "The server is busy; try again in a moment.")
	default:
		u.log.Error("web UI request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		u.errorPage(w, r, v, http.StatusInternalServerError, "Something went wrong on the server; its log says what.")
	}
}
