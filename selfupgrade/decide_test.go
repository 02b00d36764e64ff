package selfupgrade

import (
	"strings"
	"testing"
	"time"
)

func TestOutcomeOf(t *testing.T) {
	rec := Record{JobID: "j1", FromVersion: "a", ToVersion: "b", Pid: 7, Agents: map[string]int{"x": 1}}
	tests := []struct {
		name  string
		rec   Record
		ok    bool
		id    string
		want  JobOutcome
		match string
	}{
		{name: "no record: carry it out", ok: false, id: "j1", want: JobOutcome{Redo: true}},
		{name: "record of another job: carry it out", rec: rec, ok: true, id: "j2", want: JobOutcome{Redo: true}},
		{name: "on trial: pending", rec: with(rec, Trying, ""), ok: true, id: "j1", want: JobOutcome{Pending: true}},
		{name: "healthy: success", rec: with(rec, Healthy, ""), ok: true, id: "j1", match: "upgraded from a to b"},
		{name: "reverted: failure with the reason", rec: with(rec, Reverted, "it hung"), ok: true, id: "j1", want: JobOutcome{Failed: true, Message: "it hung"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OutcomeOf(tt.rec, tt.ok, tt.id)
			if tt.match != "" {
				if got.Failed || got.Pending || got.Redo || !strings.Contains(got.Message, tt.match) {
					t.Errorf("OutcomeOf = %+v, want success %q", got, tt.match)
				}
				return
			}
			if got != tt.want {
				t.Errorf("OutcomeOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func with(r Record, s State, reason string) Record {
	r.State, r.Reason = s, reason
	return r
}

func TestGuard(t *testing.T) {
	now := time.Unix(1000, 0)
	rec := Record{State: Trying, Window: 10 * time.Second, Deadline: now}
	grace := GuardGrace(rec.Window) // 3s
	tests := []struct {
		name string
		rec  Record
		dead time.Duration
		at   time.Time
		want GuardStep
	}{
		{"in time, alive: wait", rec, 0, now.Add(-time.Second), GuardWait},
		{"past the deadline, within the grace: the new process may still revert itself", rec, 0, now.Add(grace - time.Millisecond), GuardWait},
		{"past the grace, alive: hung", rec, 0, now.Add(grace + time.Millisecond), GuardRevertHung},
		{"dead for long enough, in time: revert at once", rec, DeathConfirm, now.Add(-5 * time.Second), GuardRevertDead},
		{"a zombie for a moment (exec from a thread) is no death", rec, DeathConfirm - time.Millisecond, now.Add(-5 * time.Second), GuardWait},
		{"healthy: done", with(rec, Healthy, ""), time.Hour, now.Add(time.Hour), GuardDone},
		{"reverted by the process itself: done", with(rec, Reverted, "x"), 0, now.Add(time.Hour), GuardDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Guard(tt.rec, tt.dead, tt.at); got != tt.want {
				t.Errorf("Guard = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnhealthy(t *testing.T) {
	rec := Record{Agents: map[string]int{"a": 10, "b": 11}, NeedServer: true}
	alive := func(pid int) bool { return pid != 11 } // b died meanwhile
	tests := []struct {
		name string
		rec  Record
		h    Health
		want string
	}{
		{"healthy: a adopted, b gone by itself", rec, Health{Ready: true, Reached: true, Adopted: map[string]int{"a": 10}}, ""},
		{"not started yet", rec, Health{Adopted: map[string]int{"a": 10}}, "did not finish starting"},
		{"a running but not adopted", rec, Health{Ready: true, Reached: true, Adopted: map[string]int{}}, "did not adopt a (pid 10)"},
		{"a restarted (other pid) counts as not adopted", rec, Health{Ready: true, Reached: true, Adopted: map[string]int{"a": 99}}, "did not adopt a (pid 10)"},
		{"server not reached", rec, Health{Ready: true, Adopted: map[string]int{"a": 10}}, "did not reach its server"},
		{"offline: no server needed", Record{Agents: map[string]int{}}, Health{Ready: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unhealthy(tt.rec, tt.h, alive)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Unhealthy = %q, want %q", got, tt.want)
			}
		})
	}
}
