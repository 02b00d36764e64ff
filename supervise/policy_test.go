package supervise

import (
	"syscall"
	"testing"
	"time"
)

func TestTrackerExit(t *testing.T) {
	p := Policy{Delay: time.Second, Window: time.Minute, MaxFailures: 3}
	crash := ExitStatus{Known: true, Code: 1}
	signaled := ExitStatus{Known: true, Code: 137, Signal: syscall.SIGKILL}
	clean := ExitStatus{Known: true}
	short, long := time.Second, time.Minute

	type exit struct {
		ran time.Duration
		st  ExitStatus
	}
	tests := []struct {
		name         string
		exits        []exit
		wantFailures int
		wantFatal    bool
	}{
		{"one crash counts one", []exit{{short, crash}}, 1, false},
		{"three crashes: not yet fatal", []exit{{short, crash}, {short, crash}, {short, crash}}, 3, false},
		{"fourth crash is fatal", []exit{{short, crash}, {short, signaled}, {short, crash}, {short, crash}}, 4, true},
		{"a run that lasted the window resets", []exit{{short, crash}, {short, crash}, {long, crash}}, 0, false},
		{"reset then count again", []exit{{short, crash}, {long, clean}, {short, crash}}, 1, false},
		{"clean short exits do not count", []exit{{short, clean}, {short, clean}, {short, clean}, {short, clean}, {short, clean}}, 0, false},
		{"unknown status counts", []exit{{short, ExitStatus{}}}, 1, false},
		{"clean exit does not reset", []exit{{short, crash}, {short, clean}, {short, crash}}, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tr Tracker
			fatal := false
			for _, e := range tc.exits {
				fatal = tr.Exit(p, e.ran, e.st)
			}
			if tr.Failures != tc.wantFailures || fatal != tc.wantFatal {
				t.Fatalf("failures=%d fatal=%v, want %d %v", tr.Failures, fatal, tc.wantFailures, tc.wantFatal)
			}
		})
	}
}

func TestTrackerMaxFailuresZero(t *testing.T) {
	var tr Tracker
	if !tr.Exit(Policy{Window: time.Minute}, 0, ExitStatus{Known: true, Code: 2}) {
		t.Fatal("max_failures 0: the first failure must be fatal")
	}
	tr.Reset()
	if tr.Fatal || tr.Failures != 0 {
		t.Fatal("Reset must clear the state")
	}
}
