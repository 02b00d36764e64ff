package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Register is POST /agent/register. The answer's agentsn, when it differs
// from the request's, is the server's re-assignment: the caller adopts it
// with SaveAgentSN. An answer with a non-zero status or an unusable agentsn
// is a failing answer (the next server is asked).
//
// The enrollment token (SetEnrollToken) goes only into the bodies sent to
// https servers; an http server gets the request without it.
func (c *Client) Register(ctx context.Context, req RegisterRequest) (RegisterResponse, error) {
	req.EnrollToken = ""
	plain, err := json.Marshal(req)
	if err != nil {
		return RegisterResponse{}, fmt.Errorf("POST %s: %w", PathRegister, err)
	}
	c.mu.Lock()
	req.EnrollToken = c.enrollTok
	c.mu.Unlock()
	withToken := plain
	if req.EnrollToken != "" {
		if withToken, err = json.Marshal(req); err != nil {
			return RegisterResponse{}, fmt.Errorf("POST %s: %w", PathRegister, err)
		}
	}
	bodyFor := func(srv string) []byte {
		if strings.HasPrefix(srv, "https://") {
			return withToken
		}
		return plain
	}
	var out RegisterResponse
	err = c.roundFor(ctx, PathRegister, bodyFor, func(answer []byte) error {
		var err error
		out, err = decodeRegisterAnswer(answer)
		return err
	})
	return out, err
}

// decodeRegisterAnswer accepts an answer to POST /agent/register whose
// status is 0 and whose agentsn, if any, is one the agent can persist.
func decodeRegisterAnswer(answer []byte) (RegisterResponse, error) {
	var r RegisterResponse
	if err := decodeObject(answer, &r); err != nil {
		return RegisterResponse{}, err
	}
	if r.Status != 0 {
		return RegisterResponse{}, fmt.Errorf("status %d", r.Status)
	}
	if r.AgentSN != "" {
		if err := ValidateAgentSN(r.AgentSN); err != nil {
			return RegisterResponse{}, err
		}
	}
	return r, nil
}

// Status is POST /agent/status, with doc cut to fit MaxBody (FitStatus;
// a caller that must know what was sent fits it first). It returns the answer with only the jobs
// that are well-formed and valid; every other job comes back as a JobError
// so the caller reports a failing result for it (SPEC §7: a bad job never
// spoils the rest of the answer). A non-zero errcode is returned, not an
// error: the design note has agents ignore it.
func (c *Client) Status(ctx context.Context, doc StatusDoc) (StatusResponse, []JobError, error) {
	// Cut to fit, never refused: an unsent report brings no jobs.
	body, err := json.Marshal(FitStatus(doc, MaxBody))
	if err != nil {
		return StatusResponse{}, nil, fmt.Errorf("POST %s: %w", PathStatus, err)
	}
	var out StatusResponse
	var bad []JobError
	err = c.round(ctx, PathStatus, body, func(answer []byte) error {
		var err error
		out, bad, err = DecodeStatusAnswer(answer)
		return err
	})
	return out, bad, err
}

// SendResults is POST /agent/job/result. nil means a server answered
// errcode 0, i.e. stored them; only then may they leave the outbox.
func (c *Client) SendResults(ctx context.Context, results []JobResult) error {
	return c.sendAcked(ctx, PathJobResult, results)
}

// SendEvents is POST /agent/events, with the same guarantee as SendResults.
func (c *Client) SendEvents(ctx context.Context, events []Event) error {
	return c.sendAcked(ctx, PathEvents, events)
}

func (c *Client) sendAcked(ctx context.Context, path string, items any) error {
	body, err := json.Marshal(items)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	return c.round(ctx, path, body, func(answer []byte) error {
		// A pointer tells a missing errcode from 0: only an explicit 0 means
		// "stored", anything else and the items stay queued.
		var a struct {
			Errcode *int `json:"errcode"`
		}
		if err := decodeObject(answer, &a); err != nil {
			return err
		}
		if a.Errcode == nil {
			return errors.New("no errcode")
		}
		if *a.Errcode != 0 {
			return fmt.Errorf("errcode %d", *a.Errcode)
		}
		return nil
	})
}

// decodeObject decodes an answer that must be one JSON object: "null", an
// array or a bare string would otherwise decode "successfully" into the
// zero value.
func decodeObject(answer []byte, v any) error {
	t := bytes.TrimLeft(answer, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("not a JSON object: %q", answerSnippet(answer))
	}
	return json.Unmarshal(answer, v)
}
