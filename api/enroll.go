package api

// Host identity (SPEC §10): enrollment tokens, minted by an operator, let
// a host register once; the register answer then carries the host's own
// credential, sent as "Authorization: Bearer" on every later request.

// Admin endpoints for enrollment tokens and host revocation (role admin).
const (
	// GET: []EnrollTokenInfo; POST EnrollTokenRequest: EnrollTokenCreated;
	// POST /admin/enroll-tokens/{id}/revoke: EnrollTokenInfo.
	PathAdminEnrollTokens = "/admin/enroll-tokens"
	// POST /admin/hosts/{host}/revoke and .../unrevoke: HostRevocation.
	PathAdminHostRevoke   = "/revoke"
	PathAdminHostUnrevoke = "/unrevoke"
)

// EnrollTokenInfo is one enrollment token as listed: never its secret.
// Times are Unix seconds; Revoked is 0 while it is not.
type EnrollTokenInfo struct {
	ID       string `json:"id"`
	Tags     string `json:"tags"`
	UsesLeft int    `json:"uses_left"`
	Created  int64  `json:"created"`
	Expires  int64  `json:"expires"`
	Revoked  int64  `json:"revoked"`
}

// EnrollTokenRequest is POST /admin/enroll-tokens.
type EnrollTokenRequest struct {
	TTLSeconds int64  `json:"ttl_seconds"` // default 24h
	Uses       int    `json:"uses"`        // default 1
	Tags       string `json:"tags"`        // applied to the hosts it enrols
}

// EnrollTokenCreated is the answer to POST /admin/enroll-tokens: the only
// time the token is shown.
type EnrollTokenCreated struct {
	EnrollTokenInfo
	Token string `json:"token"`
}

// HostRevocation is the answer to host revoke/unrevoke.
type HostRevocation struct {
	AgentSN       string `json:"agentsn"`
	Revoked       bool   `json:"revoked"`
	JobsCancelled int    `json:"jobs_cancelled"`
}
