package api

import (
	"encoding/json"
	"fmt"
)

// JobError is a job of a status answer that cannot be run: unparseable or
// invalid. The caller reports a failing result for it (Result), unless ID is
// empty: then there is nothing to report it against, and the message says
// so, for the log.
type JobError struct {
	ID      string
	Index   int // position in the answer's jobs, for the log
	Message string
}

func (e JobError) Error() string { return e.Message }

// Result is the failing result reported for a rejected job.
func (e JobError) Result() JobResult {
	return JobResult{ID: e.ID, Errcode: ErrcodeInvalidJob, Message: e.Message}
}

// ErrcodeInvalidJob is the errcode of the result of a job rejected before
// it ran (bad fields, unknown action, unsafe name).
const ErrcodeInvalidJob = 2

// statusAnswer holds jobs raw so that one malformed job does not make the
// whole answer undecodable.
type statusAnswer struct {
	Errcode           int               `json:"errcode"`
	Jobs              []json.RawMessage `json:"jobs"`
	Credential        string            `json:"credential"`
	CredentialExpires int64             `json:"credential_expires"`
}

// DecodeStatusAnswer decodes an answer to POST /agent/status job by job.
// The error is for the answer itself (not an object, jobs not an array,
// errcode not a number); a bad job is a JobError and the good ones are
// still returned, in order.
func DecodeStatusAnswer(answer []byte) (StatusResponse, []JobError, error) {
	var a statusAnswer
	if err := decodeObject(answer, &a); err != nil {
		return StatusResponse{}, nil, err
	}
	resp := StatusResponse{Errcode: a.Errcode, Credential: a.Credential, CredentialExpires: a.CredentialExpires}
	var bad []JobError
	for i, raw := range a.Jobs {
		j, err := decodeJob(raw)
		if err == nil {
			err = ValidateJob(j)
		}
		if err != nil {
			bad = append(bad, jobError(i, j.ID, raw, err))
			continue
		}
		resp.Jobs = append(resp.Jobs, j)
	}
	return resp, bad, nil
}

// decodeJob decodes one job; on a type error the id is still recovered
// when it can be, so the server gets a failing result for that id instead
// of re-sending the job forever.
func decodeJob(raw json.RawMessage) (Job, error) {
	var j Job
	err := json.Unmarshal(raw, &j)
	if err != nil {
		var idOnly struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &idOnly) == nil {
			j = Job{ID: idOnly.ID}
		} else {
			j = Job{}
		}
	}
	return j, err
}

func jobError(i int, id string, raw json.RawMessage, err error) JobError {
	// An id that fails validateJobID (too long, control characters) would
	// be refused by the server in a result too, and that refusal would
	// hold back every result queued after it: such a job is only logged.
	if validateJobID(id) != nil {
		return JobError{Index: i, Message: fmt.Sprintf("job %d of the status answer has no usable id, so no result can be reported for it: %v (job: %s)", i, err, answerSnippet(raw))}
	}
	return JobError{ID: id, Index: i, Message: fmt.Sprintf("job %s rejected: %v", id, err)}
}
