package supervise

import "time"

// Policy is the restart policy of SPEC §5 (the design note's "an abnormal
// exit is not restarted within 3 min; an abnormal run within 15 min marks one
// abnormal event; more than 3 in a row and the program is abnormal").
type Policy struct {
	Delay       time.Duration // wait this long before every restart
	Window      time.Duration // a run this long resets the failure count
	MaxFailures int           // more consecutive failures than this → fatal
}

// Tracker is the restart policy's state for one agent. The zero value is a
// fresh agent. It is not safe for concurrent use: one agent worker owns it.
type Tracker struct {
	Failures int  // consecutive abnormal short runs
	Fatal    bool // gave up: no restarts until Reset
}

// Exit records one exit of a run that lasted ran and says whether to give
// up. Every exit of an agent desired running is restarted after p.Delay
// unless the agent is now fatal.
func (t *Tracker) Exit(p Policy, ran time.Duration, st ExitStatus) (fatal bool) {
	if ran >= p.Window {
		t.Failures = 0
	} else if st.Abnormal() {
		t.Failures++
	}
	if t.Failures > p.MaxFailures {
		t.Fatal = true
	}
	return t.Fatal
}

// Reset forgets past failures: the desired state changed or an operator
// asked for a restart.
func (t *Tracker) Reset() { *t = Tracker{} }
