package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/bootagent/bootagent/api"
)

// readBody reads a request body of at most api.MaxBody bytes; more is
// ErrInvalid (answered 400), like a body that cannot be read at all.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, invalid("request body is over %d bytes", api.MaxBody)
		}
		return nil, invalid("reading request body: %v", err)
	}
	return body, nil
}

// decodeAgent reads a body from an agent into v, whose JSON kind (object
// or array) the body must have. Unknown fields are allowed: agents may
// send extensions.
func decodeAgent(w http.ResponseWriter, r *http.Request, v any, kind byte) ([]byte, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	if err := checkKind(body, kind); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, invalid("malformed JSON: %v", err)
	}
	return body, nil
}

// decodeAdmin reads an operator's request into v. Unknown fields are an
// error: a misspelt field must not silently drop part of a job.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if err := checkKind(body, '{'); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("malformed JSON: data after the object")
	}
	return nil
}

func checkKind(body []byte, kind byte) error {
	t := bytes.TrimLeft(body, " \t\r\n")
	if len(t) == 0 || t[0] != kind {
		what := map[byte]string{'{': "a JSON object", '[': "a JSON array"}[kind]
		return invalid("malformed JSON: the body must be %s", what)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n')) // a failed write means the client left; nothing to do
}

// httpCode maps an error to its HTTP status; busy answers also carry
// Retry-After, which agents honour (SPEC §7).
func httpCode(w http.ResponseWriter, err error) int {
	switch {
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnauthorized):
		w.Header().Set("WWW-Authenticate", `Bearer realm="bootserver"`)
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrUnknownHost), errors.Is(err, ErrUnknownJob), errors.Is(err, ErrUnknownToken), errors.Is(err, errNotFound),
		errors.Is(err, ErrUnknownRollout):
		return http.StatusNotFound
	case errors.Is(err, ErrAmbiguousHost), errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrBusy), errors.Is(err, ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "1")
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func writeAdminError(w http.ResponseWriter, err error) {
	writeJSON(w, httpCode(w, err), api.AdminError{Error: err.Error()})
}

// agentError is the answer to an agent's failed request: a non-zero
// errcode (status for register), so nothing is taken as stored, and the
// reason.
type agentError struct {
	Status  int    `json:"status,omitempty"`
	Errcode int    `json:"errcode"`
	Error   string `json:"error"`
}

func (s *Server) writeAgentError(w http.ResponseWriter, r *http.Request, err error) {
	code := httpCode(w, err)
	if code >= 500 && !errors.Is(err, context.Canceled) { // canceled: the client left
		s.log.Warn("agent request failed", "path", r.URL.Path, "addr", remoteHost(r), "code", code, "err", err)
	} else {
		s.log.Debug("agent request refused", "path", r.URL.Path, "addr", remoteHost(r), "code", code, "err", err)
	}
	a := agentError{Errcode: 1, Error: err.Error()}
	if r.URL.Path == api.PathRegister {
		a.Status = 1
	}
	writeJSON(w, code, a)
}
