package daemon

import (
	"testing"
	"time"
)

func TestKeepAgentsOnStop(t *testing.T) {
	tests := []struct {
		name                   string
		cause                  StopCause
		configKeep, keepOnTerm bool
		want                   bool
	}{
		{"sigterm, defaults: stop them (as before)", StopSignalTerm, false, false, false},
		{"sigterm under the unit's flag: keep", StopSignalTerm, false, true, true},
		{"sigterm, config keeps", StopSignalTerm, true, false, true},
		{"ctrl-c ignores the term flag", StopSignalInt, false, true, false},
		{"ctrl-c, config keeps", StopSignalInt, true, false, true},
		{"plain shutdown follows the config", StopShutdown, false, true, false},
		{"plain shutdown, config keeps", StopShutdown, true, false, true},
		{"shutdown --stop-agents beats the config", StopShutdownStopAgents, true, true, false},
		{"a self-upgrade's exec always keeps them", StopExec, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keepAgentsOnStop(tt.cause, tt.configKeep, tt.keepOnTerm); got != tt.want {
				t.Errorf("keepAgentsOnStop(%v, %v, %v) = %v, want %v", tt.cause, tt.configKeep, tt.keepOnTerm, got, tt.want)
			}
		})
	}
}

func TestWatchdogInterval(t *testing.T) {
	tests := []struct {
		name      string
		usec, out int64
	}{
		{"unset", 0, 0},
		{"half of it", 10_000_000, 5_000_000},
		{"negative is off", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := watchdogInterval(durUS(tt.usec)); got != durUS(tt.out) {
				t.Errorf("watchdogInterval(%d) = %v, want %v", tt.usec, got, durUS(tt.out))
			}
		})
	}
}

func durUS(n int64) time.Duration { return time.Duration(n) * time.Microsecond }

func TestActedOn(t *testing.T) {
	tests := []struct {
		name     string
		desired  []string
		observed map[string]bool
		want     bool
	}{
		{"nothing desired", nil, map[string]bool{}, true},
		{"every one acted on", []string{"a", "b"}, map[string]bool{"a": true, "b": true}, true},
		{"one not yet", []string{"a", "b"}, map[string]bool{"a": true}, false},
		{"observed but no longer desired does not matter", []string{"a"}, map[string]bool{"a": true, "gone": true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := actedOn(tt.desired, tt.observed); got != tt.want {
				t.Errorf("actedOn = %v, want %v", got, tt.want)
			}
		})
	}
}
