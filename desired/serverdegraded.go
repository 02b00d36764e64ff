package desired

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/atomicfile"
)

// A degraded server source is one whose persisted state could not be read
// (corrupt, or moved aside as corrupt by an earlier start and not
// restored). Nothing the server defined may be lost, so:
//
//   - the corrupt file is renamed PATH.corrupt (never overwritten), and
//     while PATH is missing its copies keep the source degraded across
//     restarts: "no file" no longer means "no server agents";
//   - its snapshot is Degraded: no agent it owned is removed for its
//     absence (Set.SourceReady), so the agents it ran keep running, adopted;
//   - the docs of the running server agents are rebuilt from their run
//     records (Recover), so they are supervised as before, and written to
//     PATH.rebuilt for the operator to review;
//   - jobs that would rewrite PATH (install, upgrade, uninstall, start,
//     stop) are refused with a failing result saying why: writing the
//     rebuilt set would silently drop what only the corrupt file knew
//     (stopped agents, agents with no run record). Restart and config jobs
//     still work.
//
// It ends when a valid PATH exists and the daemon re-reads it (SIGHUP, or
// a restart): restored from the .corrupt copy, or PATH.rebuilt moved into
// place to accept the rebuilt set. Deleting PATH and its .corrupt copies
// accepts an empty set (the server's agents are then removed).

// ErrServerStateDegraded: a job that would overwrite the server desired
// state was refused because that state could not be read.
var ErrServerStateDegraded = errors.New("server desired state unreadable")

// Degraded returns why the persisted state is unknown; nil when it is known.
func (s *ServerSource) Degraded() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.degraded
}

// Recover adds, while degraded, the docs of agents a previous daemon ran
// for the server (from their run records) that are not known otherwise,
// and writes the whole set to PATH.rebuilt. Invalid docs are skipped. It
// returns the names added.
func (s *ServerSource) Recover(docs []Doc) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.degraded == nil {
		return nil, nil
	}
	var added []string
	for _, d := range docs {
		d.Source, d.Origin = SourceServer, Origin{File: "server"}
		if _, known := s.docs[d.Name]; known || d.Validate() != nil {
			continue
		}
		s.docs[d.Name] = d
		added = append(added, d.Name)
	}
	sort.Strings(added)
	s.rebuilt = append(s.rebuilt, added...)
	b, err := encodeServerDocs(s.docs)
	if err == nil {
		err = atomicfile.WriteFile(s.path+".rebuilt", b, 0o600) // docs hold env
	}
	if err != nil {
		return added, fmt.Errorf("rebuilt server desired state %s.rebuilt: %w", s.path, err)
	}
	return added, nil
}

// Reload re-reads the persisted state if the source is degraded (SIGHUP):
// a valid file ends the degraded state and replaces the rebuilt docs. A
// source that is not degraded keeps its state: it wrote the file itself.
// It reports whether the snapshot changed.
func (s *ServerSource) Reload() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.degraded == nil {
		return false
	}
	docs, err := loadServerState(s.path)
	if err != nil {
		changed := err.Error() != s.degraded.Error()
		s.degraded = err
		return changed
	}
	s.docs, s.degraded, s.rebuilt = docs, nil, nil
	return true
}

// refuseLocked fails a job that would persist docs while degraded. s.mu held.
func (s *ServerSource) refuseLocked(job api.Job) error {
	if s.degraded == nil || job.Action == api.ActionRestart {
		return nil
	}
	return fmt.Errorf("%s %s refused: %w (%v); restore a valid %s (e.g. from %s.rebuilt) and send the daemon SIGHUP",
		job.Action, job.Name, ErrServerStateDegraded, s.degraded, filepath.Base(s.path), filepath.Base(s.path))
}

// degradedProblem is shown in status and reported as an invalid_config
// event; it names the rebuilt agents so that their status says why. s.mu held.
func (s *ServerSource) degradedProblem() Problem {
	msg := s.degraded.Error() + ": nothing is removed for the server"
	if len(s.rebuilt) > 0 {
		msg += "; " + strings.Join(s.rebuilt, ",") + " rebuilt from run records (see " + filepath.Base(s.path) + ".rebuilt)"
	}
	msg += "; jobs that change server agents are refused until a valid " + filepath.Base(s.path) + " is restored and the daemon re-reads it (SIGHUP)"
	return Problem{Agents: slices.Clone(s.rebuilt), Msg: msg} // msg names the file
}

// moveAside keeps a corrupt path for the operator and adds where to cause.
func moveAside(path string, cause error) error {
	aside, err := atomicfile.MoveAside(path)
	switch {
	case aside == "":
		return fmt.Errorf("%w (left in place: %v)", cause, err)
	case err != nil:
		return fmt.Errorf("%w (moved aside to %s, not yet durably: %v)", cause, aside, err)
	}
	return fmt.Errorf("%w (moved aside to %s)", cause, aside)
}

func encodeServerDocs(docs map[string]Doc) ([]byte, error) {
	list := make([]Doc, 0, len(docs))
	for _, d := range docs {
		list = append(list, d)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return json.MarshalIndent(list, "", "  ")
}
