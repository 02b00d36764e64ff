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
	dir      string
	state    dirState
	first    bool
	problems map[string]bool // Problem.String() of the previous scan
}

func newScanLog(log *slog.Logger, dir string) *scanLog {
	return &scanLog{log: log, dir: dir, first: true, problems: map[string]bool{}}
}

func (l *scanLog) observe(snap Snapshot, state dirState) {
	if !l.first && state != l.state && state == dirOK {
		l.log.Info("desired directory is readable")
	}
	l.first, l.state = false, state
	now := make(map[string]bool, len(snap.Problems))
	for _, p := range snap.Problems {
		key := p.String()
		now[key] = true
		if l.problems[key] {
			continue
		}
		what := "invalid desired file, its agents keep their last valid state"
		if p.File == l.dir {
			what = "desired directory unusable, it defines no new agents and stops none"
		}
		l.log.Warn(what, "problem", key, "agents", strings.Join(p.Agents, ","))
	}
	for key := range l.problems {
		if !now[key] {
			l.log.Info("desired file problem resolved", "problem", key)
		}
	}
	l.problems = now
}
