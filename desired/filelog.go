package desired

import (
	"log/slog"
	"strings"
)

// scanLog logs what a re-read found only when it changed: a directory
// missing for a week or a file invalid for a day is one line, not one per
// rescan (DESIGN practice 9).
type scanLog struct {
	log      *slog.Logger
	state    dirState
	first    bool
	problems map[string]bool // Problem.String() of the previous scan
}

func newScanLog(log *slog.Logger) *scanLog {
	return &scanLog{log: log, first: true, problems: map[string]bool{}}
}

func (l *scanLog) observe(snap Snapshot, state dirState) {
	if l.first || state != l.state {
		switch state {
		case dirMissing:
			l.log.Info("desired directory does not exist; no local agents until it appears")
		case dirOK:
			if !l.first {
				l.log.Info("desired directory is readable")
			}
		}
	}
	l.first, l.state = false, state
	now := make(map[string]bool, len(snap.Problems))
	for _, p := range snap.Problems {
		key := p.String()
		now[key] = true
		if !l.problems[key] {
			l.log.Warn("invalid desired file, its agents keep their last valid state",
				"problem", key, "agents", strings.Join(p.Agents, ","))
		}
	}
	for key := range l.problems {
		if !now[key] {
			l.log.Info("desired file problem resolved", "problem", key)
		}
	}
	l.problems = now
}
