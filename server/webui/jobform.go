package webui

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// jobActions are offered in the form, in the order of SPEC §7.
var jobActions = []string{api.ActionInstall, api.ActionUpgrade, api.ActionUninstall, api.ActionRestart,
	api.ActionStop, api.ActionStart, api.ActionConfig}

// jobForm is the queue-a-job form as typed, kept to show it again with
// its error.
type jobForm struct {
	FixedHost                                    bool // the host page: the host is not asked
	Host, Action, Name, URL, Checksum, CPU       string
	Memory, Envs, Svrlist, Step, Signature, User string
	Group                                        string
}

func readJobForm(f url.Values) jobForm {
	g := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	return jobForm{FixedHost: f.Get("fixed_host") != "", Host: g("host"), Action: g("action"), Name: g("name"),
		URL: g("url"), Checksum: g("checksum"), CPU: g("cpu"), Memory: g("memory"), Envs: f.Get("envs"),
		Svrlist: g("svrlist"), Step: g("step"), Signature: g("signature"), User: g("user"), Group: g("group")}
}

// request turns the form into the admin API's job request. Only the
// form's own syntax (env lines, step) is checked here; the job itself is
// validated by the store exactly as for the CLI and the admin API.
func (f jobForm) request() (api.JobRequest, error) {
	req := api.JobRequest{Host: f.Host, Action: f.Action, Name: f.Name, URL: f.URL, Checksum: f.Checksum,
		Limits: api.JobLimits{CPU: f.CPU, Memory: f.Memory}, Svrlist: f.Svrlist, Signature: f.Signature,
		User: f.User, Group: f.Group}
	if f.Step != "" {
		n, err := strconv.ParseInt(f.Step, 10, 64)
		if err != nil || n <= 0 {
			return req, fmt.Errorf("step %q is not a positive number of seconds", f.Step)
		}
		req.Step = n
	}
	for i, line := range strings.Split(f.Envs, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return req, fmt.Errorf("env line %d is not NAME=value", i+1)
		}
		if req.Envs == nil {
			req.Envs = map[string]string{}
		}
		req.Envs[strings.TrimSpace(k)] = v
	}
	return req, nil
}
