package daemon

import (
	"sort"
	"strings"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/reconcile"
)

// Status implements api.Controller: the SPEC §6 document. An agent's
// message is its desired-state problem when it has one (the file is wrong
// and the agent keeps its last valid state), else the last error observed.
func (d *Daemon) Status() api.StatusDoc {
	now := time.Now()
	step := d.step()
	d.mu.Lock()
	set, agentsn, tags := d.set, d.agentsn, d.tags
	d.mu.Unlock()

	byAgent := map[string][]string{}
	var configErrors []string
	for _, p := range set.Problems {
		configErrors = append(configErrors, p.String())
		for _, a := range p.Agents {
			byAgent[a] = append(byAgent[a], p.String())
		}
	}
	doc := api.StatusDoc{
		Hostname: d.hostname, Version: api.AgentVersion(),
		Uptime: int64(now.Sub(d.started) / time.Second), Timestamp: now.Unix(),
		Step: int64(step / time.Second), Agents: []api.AgentStatus{}, Events: []api.Event{},
		ConfigErrors: configErrors, AgentSN: agentsn, Tags: tags,
	}
	// Every agent observed, and every one desired but not acted on yet
	// (its worker has not run): that one is shown as not started.
	observed := map[string]actual.Agent{}
	for _, a := range d.rec.Agents() {
		observed[a.Name] = a
	}
	for name := range set.Docs {
		if _, ok := observed[name]; !ok {
			observed[name] = actual.Agent{Name: name}
		}
	}
	for name, a := range observed {
		st := agentStatus(a, set.Docs, byAgent[name], now)
		d.addUsage(&st)
		st.Job = d.jobs.State(name)
		doc.Agents = append(doc.Agents, st)
	}
	sort.Slice(doc.Agents, func(i, j int) bool { return doc.Agents[i].Name < doc.Agents[j].Name })
	doc.Events = append(doc.Events, d.events.Recent()...)
	return doc
}

func agentStatus(a actual.Agent, docs map[string]desired.Doc, problems []string, now time.Time) api.AgentStatus {
	s := api.AgentStatus{
		Name: a.Name, Version: a.Version, Status: string(a.Status), Uptime: a.Uptime(now),
		Pid: a.Pid, Restarts: a.Restarts, Source: a.Source, Limits: a.Limits,
		Message: a.Message, AppliedHash: a.AppliedHash, Installing: a.Installing,
	}
	if s.Status == "" {
		s.Status = string(actual.Stopped) // desired but not acted on yet
	}
	if doc, ok := docs[a.Name]; ok {
		s.DesiredVersion, s.DesiredHash = doc.Version, doc.Hash()
		if s.Source == "" {
			s.Source = doc.Source
		}
	}
	if len(problems) > 0 {
		s.Message = strings.Join(problems, "; ")
	}
	return s
}

// addUsage puts what the agent's cgroup says into its status: the limits in
// force read back from the cgroup (not the ones asked for), CPU and memory.
func (d *Daemon) addUsage(s *api.AgentStatus) {
	limits, stats, ok := d.rec.Usage(s.Name)
	if !ok {
		return
	}
	s.Limits = reconcile.FormatLimits(limits)
	cpu, mem := stats.CPUSeconds, stats.MemoryBytes
	s.CPUUsageSeconds, s.MemoryBytes = &cpu, &mem
}
