package server

import (
	"maps"
	"testing"

	"github.com/bootagent/bootagent/api"
)

func TestAgentStates(t *testing.T) {
	ag := func(name, status string) api.AgentStatus { return api.AgentStatus{Name: name, Status: status} }
	tests := []struct {
		name        string
		agents      []api.AgentStatus
		wantStates  string
		wantFailing int
		wantCounts  map[string]int // what addAgentStates reads back
	}{
		{name: "none", agents: nil, wantStates: "", wantCounts: map[string]int{}},
		{name: "all running", agents: []api.AgentStatus{ag("a", "running"), ag("b", "running")}, wantStates: "",
			wantCounts: map[string]int{}},
		{name: "sorted with counts", agents: []api.AgentStatus{ag("a", "stoped"), ag("b", "fatal"), ag("c", "backoff"), ag("d", "fatal")},
			wantStates: "backoff=1,fatal=2,stoped=1", wantFailing: 3, wantCounts: map[string]int{"backoff": 1, "fatal": 2, "stoped": 1}},
		{name: "a name counted once, as first reported", agents: []api.AgentStatus{ag("a", "killed"), ag("a", "running")},
			wantStates: "killed=1", wantFailing: 1, wantCounts: map[string]int{"killed": 1}},
		{name: "installing is not failing", agents: []api.AgentStatus{ag("a", "installing")}, wantStates: "installing=1",
			wantCounts: map[string]int{"installing": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			states, failing := agentStates(tt.agents)
			if states != tt.wantStates || failing != tt.wantFailing {
				t.Fatalf("agentStates = %q, %d; want %q, %d", states, failing, tt.wantStates, tt.wantFailing)
			}
			got := map[string]int{}
			if err := addAgentStates(got, states); err != nil {
				t.Fatalf("addAgentStates(%q): %v", states, err)
			}
			if !maps.Equal(got, tt.wantCounts) {
				t.Fatalf("addAgentStates(%q) = %v, want %v", states, got, tt.wantCounts)
			}
		})
	}
}

func TestAddAgentStatesRefusesGarbage(t *testing.T) {
	tests := []struct {
		name   string
		states string
	}{
		{name: "no count", states: "fatal"},
		{name: "not a number", states: "fatal=x"},
		{name: "negative", states: "fatal=-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := addAgentStates(map[string]int{}, tt.states); err == nil {
				t.Fatalf("addAgentStates(%q) accepted it", tt.states)
			}
		})
	}
}
