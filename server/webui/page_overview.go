package webui

import (
	"net/http"
	"slices"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// overviewFailing is how many failing agents the overview lists.
const overviewFailing = 20

type statusCount struct {
	Status string
	N      int
}

type overviewBody struct {
	server.Overview
	ByStatus []statusCount // most first
	Stale    int
	Rollouts rolloutsSection
	Recent   []api.EventInfo
}

func (u *UI) handleOverview(w http.ResponseWriter, r *http.Request, v *viewer) {
	o, err := u.store.FleetOverview(r.Context(), overviewFailing)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	recent, err := u.store.EventsPage(r.Context(), server.EventPage{Limit: 10})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	b := overviewBody{Overview: o, Stale: o.Hosts - o.Live, Recent: recent,
		Rollouts: u.activeRollouts(r)}
	for st, n := range o.AgentsByStatus {
		b.ByStatus = append(b.ByStatus, statusCount{st, n})
	}
	slices.SortFunc(b.ByStatus, func(a, b statusCount) int {
		if a.N != b.N {
			return b.N - a.N
		}
		if a.Status < b.Status {
			return -1
		}
		return 1
	})
	u.render(w, v, http.StatusOK, "overview", pageData{Title: "Overview", Nav: "overview"}, b)
}
