package desired

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/atomicfile"
	"github.com/bootagent/bootagent/internal/statedir"
)

// ServerSource turns control-server jobs into desired docs (Source
// "server") and persists them in the state dir, so that after a reboot with
// the server down the same agents run at the same versions. Safe for
// concurrent use.
//
// When the persisted state cannot be read the source is degraded (see
// serverdegraded.go): its snapshot is marked Degraded so nothing is removed
// on its account, and jobs that would overwrite the state are refused.
type ServerSource struct {
	path string
	mu   sync.Mutex
	docs map[string]Doc
	// degraded says why the persisted state is not known (nil: it is);
	// rebuilt names the docs recovered meanwhile from run records.
	degraded error
	rebuilt  []string
	policy   JobPolicy
}

// JobPolicy is what the daemon config says about server jobs (SPEC §10).
type JobPolicy struct {
	// AllowLocalPackages lets a job name file:// URLs and absolute paths
	// (allow_local_packages).
	AllowLocalPackages bool
	// AllowSystemPackages lets a job ask for install: system
	// (allow_system_packages).
	AllowSystemPackages bool
	// DefaultUser is the user of an installed agent whose job names none
	// (server_job_user; "" is root).
	DefaultUser string
}

// account is the user and group of a job's doc: the job's when it names a
// user or group (a user alone runs with its primary group), else, on an
// upgrade, the current doc's (user, group), else the policy's default user.
func (s *ServerSource) account(job api.Job, user, group string, exists bool) (string, string) {
	switch {
	case job.User != "" || job.Group != "":
		return job.User, job.Group
	case exists:
		return user, group
	}
	return s.policy.DefaultUser, ""
}

// SetJobPolicy sets the policy Apply enforces; the daemon calls it before
// the first job, and again when a reload changes the config.
func (s *ServerSource) SetJobPolicy(p JobPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
}

// ErrNotServerAgent: the job names an agent the server does not own.
var ErrNotServerAgent = errors.New("no such agent installed by the server")

// OpenServerSource loads the persisted server docs from stateDir. It never
// fails: a file that cannot be read makes a degraded source (Degraded),
// because starting without the server's agents would uninstall them, and
// refusing to start would leave every agent unsupervised.
func OpenServerSource(stateDir string) *ServerSource {
	s := &ServerSource{path: statedir.ServerDesired(stateDir)}
	s.docs, s.degraded = loadServerState(s.path)
	return s
}

// loadServerState reads path: the docs, or why they are unknown.
func loadServerState(path string) (map[string]Doc, error) {
	docs := map[string]Doc{}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if aside := atomicfile.Copies(path); len(aside) > 0 {
			// Moved aside by an earlier start and not restored: "no file"
			// does not mean "no agents" here.
			return docs, fmt.Errorf("server desired state %s is missing since it was found corrupt (kept as %s)", path, strings.Join(aside, ", "))
		}
		return docs, nil
	}
	if err != nil {
		return docs, fmt.Errorf("server desired state %s: %w", path, err)
	}
	list, err := decodeServerDocs(b)
	if err != nil {
		err = fmt.Errorf("server desired state %s is corrupt: %w", path, err)
		return docs, moveAside(path, err)
	}
	for _, d := range list {
		docs[d.Name] = d
	}
	return docs, nil
}

func decodeServerDocs(b []byte) ([]Doc, error) {
	var list []Doc
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	for i := range list {
		d := &list[i]
		d.Source, d.Origin = SourceServer, Origin{File: "server"}
		if err := d.Validate(); err != nil {
			return nil, err
		}
	}
	return list, nil
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
	if s.degraded != nil {
		snap.Degraded = true
		snap.Problems = []Problem{s.degradedProblem()}
	}
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
	if err := s.refuseLocked(job); err != nil {
		return nil, err
	}
	if err := api.CheckServerJobPolicy(job, s.policy.AllowLocalPackages, s.policy.AllowSystemPackages); err != nil {
		return nil, err
	}
	var next *Doc
	switch job.Action {
	case api.ActionInstall, api.ActionUpgrade:
		d := Doc{
			Name:    job.Name,
			Package: &Package{URL: job.URL, Checksum: job.Checksum, Signature: job.Signature, Install: job.Install},
			Command: job.Command,
			Env:     job.Envs,
			Limits:  Limits{CPU: job.Limits.CPU, Memory: job.Limits.Memory},
			Source:  SourceServer, Origin: Origin{File: "server"},
		}
		if exists {
			// An upgrade keeps what the job does not say: its state,
			// user, restart policy; env and limits if none are given.
			d.State, d.User, d.Group, d.Restart = cur.State, cur.User, cur.Group, cur.Restart
			if job.Command == nil {
				d.Command = cur.Command
			}
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
		d.User, d.Group = s.account(job, d.User, d.Group, exists)
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
	b, err := encodeServerDocs(s.docs)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.path, b, 0o600); err != nil { // agents' env: 0600
		return fmt.Errorf("server desired state %s: %w", s.path, err)
	}
	return nil
}
