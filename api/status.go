// Package api is the wire: the JSON documents of SPEC §6 and §7 exactly as
// named there, and the transports that carry them (the daemon's local
// control socket; the control-server client).
package api

// StatusDoc is the status document of SPEC §6: printed by `bootagent status
// --json` and sent by POST /agent/status. The design note's fields first,
// extensions after.
type StatusDoc struct {
	Hostname  string        `json:"hostname"`
	AgentSN   string        `json:"agentsn"`
	Version   string        `json:"version"`
	Uptime    int64         `json:"uptime"`
	Timestamp int64         `json:"timestamp"`
	Step      int64         `json:"step"`
	Agents    []AgentStatus `json:"agents"`
	Events    []Event       `json:"events"`

	// Extensions.
	Tags         string   `json:"tags,omitempty"`
	ConfigErrors []string `json:"config_errors,omitempty"` // desired-state problems, file:line: message
	// Set by FitStatus when the document had to be cut to fit MaxBody:
	// how many events (the oldest) and agents (the last by name) were
	// left out. Events left out are not lost: they stay queued and go by
	// POST /agent/events or a later report.
	EventsDropped int `json:"events_dropped,omitempty"`
	AgentsDropped int `json:"agents_dropped,omitempty"`
}

// AgentStatus is one sub-agent in the status document.
type AgentStatus struct {
	Name           string            `json:"name"`
	Version        string            `json:"version"`
	Status         string            `json:"status"`
	Uptime         int64             `json:"uptime"`
	Pid            int               `json:"pid"`
	Restarts       int               `json:"restarts"`
	Source         string            `json:"source"`
	DesiredVersion string            `json:"desired_version"`
	Limits         map[string]string `json:"limits,omitempty"`
	Message        string            `json:"message"`
	DesiredHash    string            `json:"desired_hash"`
	AppliedHash    string            `json:"applied_hash"`
	Job            *JobState         `json:"job,omitempty"`

	// Extensions.
	Installing bool `json:"installing,omitempty"` // a package is being fetched
	// Read from the agent's cgroup (absent without one).
	CPUUsageSeconds *float64 `json:"cpu_usage_seconds,omitempty"`
	MemoryBytes     *uint64  `json:"memory_bytes,omitempty"`
}

// JobState is the state of an agent's latest server job.
type JobState struct {
	ID      string `json:"id"`
	Action  string `json:"action"`
	State   string `json:"state"` // pending|downloading|installing|done|failed
	Errcode int    `json:"errcode"`
	Message string `json:"message"`
}

// Event is one event of SPEC §6.
type Event struct {
	Time    int64  `json:"time"`
	Agent   string `json:"agent"`
	Type    string `json:"type"`
	Message string `json:"message"`
	LogTail string `json:"log_tail,omitempty"`
}
