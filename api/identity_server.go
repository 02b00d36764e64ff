package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/bootagent/bootagent/atomicfile"
	"github.com/bootagent/bootagent/internal/statedir"
	"github.com/bootagent/bootagent/syntax"
)

// What config jobs changed (SPEC §7) survives restarts in
// statedir.ServerConfig (<stateDir>/private/server-config.json):
//
//	{"svrlist": "192.168.9.1:1234,10.0.0.7:8600", "step": 300}
//
// svrlist is added to the configured servers (Client.SetExtra); step, when
// non-zero, overrides the configured status interval.

// ServerConfig is the server-given part of the agent's configuration.
type ServerConfig struct {
	Svrlist string `json:"svrlist"`
	Step    int64  `json:"step"` // seconds; 0 = the configured step
}

// Apply returns c changed by a config job: a field the job leaves out
// keeps its value, so a job that only changes step keeps the svrlist.
func (c ServerConfig) Apply(j Job) ServerConfig {
	if j.Svrlist != "" {
		c.Svrlist = j.Svrlist
	}
	if j.Step > 0 {
		c.Step = j.Step
	}
	return c
}

// Validate checks c as a config job is checked.
func (c ServerConfig) Validate() error {
	if c.Step < 0 {
		return fmt.Errorf("step %d is negative", c.Step)
	}
	if c.Svrlist != "" {
		if _, err := syntax.ParseSvrlist(c.Svrlist); err != nil {
			return err
		}
	}
	return nil
}

// LoadServerConfig reads the persisted server config; none yet is the
// zero ServerConfig. A file that does not decode or validate is moved
// aside (atomicfile.MoveAside: the next config job must not destroy it)
// and returned as an error naming both places, with the zero config: the
// daemon then starts with no server-given config and shows the error,
// rather than not starting at all. The server can send a config job again.
func LoadServerConfig(stateDir string) (ServerConfig, error) {
	p := statedir.ServerConfig(stateDir)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return ServerConfig{}, nil
	}
	if err != nil {
		return ServerConfig{}, fmt.Errorf("server config %s: %w", p, err)
	}
	var c ServerConfig
	if err = json.Unmarshal(data, &c); err == nil {
		err = c.Validate()
	}
	if err != nil {
		err = fmt.Errorf("server config %s is corrupt: %w", p, err)
		aside, merr := atomicfile.MoveAside(p)
		if aside == "" {
			return ServerConfig{}, fmt.Errorf("%w (left in place: %v)", err, merr)
		}
		return ServerConfig{}, fmt.Errorf("%w (moved aside to %s)", err, aside)
	}
	return c, nil
}

// SaveServerConfig persists c atomically, after checking it.
func SaveServerConfig(stateDir string, c ServerConfig) error {
	p := statedir.ServerConfig(stateDir)
	if err := c.Validate(); err != nil {
		return fmt.Errorf("server config %s: %w", p, err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("server config %s: %w", p, err)
	}
	if err := statedir.EnsurePrivate(stateDir); err != nil {
		return fmt.Errorf("server config: %w", err)
	}
	if err := writeFileAtomic(p, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("server config: %w", err)
	}
	return nil
}
