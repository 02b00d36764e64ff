package api

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The wire protocol of SPEC §7: agent → server, JSON over HTTP/1.1.
// Field names are the contract; extensions only add fields.

// Endpoint paths of SPEC §7.
const (
	PathRegister  = "/agent/register"
	PathStatus    = "/agent/status"
	PathJobResult = "/agent/job/result"
	PathEvents    = "/agent/events"
)

// MaxBody is the largest answer or request body accepted (SPEC §7: bodies
// over 1 MiB are rejected).
const MaxBody = 1 << 20

// RegisterRequest is POST /agent/register.
type RegisterRequest struct {
	Hostname string `json:"hostname"`
	AgentSN  string `json:"agentsn"`
	// EnrollToken (extension, SPEC §10) is sent only to an https server
	// that passed the TLS check; the client fills it in per server.
	EnrollToken string `json:"enroll_token,omitempty"`
}

// RegisterResponse is its answer; a different AgentSN is adopted.
type RegisterResponse struct {
	Status  int    `json:"status"`
	AgentSN string `json:"agentsn"`
	Tags    string `json:"tags"`
	// Credential (extension, SPEC §10) is the host's own key, to send as
	// "Authorization: Bearer" from now on; expiring at CredentialExpires.
	Credential        string `json:"credential,omitempty"`
	CredentialExpires int64  `json:"credential_expires,omitempty"`
}

// StatusResponse is the answer to POST /agent/status (whose body is a
// StatusDoc).
type StatusResponse struct {
	Errcode int   `json:"errcode"`
	Jobs    []Job `json:"jobs"`
	// Credential (extension, SPEC §10) is a renewed host credential, sent
	// when the current one nears its expiry; the agent replaces its own.
	Credential        string `json:"credential,omitempty"`
	CredentialExpires int64  `json:"credential_expires,omitempty"`
}

// Job actions of SPEC §7.
const (
	ActionInstall   = "install"
	ActionUpgrade   = "upgrade"
	ActionUninstall = "uninstall"
	ActionRestart   = "restart"
	ActionStop      = "stop"
	ActionStart     = "start"
	ActionConfig    = "config"
)

// Job is one job in a status answer.
type Job struct {
	ID       string            `json:"id"`
	Action   string            `json:"action"`
	Name     string            `json:"name,omitempty"`
	URL      string            `json:"url,omitempty"`
	Checksum string            `json:"checksum,omitempty"`
	Envs     map[string]string `json:"envs,omitempty"`
	Limits   JobLimits         `json:"limits,omitempty"`
	Svrlist  string            `json:"svrlist,omitempty"` // config: comma-separated host:port, added to the configured list
	Step     int64             `json:"step,omitempty"`    // config: status interval in seconds
	// Extensions (SPEC §10): the package's minisign signature (its text or
	// a URL; default URL + ".minisig"), and the account the agent runs as
	// (default the agent's server_job_user, else root).
	Signature string `json:"signature,omitempty"`
	User      string `json:"user,omitempty"`
	Group     string `json:"group,omitempty"`
	// Install is how an rpm or deb is installed: store (default) or
	// system (SPEC §4 "rpm and deb").
	Install string `json:"install,omitempty"`
	// Command is what a system-installed package runs (install: system
	// only): the package manager puts its files where the package says,
	// so nothing else tells. Where a host allows system packages their
	// scripts run as root anyway; a command adds no power.
	Command []string `json:"command,omitempty"`
}

// JobLimits are a job's limits; on the wire the keys are case-insensitive
// ({"CPU":"10%","memory":"20M"}).
type JobLimits struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

// UnmarshalJSON accepts the keys in any case; an unknown key is an error
// so a typo does not silently drop a limit.
func (l *JobLimits) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	for k, v := range m {
		switch strings.ToLower(k) {
		case "cpu":
			l.CPU = v
		case "memory", "mem":
			l.Memory = v
		default:
			return fmt.Errorf("limits: unknown key %q (want cpu, memory)", k)
		}
	}
	return nil
}

// JobResult is one element of POST /agent/job/result.
type JobResult struct {
	ID      string `json:"id"`
	Errcode int    `json:"errcode"`
	Message string `json:"message"`
}

// Ack is the answer to job results and events: errcode 0 means stored.
type Ack struct {
	Errcode int `json:"errcode"`
}
