package api

// The admin API of the reference control server (SPEC §8): JSON over HTTP
// under /admin/, used by the bootserver CLI and by operators' scripts. Unlike
// the agent wire (§7) this is not the design note's contract; field names
// follow the agent wire where the same thing is meant.

// Admin endpoint paths. HOST in a path or a "host" query parameter is an
// agentsn or a hostname.
const (
	PathAdminHosts  = "/admin/hosts"  // GET: []HostInfo; GET /admin/hosts/{host}: HostInfo with status
	PathAdminJobs   = "/admin/jobs"   // GET ?host=&state=&limit=: []JobInfo; POST JobRequest: JobInfo; GET /admin/jobs/{id}
	PathAdminEvents = "/admin/events" // GET ?host=&limit=: []EventInfo
	// GET: []AdminTokenInfo; POST AdminTokenRequest: AdminTokenCreated;
	// POST /admin/admin-tokens/{id}/revoke: AdminTokenInfo. Role admin only.
	PathAdminTokens = "/admin/admin-tokens"
	// GET /admin/hosts/{host}/agents: []AgentInfo; PUT /admin/hosts/{host}/tags TagsRequest: HostInfo
)

// Job states kept by the server (SPEC §8): queued until first sent to the
// agent, delivered until its result arrives, then succeeded (errcode 0) or
// failed.
const (
	JobQueued    = "queued"
	JobDelivered = "delivered"
	JobSucceeded = "succeeded"
	JobFailed    = "failed"
)

// HostInfo is one host as the server knows it. Times are Unix seconds.
type HostInfo struct {
	AgentSN    string `json:"agentsn"`
	Hostname   string `json:"hostname"`
	Tags       string `json:"tags"`
	LastSeen   int64  `json:"last_seen"`
	FirstSeen  int64  `json:"first_seen"`
	AgentCount int    `json:"agent_count"`
	Version    string `json:"version,omitempty"` // bootagent version of the last status
	Step       int64  `json:"step,omitempty"`    // report interval of the last status, seconds
	Addr       string `json:"addr,omitempty"`    // remote address of the last request
	Live       bool   `json:"live"`              // seen within 3 report intervals
	// ReassignedFrom is the agentsn this host presented when the server
	// gave it a new one because another live host held it.
	ReassignedFrom string `json:"reassigned_from,omitempty"`
	// Revoked: an operator revoked this host (bootserver host revoke); its
	// credential fails until it enrols again after host unrevoke.
	Revoked bool `json:"revoked,omitempty"`
	// Status is the last status document; only GET /admin/hosts/{host}
	// fills it.
	Status *StatusDoc `json:"status,omitempty"`
}

// AgentInfo is one sub-agent of a host, as in its last status document.
type AgentInfo struct {
	AgentStatus
	Host       string `json:"host"` // agentsn
	Hostname   string `json:"hostname"`
	ReportedAt int64  `json:"reported_at"` // server time of the report, Unix seconds
}

// JobInfo is one job and what became of it. Errcode and Message are the
// agent's result once the state is succeeded or failed.
type JobInfo struct {
	Job
	Host          string `json:"host"` // agentsn
	Hostname      string `json:"hostname"`
	State         string `json:"state"`
	Errcode       int    `json:"errcode"`
	Message       string `json:"message"`
	Deliveries    int    `json:"deliveries"`
	Created       int64  `json:"created"`
	Delivered     int64  `json:"delivered,omitempty"`      // first sent
	LastDelivered int64  `json:"last_delivered,omitempty"` // latest sent
	Finished      int64  `json:"finished,omitempty"`       // result received
	TokenID       string `json:"token_id"`                 // the admin token that queued it ("" before tokens)
	// EnvNames are the names of the job's envs. The admin API shows a job
	// with its env values left out (Envs empty) and URL passwords
	// redacted: they are secrets (SPEC §10), delivered only to the agent.
	EnvNames []string `json:"env_names,omitempty"`
}

// JobRequest is POST /admin/jobs: a job to queue for Host. Which fields
// are required depends on Action, as for the wire Job.
type JobRequest struct {
	Host     string            `json:"host"`
	Action   string            `json:"action"`
	Name     string            `json:"name,omitempty"`
	URL      string            `json:"url,omitempty"`
	Checksum string            `json:"checksum,omitempty"`
	Envs     map[string]string `json:"envs,omitempty"`
	Limits   JobLimits         `json:"limits"`
	Svrlist  string            `json:"svrlist,omitempty"`
	Step     int64             `json:"step,omitempty"`
	// Extensions of install and upgrade (SPEC §10), passed to the job.
	Signature string   `json:"signature,omitempty"`
	User      string   `json:"user,omitempty"`
	Group     string   `json:"group,omitempty"`
	Install   string   `json:"install,omitempty"` // store or system (rpm, deb)
	Command   []string `json:"command,omitempty"` // install: system only
	// Force queues the job even though an active rollout holds the
	// (host, agent) pair (SPEC §11).
	Force bool `json:"force,omitempty"`
}

// EventInfo is one stored event. Host is empty for an event pushed without
// saying which host sent it and not yet seen in that host's status report.
type EventInfo struct {
	Event
	ID       int64  `json:"id"`
	Host     string `json:"host"` // agentsn
	Hostname string `json:"hostname"`
	Received int64  `json:"received"`
}

// TagsRequest is PUT /admin/hosts/{host}/tags: the tags given to the host in
// its register answers.
type TagsRequest struct {
	Tags string `json:"tags"`
}

// Operator token roles (SPEC §10): read may list, admin may also change
// (jobs, tags, tokens).
const (
	RoleRead  = "read"
	RoleAdmin = "admin"
)

// AdminTokenInfo is one operator token as listed: never its secret.
// Times are Unix seconds; Revoked is 0 while the token is valid.
type AdminTokenInfo struct {
	ID      string `json:"id"`
	Role    string `json:"role"`
	Created int64  `json:"created"`
	Revoked int64  `json:"revoked,omitempty"`
}

// AdminTokenRequest is POST /admin/admin-tokens.
type AdminTokenRequest struct {
	Role string `json:"role"`
}

// AdminTokenCreated is the answer to POST /admin/admin-tokens: the only
// time the token itself is ever shown.
type AdminTokenCreated struct {
	AdminTokenInfo
	Token string `json:"token"`
}

// AdminError is the body of every admin (and agent endpoint) error answer.
type AdminError struct {
	Error string `json:"error"`
}
