package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func fitAgents(n, msg int) []AgentStatus {
	out := make([]AgentStatus, n)
	for i := range out {
		name := fmt.Sprintf("agent-%04d-%s", i, strings.Repeat("n", 50))
		out[i] = AgentStatus{
			Name: name, Version: "1.2.3", Status: "running", Source: "server", DesiredVersion: "1.2.3",
			Limits: map[string]string{"cpu": "10%", "memory": "20M"}, Message: strings.Repeat("m", msg),
			DesiredHash: strings.Repeat("d", 71), AppliedHash: strings.Repeat("a", 71),
			Job: &JobState{ID: strings.Repeat("j", 36), Action: "upgrade", State: "failed", Message: strings.Repeat("<", msg)},
		}
	}
	return out
}

func fitEvents(n, tail int) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = Event{Time: int64(1764170000 + i), Agent: "a", Type: "exited", Message: fmt.Sprintf("ev%03d", i), LogTail: strings.Repeat("x", tail)}
	}
	return out
}

func fitDoc(agents []AgentStatus, events []Event, configErrors []string) StatusDoc {
	return StatusDoc{Hostname: "web-17", AgentSN: "bfdcc18c-1", Version: "bootagent-test", Step: 600,
		Agents: agents, Events: events, ConfigErrors: configErrors}
}

func TestFitStatus(t *testing.T) {
	manyErrors := make([]string, 5000)
	for i := range manyErrors {
		manyErrors[i] = fmt.Sprintf("agents.d/f%d.yaml:1: %s", i, strings.Repeat("e", 1000))
	}
	huge := strings.Repeat("\xff", 200<<10) // invalid UTF-8: 6 bytes each once encoded, 12 fields: over 1 MiB
	tests := []struct {
		name  string
		doc   StatusDoc
		limit int
		check func(t *testing.T, in, out StatusDoc)
	}{
		{name: "small document unchanged", doc: fitDoc(fitAgents(3, 10), fitEvents(3, 10), []string{"x"}), limit: MaxBody,
			check: func(t *testing.T, in, out StatusDoc) {
				if len(out.Events) != 3 || out.EventsDropped != 0 || len(out.Agents) != 3 || out.Agents[0].Message != in.Agents[0].Message {
					t.Fatalf("changed: %d events, %d dropped", len(out.Events), out.EventsDropped)
				}
			}},
		{name: "100 events with 8 KiB tails: tails bounded, all kept", doc: fitDoc(fitAgents(5, 100), fitEvents(100, 8<<10), nil), limit: MaxBody,
			check: func(t *testing.T, in, out StatusDoc) {
				if len(out.Events) != 100 || out.EventsDropped != 0 {
					t.Fatalf("%d events kept, %d dropped", len(out.Events), out.EventsDropped)
				}
				if n := len(out.Events[0].LogTail); n > MaxReportLogTail+len("…") {
					t.Fatalf("log tail %d bytes", n)
				}
			}},
		{name: "oldest events dropped and counted", doc: fitDoc(fitAgents(5, 100), fitEvents(100, 8<<10), nil), limit: 256 << 10,
			check: func(t *testing.T, in, out StatusDoc) {
				if out.EventsDropped == 0 || out.EventsDropped+len(out.Events) != 100 {
					t.Fatalf("%d kept, %d dropped", len(out.Events), out.EventsDropped)
				}
				if out.Events[len(out.Events)-1].Message != "ev099" {
					t.Fatalf("the newest event was dropped")
				}
				if out.Agents[0].Message != in.Agents[0].Message {
					t.Fatalf("agent messages cut while dropping events was enough")
				}
			}},
		{name: "1000 agents with long messages: all kept, messages shortened", doc: fitDoc(fitAgents(1000, 8<<10), fitEvents(100, 8<<10), nil), limit: MaxBody,
			check: func(t *testing.T, in, out StatusDoc) {
				if len(out.Agents) != 1000 || out.AgentsDropped != 0 || len(out.Events) != 0 || out.EventsDropped != 100 {
					t.Fatalf("%d agents, %d dropped; %d events", len(out.Agents), out.AgentsDropped, len(out.Events))
				}
				if m := out.Agents[999].Message; m == "" || len(m) >= maxReportMessage {
					t.Fatalf("message %d bytes", len(m))
				}
			}},
		{name: "too many agents: the last ones dropped and counted", doc: fitDoc(fitAgents(5000, 100), nil, nil), limit: MaxBody,
			check: func(t *testing.T, in, out StatusDoc) {
				if out.AgentsDropped == 0 || out.AgentsDropped+len(out.Agents) != 5000 || out.Agents[0].Name != in.Agents[0].Name {
					t.Fatalf("%d agents, %d dropped", len(out.Agents), out.AgentsDropped)
				}
			}},
		{name: "config errors summarised", doc: fitDoc(nil, nil, manyErrors), limit: MaxBody,
			check: func(t *testing.T, in, out StatusDoc) {
				last := out.ConfigErrors[len(out.ConfigErrors)-1]
				if !strings.Contains(last, "more desired-state problems") || len(out.ConfigErrors) < 100 {
					t.Fatalf("%d config errors, last %q", len(out.ConfigErrors), last)
				}
			}},
		{name: "huge strings everywhere", doc: StatusDoc{Hostname: huge, AgentSN: huge, Version: huge, Tags: huge,
			Agents: []AgentStatus{{Name: huge, Version: huge}}, Events: []Event{{Agent: huge, Type: huge, Message: huge, LogTail: huge}},
			ConfigErrors: []string{huge}}, limit: MaxBody,
			check: func(t *testing.T, in, out StatusDoc) {
				if len(out.Agents) != 1 || len(out.Agents[0].Name) > maxWireName+len("…") {
					t.Fatalf("%d agents, name %d bytes", len(out.Agents), len(out.Agents[0].Name))
				}
			}},
		{name: "small limit", doc: fitDoc(fitAgents(50, 1000), fitEvents(50, 1000), manyErrors[:50]), limit: 16 << 10,
			check: func(t *testing.T, in, out StatusDoc) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := json.Marshal(tt.doc)
			out := FitStatus(tt.doc, tt.limit)
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > tt.limit {
				t.Fatalf("fitted document is %d bytes, over the limit %d", len(b), tt.limit)
			}
			if after, _ := json.Marshal(tt.doc); string(after) != string(before) {
				t.Fatalf("FitStatus modified its argument")
			}
			if again, _ := json.Marshal(FitStatus(out, tt.limit)); string(again) != string(b) {
				t.Fatalf("fitting a fitted document changed it")
			}
			tt.check(t, tt.doc, out)
		})
	}
}

func TestBatchFits(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		limit int
		want  int
	}{
		{name: "empty", sizes: nil, limit: 10, want: 0},
		{name: "all fit", sizes: []int{3, 3}, limit: 9, want: 2}, // [aaa,bbb]
		{name: "one byte over", sizes: []int{3, 3}, limit: 8, want: 1},
		{name: "first alone too big", sizes: []int{20, 1}, limit: 10, want: 0},
		{name: "exactly the limit", sizes: []int{8}, limit: 10, want: 1}, // [8 bytes]
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := batchFits(tt.sizes, tt.limit); got != tt.want {
				t.Fatalf("batchFits(%v, %d) = %d, want %d", tt.sizes, tt.limit, got, tt.want)
			}
		})
	}
}
