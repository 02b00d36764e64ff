package loadgen

import (
	"path"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// Obey applies job to a simulated host's agents the way a bootagent would
// report it afterwards, so a rollout can judge it: an install or upgrade
// runs the package's version (taken from its URL, NAME-VERSION.tar.gz),
// stop leaves it stoped, uninstall removes it. The agent's latest job is
// set to this one. fail makes the job fail (errcode 1) and leaves the
// agents as they were, as an agent does when a job fails (SPEC §4).
func Obey(agents []api.AgentStatus, j api.Job, fail bool) ([]api.AgentStatus, api.JobResult) {
	if fail {
		return agents, api.JobResult{ID: j.ID, Errcode: 1, Message: "failed by loadgen"}
	}
	res := api.JobResult{ID: j.ID, Message: "done by loadgen"}
	if j.Name == "" {
		return agents, res
	}
	i := indexOf(agents, j.Name)
	state := &api.JobState{ID: j.ID, Action: j.Action, State: "done"}
	switch j.Action {
	case api.ActionUninstall:
		if i >= 0 {
			agents = append(agents[:i:i], agents[i+1:]...)
		}
		return agents, res
	case api.ActionInstall, api.ActionUpgrade:
		if i < 0 {
			agents = append(agents, api.AgentStatus{Name: j.Name, Source: "server", Pid: 4242})
			i = len(agents) - 1
		}
		v := VersionOf(j.URL)
		agents[i].Version, agents[i].DesiredVersion, agents[i].Status = v, v, "running"
	case api.ActionStop:
		if i >= 0 {
			agents[i].Status = "stoped"
		}
	case api.ActionStart, api.ActionRestart:
		if i >= 0 {
			agents[i].Status = "running"
		}
	}
	if i >= 0 {
		agents[i].Job = state
	}
	return agents, res
}

func indexOf(agents []api.AgentStatus, name string) int {
	for i, a := range agents {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// VersionOf is the version a package URL names: "mon-2.0.tar.gz" is 2.0;
// a name without a dash is its own version.
func VersionOf(url string) string {
	base := path.Base(url)
	for _, ext := range []string{".tar.gz", ".tgz", ".tar", ".zip", ".rpm", ".deb"} {
		if s, ok := strings.CutSuffix(base, ext); ok {
			base = s
			break
		}
	}
	if i := strings.LastIndexByte(base, '-'); i >= 0 {
		return base[i+1:]
	}
	return base
}
