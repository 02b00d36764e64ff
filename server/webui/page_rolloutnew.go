package webui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/bootagent/bootagent/api"
)

// previewHosts bounds the host names a preview lists per wave; the counts
// cover them all.
const previewHosts = 50

type rolloutNewBody struct {
	Form      rolloutForm
	FormError string
	Actions   []string
	Picks     []string
	Plan      *planView
}

// planView is a dry run's plan as the preview shows it.
type planView struct {
	api.RolloutPlan
	Waves       []planWave
	SkippedMore int // skipped hosts not listed
}

type planWave struct {
	Index, Size, Skipped int
	Hosts                []api.RolloutHost // the first previewHosts
	More                 int               // hosts not listed
}

// viewPlan lists at most previewHosts hosts per wave and skipped hosts,
// so a preview of a 10,000-host fleet stays a page, and counts the rest.
func viewPlan(p api.RolloutPlan) *planView {
	v := &planView{RolloutPlan: p}
	for i, hs := range p.Waves {
		w := planWave{Index: i + 1, Size: len(hs), Hosts: hs}
		for _, h := range hs {
			if h.State == api.HostSkipped {
				w.Skipped++
			}
		}
		if len(hs) > previewHosts {
			w.Hosts, w.More = hs[:previewHosts], len(hs)-previewHosts
		}
		v.Waves = append(v.Waves, w)
	}
	if len(v.Skipped) > previewHosts {
		v.Skipped, v.SkippedMore = v.Skipped[:previewHosts], len(v.Skipped)-previewHosts
	}
	return v
}

func (u *UI) newRolloutBody(f rolloutForm) rolloutNewBody {
	return rolloutNewBody{Form: f.shown(), Actions: jobActions, Picks: rolloutPicks}
}

// handleNewRolloutForm shows the empty form to an admin; a read session
// has no use for it.
func (u *UI) handleNewRolloutForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	if u.rollouts == nil {
		u.errorPage(w, r, v, http.StatusNotFound, "Rollouts are not available on this server yet.")
		return
	}
	if !v.Admin() {
		u.errorPage(w, r, v, http.StatusForbidden, "Refused: your token has role read; creating a rollout needs role admin.")
		return
	}
	u.render(w, v, http.StatusOK, "rolloutnew", pageData{Title: "New rollout", Nav: "rollouts"},
		u.newRolloutBody(rolloutForm{Job: jobForm{Action: api.ActionUpgrade}, Pick: "selector"}))
}

// handleNewRollout previews (do=preview: the store's dry run) or creates
// (Rollouts.Create, the admin API's own create) the form's rollout. A
// mistake shows the form again, as typed but for env values, with the
// server's reason.
func (u *UI) handleNewRollout(w http.ResponseWriter, r *http.Request, v *viewer) {
	if u.rollouts == nil {
		u.errorPage(w, r, v, http.StatusNotFound, "Rollouts are not available on this server yet.")
		return
	}
	f := readRolloutForm(r.PostForm)
	b := u.newRolloutBody(f)
	req, err := f.request()
	if err == nil && r.PostFormValue("do") == "preview" {
		var plan api.RolloutPlan
		if plan, err = u.rollouts.Plan(r.Context(), req); err == nil {
			b.Plan = viewPlan(plan)
			u.render(w, v, http.StatusOK, "rolloutnew", pageData{Title: "New rollout", Nav: "rollouts"}, b)
			return
		}
	} else if err == nil {
		var id string
		if id, err = u.rollouts.Create(r.Context(), req, v.TokenID()); err == nil {
			u.log.Info("web UI created a rollout", "rollout", id, "action", req.Job.Action, "name", req.Job.Name,
				"token_id", v.TokenID())
			http.Redirect(w, r, "/rollouts/"+url.PathEscape(id)+"?done="+url.QueryEscape("rollout created"), http.StatusSeeOther)
			return
		}
	}
	if !errors.Is(err, ErrRolloutInvalid) {
		u.fail(w, r, v, err)
		return
	}
	b.FormError = err.Error()
	u.render(w, v, http.StatusBadRequest, "rolloutnew", pageData{Title: "New rollout", Nav: "rollouts"}, b)
}
