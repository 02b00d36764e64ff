package webui

import (
	"net/http"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// hostListed is how many events and jobs the host page shows.
const hostListed = 50

type hostBody struct {
	Host      api.HostInfo
	Agents    []api.AgentInfo
	Events    []api.EventInfo
	Jobs      []api.JobInfo
	Form      jobForm
	FormError string
	Actions   []string
}

func (u *UI) handleHost(w http.ResponseWriter, r *http.Request, v *viewer) {
	b, err := u.hostBody(r, r.PathValue("host"))
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	flash := ""
	if id := r.URL.Query().Get("queued"); id != "" {
		flash = "Job " + id + " queued."
	}
	u.render(w, v, http.StatusOK, "host", pageData{Title: b.Host.Hostname, Nav: "hosts", Flash: flash}, b)
}

func (u *UI) hostBody(r *http.Request, ref string) (hostBody, error) {
	ctx := r.Context()
	h, err := u.store.Host(ctx, ref)
	if err != nil {
		return hostBody{}, err
	}
	b := hostBody{Host: h, Actions: jobActions, Form: jobForm{FixedHost: true, Host: h.AgentSN, Action: api.ActionRestart}}
	if b.Agents, err = u.store.Agents(ctx, h.AgentSN); err != nil {
		return b, err
	}
	if b.Events, err = u.store.EventsPage(ctx, server.EventPage{Host: h.AgentSN, Limit: hostListed}); err != nil {
		return b, err
	}
	if b.Jobs, err = u.store.JobsPage(ctx, server.JobPage{Host: h.AgentSN, Limit: hostListed}); err != nil {
		return b, err
	}
	return b, nil
}
