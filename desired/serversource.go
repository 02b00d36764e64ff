package desired

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/atomicfile"
)

// ServerSource turns control-server jobs into desired docs (Source
// "server") and persists them in the state dir, so that after a reboot with
// the server down the same agents run at the same versions. Safe for
// concurrent use.
type ServerSource struct {
	path string
	mu   sync.Mutex
	docs map[string]Doc
}

// ErrNotServerAgent: the job names an agent the server does not own.
var ErrNotServerAgent = errors.New("no such agent installed by the server")

// OpenServerSource loads the persisted server docs from stateDir. A corrupt
// file is an error naming it: starting without the server's agents would
// uninstall them.
func OpenServerSource(stateDir string) (*ServerSource, error) {
	s := &ServerSource{path: filepath.Join(stateDir, "server-desired.json"), docs: map[string]Doc{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("server desired state %s: %w", s.path, err)
	}
	var docs []Doc
	if err := json.Unmarshal(b, &docs); err != nil {
		return nil, fmt.Errorf("server desired state %s: %w", s.path, err)
	}
	for _, d := range docs {
		d.Source, d.Origin = SourceServer, Origin{File: "server"}
		s.docs[d.Name] = d
	}
	return s, nil
}

// Snapshot is the whole set of server docs.
func (s *ServerSource) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{Source: SourceServer}
	for _, d := range s.docs {
		snap.Docs = append(snap.Docs, d)
	}
	sort.Slice(snap.Docs, func(i, j int) bool { return snap.Docs[i].Name < snap.Docs[j].Name })
	return snap
}

// Doc returns the server's doc for name.
func (s *ServerSource) Doc(name string) (Doc, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[name]
	return d, ok
}

// Apply changes the desired state as job asks (install, upgrade,
// uninstall, start, stop; restart and config change no doc) and persists
// it. It returns the doc the job desires (nil for uninstall). The job must
// have been validated (api.ValidateJob).
func (s *ServerSource) Apply(job api.Job) (*Doc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, exists := s.docs[job.Name]
	var next *Doc
	switch job.Action {
	case api.ActionInstall, api.ActionUpgrade:
		d := Doc{
			Name:    job.Name,
			Package: &Package{URL: job.URL, Checksum: job.Checksum},
			Env:     job.Envs,
			Limits:  Limits{CPU: job.Limits.CPU, Memory: job.Limits.Memory},
			Source:  SourceServer, Origin: Origin{File: "server"},
		}
		if exists {
			// An upgrade keeps what the job does not say: its state,
			// user, restart policy; env and limits if none are given.
			d.State, d.User, d.Group, d.Restart, d.Command = cur.State, cur.User, cur.Group, cur.Restart, cur.Command
			if job.Envs == nil {
				d.Env = cur.Env
			}
			if job.Limits == (api.JobLimits{}) {
				d.Limits = cur.Limits
			}
		}
		if job.Action == api.ActionInstall {
			d.State = Running
		}
		if err := d.Validate(); err != nil {
			return nil, err
		}
		next = &d
	case api.ActionStart, api.ActionStop:
		if !exists {
			return nil, fmt.Errorf("%s %s: %w", job.Action, job.Name, ErrNotServerAgent)
		}
		d := cur
		d.State = Running
		if job.Action == api.ActionStop {
			d.State = Stopped
		}
		next = &d
	case api.ActionUninstall:
		if !exists {
			return nil, nil // already as desired
		}
	case api.ActionRestart:
		if !exists {
			return nil, fmt.Errorf("restart %s: %w", job.Name, ErrNotServerAgent)
		}
		return &cur, nil
	default:
		return nil, fmt.Errorf("action %q changes no agent", job.Action)
	}
	old := s.docs
	s.docs = make(map[string]Doc, len(old)+1)
	for k, v := range old {
		s.docs[k] = v
	}
	if next == nil {
		delete(s.docs, job.Name)
	} else {
		s.docs[job.Name] = *next
	}
	if err := s.persist(); err != nil {
		s.docs = old // nothing changes unless it is durable
		return nil, err
	}
	return next, nil
}

func (s *ServerSource) persist() error {
	docs := make([]Doc, 0, len(s.docs))
	for _, d := range s.docs {
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Name < docs[j].Name })
	b, err := json.MarshalIndent(docs, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.path, b, 0o600); err != nil { // agents' env: 0600
		return fmt.Errorf("server desired state %s: %w", s.path, err)
	}
	return nil
}
