package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// SelfUpgradeRequest is `bootagent self-upgrade` on the control socket.
type SelfUpgradeRequest struct {
	URL       string `json:"url"`
	Checksum  string `json:"checksum"`
	Signature string `json:"signature,omitempty"`
}

// SelfUpgradeAnswer: Pending, the daemon is about to re-exec the new
// binary (the outcome will be in its self-upgrade record); else Message is
// the outcome (a no-op).
type SelfUpgradeAnswer struct {
	Message string `json:"message"`
	Pending bool   `json:"pending"`
	Error   string `json:"error,omitempty"`
}

// LocalSelfUpgrader is a Controller that can upgrade its own binary.
type LocalSelfUpgrader interface {
	SelfUpgradeLocal(url, checksum, signature string) (msg string, pending bool, err error)
}

// handleSelfUpgrade serves POST /v1/self-upgrade when c can.
func handleSelfUpgrade(mux *http.ServeMux, c Controller) {
	s, ok := c.(LocalSelfUpgrader)
	if !ok {
		return
	}
	mux.HandleFunc("POST /v1/self-upgrade", func(w http.ResponseWriter, r *http.Request) {
		var req SelfUpgradeRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{Error: "bad self-upgrade request: " + err.Error()})
			return
		}
		msg, pending, err := s.SelfUpgradeLocal(req.URL, req.Checksum, req.Signature)
		if err != nil {
			writeJSON(w, http.StatusConflict, controlError{Error: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, SelfUpgradeAnswer{Message: msg, Pending: pending})
	})
}

// SelfUpgrade asks the daemon to upgrade its own binary.
func (c *ControlClient) SelfUpgrade(ctx context.Context, req SelfUpgradeRequest) (SelfUpgradeAnswer, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return SelfUpgradeAnswer{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://bootagent/v1/self-upgrade", bytes.NewReader(body))
	if err != nil {
		return SelfUpgradeAnswer{}, err
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return SelfUpgradeAnswer{}, fmt.Errorf("%w on %s (is `bootagent run` running with this config?): %v", ErrNoDaemon, c.Socket, unwrapDial(err))
	}
	defer resp.Body.Close()
	var a SelfUpgradeAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil {
		return a, fmt.Errorf("control socket %s: bad answer: %w", c.Socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		return a, fmt.Errorf("%s", a.Error)
	}
	return a, nil
}
