package jobs

import (
	"slices"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// A self-upgrade job's outcome is its apply, as for a config job; pending,
// it waits taken (the zero Event changes nothing) across the exec, and
// ApplyAgain (a Resumed) applies it again.
func TestNextSelfUpgrade(t *testing.T) {
	t0 := time.Unix(1000, 0)
	self := api.Job{ID: "s", Action: api.ActionUpgrade, Name: "bootagent", URL: "https://x/bootagent", Checksum: "SHA256:ab"}
	taken := Entry{Job: self, State: Taken, TakenAt: t0}
	tests := []struct {
		name    string
		e       Entry
		ev      Event
		want    Entry
		effects []Effect
	}{
		{"upgraded: judged at once with the message", taken, Event{Kind: ApplyDone, At: t0, Message: "upgraded from a to b"},
			Entry{Job: self, State: Judged, TakenAt: t0, Result: api.JobResult{ID: "s", Message: "upgraded from a to b"}}, []Effect{Persist, Queue}},
		{"reverted: failed with the reason", taken, Event{Kind: ApplyFailed, At: t0, Message: "it hung"},
			Entry{Job: self, State: Judged, TakenAt: t0, Result: api.JobResult{ID: "s", Errcode: 1, Message: "it hung"}}, []Effect{Persist, Queue}},
		{"pending: nothing changes", taken, Event{}, taken, nil},
		{"applied again after the exec", taken, Event{Kind: Resumed, At: t0, Queued: true}, taken, []Effect{Apply}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, eff := Next(tt.e, true, tt.ev)
			if got.State != tt.want.State || got.Result != tt.want.Result || !slices.Equal(eff, tt.effects) {
				t.Errorf("Next = %+v %v, want %+v %v", got, eff, tt.want, tt.effects)
			}
		})
	}
}

func TestIsSelfUpgrade(t *testing.T) {
	tests := []struct {
		name string
		job  api.Job
		want bool
	}{
		{"upgrade bootagent", api.Job{Action: api.ActionUpgrade, Name: "bootagent"}, true},
		{"upgrade another agent", api.Job{Action: api.ActionUpgrade, Name: "mon"}, false},
		{"install bootagent is not one (and invalid)", api.Job{Action: api.ActionInstall, Name: "bootagent"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsSelfUpgrade(tt.job); got != tt.want {
				t.Errorf("IsSelfUpgrade = %v", got)
			}
		})
	}
}
