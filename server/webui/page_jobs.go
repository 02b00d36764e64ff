package webui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

type jobsBody struct {
	Host, State string
	States      []string
	Jobs        []api.JobInfo
	Page        pager
	Form        jobForm
	FormError   string
	Actions     []string
}

var jobStates = []string{api.JobQueued, api.JobDelivered, api.JobSucceeded, api.JobFailed}

func (u *UI) handleJobs(w http.ResponseWriter, r *http.Request, v *viewer) {
	b, err := u.jobsBody(r)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	u.render(w, v, http.StatusOK, "jobs", pageData{Title: "Jobs", Nav: "jobs"}, b)
}

func (u *UI) jobsBody(r *http.Request) (jobsBody, error) {
	q := r.URL.Query()
	p := server.JobPage{Host: strings.TrimSpace(q.Get("host")), State: q.Get("state"), Offset: offsetParam(q),
		Limit: server.DefaultPageSize}
	jobs, err := u.store.JobsPage(r.Context(), p)
	if err != nil {
		return jobsBody{}, err
	}
	return jobsBody{Host: p.Host, State: p.State, States: jobStates, Jobs: jobs, Actions: jobActions,
		Form: jobForm{Host: p.Host, Action: api.ActionRestart},
		Page: makePager("/jobs", q, p.Offset, p.Limit, len(jobs), -1)}, nil
}

// handleQueueJob queues the form's job through the store's own validation
// (Store.AddJobAs, as the CLI and the admin API), recording the session's
// token id. A mistake shows the form again, as typed, with the reason.
func (u *UI) handleQueueJob(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := readJobForm(r.PostForm)
	req, err := f.request() // the form's own syntax: always the operator's to fix
	if err == nil {
		var job api.JobInfo
		job, err = u.store.AddJobAs(r.Context(), req, v.TokenID())
		if err == nil {
			u.log.Info("web UI queued a job", "job", job.ID, "agentsn", job.Host, "token_id", v.TokenID())
			if f.FixedHost {
				http.Redirect(w, r, hostPath(job.Host)+"?queued="+url.QueryEscape(job.ID), http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/jobs?host="+url.QueryEscape(job.Host), http.StatusSeeOther)
			}
			return
		}
		if !userError(err) {
			u.fail(w, r, v, err)
			return
		}
	}
	// Show the form again on the page it came from.
	if f.FixedHost {
		b, herr := u.hostBody(r, f.Host)
		if herr != nil {
			u.fail(w, r, v, herr)
			return
		}
		b.Form, b.FormError = f, err.Error()
		u.render(w, v, http.StatusBadRequest, "host", pageData{Title: b.Host.Hostname, Nav: "hosts"}, b)
		return
	}
	b, jerr := u.jobsBody(r)
	if jerr != nil {
		u.fail(w, r, v, jerr)
		return
	}
	b.Form, b.FormError = f, err.Error()
	u.render(w, v, http.StatusBadRequest, "jobs", pageData{Title: "Jobs", Nav: "jobs"}, b)
}

// userError says whether a store error is the operator's to fix (shown
// on the form) rather than the server's.
func userError(err error) bool {
	return errors.Is(err, server.ErrInvalid) || errors.Is(err, server.ErrUnknownHost) ||
		errors.Is(err, server.ErrAmbiguousHost)
}
