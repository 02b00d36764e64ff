package api

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// A status report the server would refuse is never sent, and then no job
// arrives either (jobs ride on the answer): so the report is cut to fit
// MaxBody whatever the agents and events are. FitStatus is the one place
// that decides how.

// Per-field bounds of a status report, applied before anything is
// measured. Event messages keep the push bound (maxWireMessage): the
// server recognises an event it already has by its message.
const (
	// MaxReportLogTail bounds each event's log tail in a report: the end
	// of the log explains an exit; the full 64 KiB goes by POST
	// /agent/events.
	MaxReportLogTail = 4 << 10
	// maxReportMessage bounds an agent's message, its job's message and
	// each config error.
	maxReportMessage = 2 << 10
	// maxWireName bounds the short fields (names, versions, hashes, job
	// ids, event agent and type), and in the last resort the document's
	// own strings.
	maxWireName = 256
	// maxHeaderField bounds the document's own strings (hostname,
	// agentsn, version, tags).
	maxHeaderField = 1 << 10
)

// FitStatus returns doc bounded field by field (see the constants) and,
// if its JSON is still over limit bytes, cut in this order until it fits:
// the oldest events are dropped (counted in EventsDropped), agents'
// messages are shortened evenly, config errors beyond those that fit are
// summarised in one line, the agents last by name are dropped (counted in
// AgentsDropped), and finally the document's own strings are cut short.
// For any limit of at least a few KiB (MaxBody in practice) the result is
// never over it. doc is not modified. Pure: no clock, no I/O.
func FitStatus(doc StatusDoc, limit int) StatusDoc {
	doc = boundFields(doc)
	if statusLen(doc) <= limit {
		return doc
	}
	for _, stage := range []func(*StatusDoc, int){dropOldestEvents, shortenAgentMessages, summariseConfigErrors, dropLastAgents, cutHeader} {
		stage(&doc, limit)
		if statusLen(doc) <= limit {
			break
		}
	}
	return doc
}

// boundFields copies doc's slices (the caller's stay as they were) with
// every free-text field bounded.
func boundFields(doc StatusDoc) StatusDoc {
	for _, f := range []*string{&doc.Hostname, &doc.AgentSN, &doc.Version, &doc.Tags} {
		*f = truncateHead(*f, maxHeaderField)
	}
	agents := make([]AgentStatus, len(doc.Agents))
	for i, a := range doc.Agents {
		for _, f := range []*string{&a.Name, &a.Version, &a.Status, &a.Source, &a.DesiredVersion, &a.DesiredHash, &a.AppliedHash} {
			*f = truncateHead(*f, maxWireName)
		}
		a.Message = truncateHead(a.Message, maxReportMessage)
		if len(a.Limits) > 0 {
			limits := make(map[string]string, len(a.Limits))
			for k, v := range a.Limits {
				limits[truncateHead(k, maxWireName)] = truncateHead(v, maxWireName)
			}
			a.Limits = limits
		}
		if a.Job != nil {
			j := *a.Job
			j.ID, j.Action, j.State = truncateHead(j.ID, maxWireName), truncateHead(j.Action, maxWireName), truncateHead(j.State, maxWireName)
			j.Message = truncateHead(j.Message, maxReportMessage)
			a.Job = &j
		}
		// NaN or Inf would make the whole document unencodable.
		if a.CPUUsageSeconds != nil && (math.IsNaN(*a.CPUUsageSeconds) || math.IsInf(*a.CPUUsageSeconds, 0)) {
			a.CPUUsageSeconds = nil
		}
		agents[i] = a
	}
	doc.Agents = agents
	events := make([]Event, len(doc.Events))
	for i, e := range doc.Events {
		e = wireEvent(e)
		e.LogTail = truncateTail(e.LogTail, MaxReportLogTail)
		events[i] = e
	}
	doc.Events = events
	errs := make([]string, len(doc.ConfigErrors))
	for i, e := range doc.ConfigErrors {
		errs[i] = truncateHead(e, maxReportMessage)
	}
	if doc.ConfigErrors == nil {
		errs = nil
	}
	doc.ConfigErrors = errs
	return doc
}

// statusLen is the size of doc as Client.Status sends it.
func statusLen(doc StatusDoc) int {
	b, err := json.Marshal(doc)
	if err != nil {
		return math.MaxInt // cannot happen once boundFields ran; never "fits"
	}
	return len(b)
}

// largestFit is the largest k in [0, n] with size(k) <= limit, for a size
// that grows with k; 0 when none fits.
func largestFit(n, limit int, size func(k int) int) int {
	over := sort.Search(n+1, func(k int) bool { return size(k) > limit })
	return max(over-1, 0)
}

// dropOldestEvents keeps the newest events that fit. Events are oldest
// first; the newest say most about the state the report describes.
func dropOldestEvents(doc *StatusDoc, limit int) {
	all, already := doc.Events, doc.EventsDropped
	keep := func(k int) {
		doc.Events = all[len(all)-k:]
		doc.EventsDropped = already + len(all) - k
	}
	k := largestFit(len(all), limit, func(k int) int { keep(k); return statusLen(*doc) })
	keep(k)
}

// shortenAgentMessages gives every agent's message (and its job's) the
// same, largest budget that fits: no agent loses its status line to
// another's long one.
func shortenAgentMessages(doc *StatusDoc, limit int) {
	orig := doc.Agents
	withBudget := func(b int) {
		agents := make([]AgentStatus, len(orig))
		for i, a := range orig {
			a.Message = truncateHead(a.Message, b)
			if a.Job != nil {
				j := *a.Job
				j.Message = truncateHead(j.Message, b)
				a.Job = &j
			}
			agents[i] = a
		}
		doc.Agents = agents
	}
	b := largestFit(maxReportMessage, limit, func(b int) int { withBudget(b); return statusLen(*doc) })
	withBudget(b)
}

// summariseConfigErrors keeps the first config errors that fit and says
// how many more there are.
func summariseConfigErrors(doc *StatusDoc, limit int) {
	all := doc.ConfigErrors
	if len(all) == 0 {
		return
	}
	keep := func(k int) {
		doc.ConfigErrors = all[:k:k]
		if k < len(all) {
			doc.ConfigErrors = append(doc.ConfigErrors, fmt.Sprintf("… and %d more desired-state problems (see bootagent status on the host)", len(all)-k))
		}
	}
	k := largestFit(len(all), limit, func(k int) int { keep(k); return statusLen(*doc) })
	keep(k)
}

// dropLastAgents keeps the first agents (by name, as Status sorts them)
// that fit.
func dropLastAgents(doc *StatusDoc, limit int) {
	all, already := doc.Agents, doc.AgentsDropped
	keep := func(k int) {
		doc.Agents = all[:k]
		doc.AgentsDropped = already + len(all) - k
	}
	k := largestFit(len(all), limit, func(k int) int { keep(k); return statusLen(*doc) })
	keep(k)
}

// cutHeader is the last resort: only the document's own strings are left,
// and they are cut to maxWireName bytes each, which fits any limit of a
// few KiB.
func cutHeader(doc *StatusDoc, _ int) {
	doc.Hostname = truncateHead(doc.Hostname, maxWireName)
	doc.AgentSN = truncateHead(doc.AgentSN, maxWireName)
	doc.Version = truncateHead(doc.Version, maxWireName)
	doc.Tags = truncateHead(doc.Tags, maxWireName)
	if len(doc.ConfigErrors) > 0 {
		doc.ConfigErrors = []string{truncateHead(doc.ConfigErrors[len(doc.ConfigErrors)-1], maxWireName)}
	}
}
