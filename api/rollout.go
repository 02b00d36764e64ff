package api

// Fleet rollouts (SPEC §11) in the admin API: POST /admin/rollouts
// (RolloutRequest → RolloutInfo, or RolloutPlan for a dry run), GET
// /admin/rollouts ([]RolloutInfo), GET /admin/rollouts/{id}[?hosts=1&after=AGENTSN&limit=N]
// (RolloutInfo), POST /admin/rollouts/{id}/{pause|resume|abort|rollback}
// (RolloutInfo).
const PathAdminRollouts = "/admin/rollouts"

// Rollout states (SPEC §11).
const (
	RolloutRunning     = "running"
	RolloutPaused      = "paused"
	RolloutSucceeded   = "succeeded"
	RolloutAborted     = "aborted"
	RolloutRollingBack = "rolling_back"
	RolloutRolledBack  = "rolled_back"
)

// Reasons a rollout is paused.
const (
	ReasonManual   = "manual"
	ReasonFailures = "failures"
	ReasonDeadline = "deadline"
)

// Host states within a rollout (SPEC §11).
const (
	HostSkipped   = "skipped"
	HostPending   = "pending"
	HostDelivered = "delivered"
	HostSoaking   = "soaking"
	HostHealthy   = "healthy"
	HostFailed    = "failed"
	HostExpired   = "expired"
	HostCancelled = "cancelled"
	HostReverted  = "reverted"
)

// RolloutHostStates lists the host states in display order.
var RolloutHostStates = []string{HostSkipped, HostPending, HostDelivered, HostSoaking, HostHealthy,
	HostFailed, HostExpired, HostCancelled, HostReverted}

// RolloutRequest is POST /admin/rollouts. Job is the job to apply (its
// Host is ignored); exactly one of Selector, Hosts and All picks the hosts.
// Empty limits take SPEC §11's defaults. Durations are Go durations or a
// number of days ("2d").
type RolloutRequest struct {
	Job             JobRequest `json:"job"`
	Selector        string     `json:"selector,omitempty"`
	Hosts           []string   `json:"hosts,omitempty"`
	All             bool       `json:"all,omitempty"`
	Waves           string     `json:"waves,omitempty"`            // default "1,10%,100%"
	MaxInFlight     string     `json:"max_in_flight,omitempty"`    // N or P%; default "10%"
	MaxFailures     string     `json:"max_failures,omitempty"`     // N or P%; default "0"
	Soak            string     `json:"soak,omitempty"`             // default "60s"
	HealthyDeadline string     `json:"healthy_deadline,omitempty"` // default "15m"
	Expire          string     `json:"expire,omitempty"`           // default "24h"
	OnFailure       string     `json:"on_failure,omitempty"`       // pause (default) or rollback
	Follow          bool       `json:"follow,omitempty"`
	DryRun          bool       `json:"dry_run,omitempty"`
}

// RolloutHost is one host of a rollout.
type RolloutHost struct {
	AgentSN     string `json:"agentsn"`
	Hostname    string `json:"hostname"`
	Wave        int    `json:"wave"` // 1-based
	Ord         int    `json:"ord"`  // position in the rollout's order; page with ?after=ORD
	State       string `json:"state"`
	JobID       string `json:"job_id,omitempty"`
	RevertJobID string `json:"revert_job_id,omitempty"`
	Message     string `json:"message,omitempty"`
	Updated     int64  `json:"updated,omitempty"`
}

// RolloutWave is one wave's size and its hosts by state.
type RolloutWave struct {
	Wave   int            `json:"wave"` // 1-based
	Size   int            `json:"size"` // hosts in this wave (not cumulative)
	Counts map[string]int `json:"counts"`
}

// RolloutInfo is a rollout as stored. Times are Unix seconds, durations
// seconds. HaltsAtFailure is the failure that halts it (max failures + 1).
type RolloutInfo struct {
	ID              string         `json:"id"`
	Action          string         `json:"action"`
	Name            string         `json:"name"`
	Job             Job            `json:"job"` // as delivered, envs left out
	Selector        string         `json:"selector,omitempty"`
	State           string         `json:"state"`
	Reason          string         `json:"reason,omitempty"`
	Created         int64          `json:"created"`
	Updated         int64          `json:"updated"`
	TokenID         string         `json:"token_id"`
	Total           int            `json:"total"`
	Wave            int            `json:"wave"`  // current wave, 1-based
	Waves           []int          `json:"waves"` // cumulative sizes
	MaxInFlight     int            `json:"max_in_flight"`
	MaxFailures     int            `json:"max_failures"`
	HaltsAtFailure  int            `json:"halts_at_failure"`
	Failures        int            `json:"failures"`
	Soak            int64          `json:"soak"`
	HealthyDeadline int64          `json:"healthy_deadline"`
	Expire          int64          `json:"expire"`
	OnFailure       string         `json:"on_failure"`
	Follow          bool           `json:"follow,omitempty"`
	Counts          map[string]int `json:"counts"`
	WaveCounts      []RolloutWave  `json:"wave_counts,omitempty"`
	FailedHosts     []RolloutHost  `json:"failed_hosts,omitempty"`
	Hosts           []RolloutHost  `json:"hosts,omitempty"` // only when asked (?hosts=1), a page
}

// RolloutPlan is the answer to a dry run: what create would do, exactly.
type RolloutPlan struct {
	ID             string          `json:"id"` // the id create would give it now
	Action         string          `json:"action"`
	Name           string          `json:"name"`
	Waves          [][]RolloutHost `json:"waves"` // hosts per wave, in order (not cumulative)
	Skipped        []RolloutHost   `json:"skipped"`
	MaxInFlight    int             `json:"max_in_flight"`
	MaxFailures    int             `json:"max_failures"`
	HaltsAtFailure int             `json:"halts_at_failure"`
}
