package webui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/bootagent/bootagent/api"
)

// Rollouts is what the rollout pages need from the rollout engine (SPEC
// §11, built separately): the lead connects it to the rollout store with
// a small adapter. Host states and rollout states are SPEC §11's words.
type Rollouts interface {
	// List returns the rollouts, newest first.
	List(ctx context.Context) ([]RolloutSummary, error)
	// Get returns one rollout with its waves and hosts, or an error
	// wrapping ErrNoRollout.
	Get(ctx context.Context, id string) (RolloutDetail, error)
	// Act pauses, resumes, aborts or rolls back rollout id for the admin
	// token tokenID (recorded like a job's). A refusal the operator should
	// read (e.g. resuming a finished rollout) wraps ErrRolloutRefused.
	Act(ctx context.Context, id, action, tokenID string) error
	// Plan is what Create would do with req, changing nothing (the CLI's
	// `rollout create --dry-run`). A request the operator should fix wraps
	// ErrRolloutInvalid and says why in the server's own words.
	Plan(ctx context.Context, req api.RolloutRequest) (api.RolloutPlan, error)
	// Create plans, stores and starts the rollout for the admin token
	// tokenID (recorded as the creator) and returns its id. Refusals as
	// for Plan.
	Create(ctx context.Context, req api.RolloutRequest, tokenID string) (string, error)
}

// Errors a Rollouts implementation wraps.
var (
	ErrNoRollout      = errors.New("no such rollout")
	ErrRolloutRefused = errors.New("rollout action refused")
	ErrRolloutInvalid = errors.New("rollout request refused")
)

// rolloutInvalid marks err as the operator's to fix (ErrRolloutInvalid)
// keeping err's own message, which the form shows as is.
func rolloutInvalid(err error) error { return invalidRollout{err} }

type invalidRollout struct{ err error }

func (e invalidRollout) Error() string        { return e.err.Error() }
func (e invalidRollout) Unwrap() error        { return e.err }
func (e invalidRollout) Is(target error) bool { return target == ErrRolloutInvalid }

// RolloutSummary is one rollout in a list.
type RolloutSummary struct {
	ID, Action, Name string
	State            string // running, paused, succeeded, aborted, rolling_back, rolled_back
	Reason           string // why paused: manual, failures, deadline
	Hosts            int
	Counts           map[string]int // hosts per host state
	Created          int64
}

// Done is how many hosts have a verdict (anything but pending, delivered
// or soaking).
func (r RolloutSummary) Done() int { return doneHosts(r.Counts) }

// RolloutWave is one wave: its hosts' states.
type RolloutWave struct {
	Index  int // 1-based
	Size   int
	Counts map[string]int
}

// Done is how many of the wave's hosts have a verdict.
func (w RolloutWave) Done() int { return doneHosts(w.Counts) }

// RolloutHost is one host of a rollout.
type RolloutHost struct {
	AgentSN, Hostname string
	Wave              int
	State, Message    string
}

// RolloutDetail is one rollout as its page shows it.
type RolloutDetail struct {
	RolloutSummary
	Waves []RolloutWave
	Hosts []RolloutHost
}

// inFlight are the host states without a verdict yet.
var inFlight = []string{"pending", "delivered", "soaking"}

func doneHosts(counts map[string]int) int {
	n := 0
	for st, c := range counts {
		if !slices.Contains(inFlight, st) {
			n += c
		}
	}
	return n
}

// rolloutActions are the actions offered for a rollout in state: the
// ended states offer none.
func rolloutActions(state string) []string {
	switch state {
	case "running":
		return []string{"pause", "abort", "rollback"}
	case "paused":
		return []string{"resume", "abort", "rollback"}
	case "rolling_back":
		return []string{"abort"}
	}
	return nil
}

// activeRollout says whether the overview lists a rollout.
func activeRollout(state string) bool { return len(rolloutActions(state)) > 0 }

// rolloutsSection is a list of rollouts for a template, or why there is
// none.
type rolloutsSection struct {
	Available bool
	Err       string
	List      []RolloutSummary
}

func (u *UI) activeRollouts(r *http.Request) rolloutsSection {
	sec := u.listRollouts(r)
	sec.List = slices.DeleteFunc(sec.List, func(x RolloutSummary) bool { return !activeRollout(x.State) })
	return sec
}

func (u *UI) listRollouts(r *http.Request) rolloutsSection {
	if u.rollouts == nil {
		return rolloutsSection{}
	}
	list, err := u.rollouts.List(r.Context())
	if err != nil {
		u.log.Error("web UI: listing rollouts failed", "err", err)
		return rolloutsSection{Available: true, Err: "Could not list rollouts; the server log says why."}
	}
	return rolloutsSection{Available: true, List: list}
}

type rolloutBody struct {
	RolloutDetail
	Actions []string
}

func (u *UI) handleRollouts(w http.ResponseWriter, r *http.Request, v *viewer) {
	u.render(w, v, http.StatusOK, "rollouts", pageData{Title: "Rollouts", Nav: "rollouts"}, u.listRollouts(r))
}

func (u *UI) handleRollout(w http.ResponseWriter, r *http.Request, v *viewer) {
	if u.rollouts == nil {
		u.errorPage(w, r, v, http.StatusNotFound, "Rollouts are not available on this server yet.")
		return
	}
	d, err := u.rollouts.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, ErrNoRollout) {
		u.errorPage(w, r, v, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	u.render(w, v, http.StatusOK, "rollout", pageData{Title: "Rollout " + d.ID, Nav: "rollouts", Flash: r.URL.Query().Get("done")},
		rolloutBody{RolloutDetail: d, Actions: rolloutActions(d.State)})
}

func (u *UI) handleRolloutAction(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, act := r.PathValue("id"), r.PathValue("act")
	if u.rollouts == nil {
		u.errorPage(w, r, v, http.StatusNotFound, "Rollouts are not available on this server yet.")
		return
	}
	if !slices.Contains([]string{"pause", "resume", "abort", "rollback"}, act) {
		u.errorPage(w, r, v, http.StatusNotFound, "No such rollout action: "+act)
		return
	}
	err := u.rollouts.Act(r.Context(), id, act, v.TokenID())
	switch {
	case errors.Is(err, ErrNoRollout):
		u.errorPage(w, r, v, http.StatusNotFound, err.Error())
		return
	case errors.Is(err, ErrRolloutRefused):
		u.errorPage(w, r, v, http.StatusConflict, err.Error())
		return
	case err != nil:
		u.fail(w, r, v, err)
		return
	}
	u.log.Info("web UI rollout action", "rollout", id, "action", act, "token_id", v.TokenID())
	http.Redirect(w, r, "/rollouts/"+url.PathEscape(id)+"?done="+url.QueryEscape(act+" done"), http.StatusSeeOther)
}
