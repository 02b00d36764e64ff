package webui

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// Ways the new-rollout form picks hosts (SPEC §11: exactly one).
var rolloutPicks = []string{"selector", "hosts", "all"}

// rolloutForm is the new-rollout form as typed, kept to show it again
// with its plan or its error. Envs holds the env lines as typed; they are
// never rendered back (their values are secrets): EnvNames are.
type rolloutForm struct {
	Job                                   jobForm
	Install, Pick, Selector, Hosts        string
	Waves, MaxInFlight, MaxFailures, Soak string
	HealthyDeadline, Expire, OnFailure    string
	Follow                                bool
	EnvNames                              string // comma-separated names of the env lines last typed
}

func readRolloutForm(f url.Values) rolloutForm {
	g := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	return rolloutForm{Job: readJobForm(f), Install: g("install"), Pick: g("pick"), Selector: g("selector"),
		Hosts: g("hosts"), Waves: g("waves"), MaxInFlight: g("max_in_flight"), MaxFailures: g("max_failures"),
		Soak: g("soak"), HealthyDeadline: g("healthy_deadline"), Expire: g("expire"), OnFailure: g("on_failure"),
		Follow: f.Get("follow") != "", EnvNames: g("env_names")}
}

// request turns the form into the admin API's rollout request. Only the
// form's own syntax is checked here (env lines, which way hosts are
// picked, env values left out after a re-render); the rollout itself is
// checked by the store exactly as for the CLI. Its errors wrap
// ErrRolloutInvalid.
func (f rolloutForm) request() (api.RolloutRequest, error) {
	job, err := f.Job.request()
	if err != nil {
		return api.RolloutRequest{}, rolloutInvalid(err)
	}
	job.Host, job.Install = "", f.Install
	req := api.RolloutRequest{Job: job, Waves: f.Waves, MaxInFlight: f.MaxInFlight, MaxFailures: f.MaxFailures,
		Soak: f.Soak, HealthyDeadline: f.HealthyDeadline, Expire: f.Expire, OnFailure: f.OnFailure, Follow: f.Follow}
	switch f.Pick {
	case "selector":
		req.Selector = f.Selector
	case "hosts":
		for _, h := range strings.FieldsFunc(f.Hosts, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
			req.Hosts = append(req.Hosts, h)
		}
	case "all":
		req.All = true
	default:
		return req, rolloutInvalid(fmt.Errorf("pick the hosts: %s", strings.Join(rolloutPicks, ", ")))
	}
	// The form shown again after a preview or an error holds no env
	// values; a name typed before and missing now would silently lose its
	// value.
	for _, name := range strings.Split(f.EnvNames, ",") {
		if name = strings.TrimSpace(name); name != "" {
			if _, ok := job.Envs[name]; !ok {
				return req, rolloutInvalid(fmt.Errorf("env %s has no value: env values are never shown again, type them again", name))
			}
		}
	}
	return req, nil
}

// shown is the form as rendered back: env lines dropped, their names kept
// to say what must be typed again.
func (f rolloutForm) shown() rolloutForm {
	req, _ := f.Job.request()
	if len(req.Envs) > 0 {
		names := make([]string, 0, len(req.Envs))
		for k := range req.Envs {
			names = append(names, k)
		}
		slices.Sort(names)
		f.EnvNames = strings.Join(names, ",")
	}
	f.Job.Envs = ""
	return f
}
