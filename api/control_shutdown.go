package api

import (
	"context"
	"net/http"
)

// Shutdowner is a Controller that can also be asked to exit (`bootagent
// shutdown`): stopAgents stops the sub-agents first whatever the daemon's
// configuration says. Apart from Controller so that fakes need not have it.
type Shutdowner interface {
	Shutdown(stopAgents bool) error
}

// handleShutdown serves POST /v1/shutdown[?stop_agents=1] when c can.
func handleShutdown(mux *http.ServeMux, c Controller) {
	s, ok := c.(Shutdowner)
	if !ok {
		return
	}
	mux.HandleFunc("POST /v1/shutdown", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Shutdown(r.URL.Query().Get("stop_agents") == "1"); err != nil {
			writeJSON(w, http.StatusConflict, controlError{Error: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, controlError{})
	})
}

// Shutdown asks the daemon to exit; it answers before it stops.
func (c *ControlClient) Shutdown(ctx context.Context, stopAgents bool) error {
	path := "/v1/shutdown"
	if stopAgents {
		path += "?stop_agents=1"
	}
	return c.do(ctx, http.MethodPost, path, nil)
}
