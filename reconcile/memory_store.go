package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bootagent/bootagent/atomicfile"
	"github.com/bootagent/bootagent/syntax"
)

// memoryStore keeps one Memory per agent as DIR/NAME.json, 0600 in a 0700
// directory: the docs in it carry agents' env, which may hold secrets.
type memoryStore struct{ dir string }

// save writes m crash-safely; a zero Memory removes the file.
func (s memoryStore) save(name string, m Memory) error {
	if isZeroMemory(m) {
		return s.remove(name)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("memory of %s: %w", name, err)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("memory of %s: %w", name, err)
	}
	return atomicfile.WriteFile(s.path(name), b, 0o600)
}

func (s memoryStore) remove(name string) error {
	err := os.Remove(s.path(name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("memory of %s: %w", name, err)
	}
	return nil
}

// load reads every agent's memory. A file that cannot be read or decoded
// is returned as an error and left in place for an operator to look at:
// the agent then starts with a fresh memory, which at worst retries a
// target that failed before.
func (s memoryStore) load() (map[string]Memory, []error) {
	out := map[string]Memory{}
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, []error{fmt.Errorf("agent memories %s: %w", s.dir, err)}
	}
	var errs []error
	for _, e := range entries {
		path := filepath.Join(s.dir, e.Name())
		if strings.HasPrefix(e.Name(), atomicfile.TempPrefix) {
			os.Remove(path) // a write interrupted by a crash
			continue
		}
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !syntax.AgentName(name) {
			continue
		}
		var m Memory
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("memory of %s (%s): %w", name, path, err))
			continue
		}
		out[name] = m
	}
	return out, errs
}

func (s memoryStore) path(name string) string { return filepath.Join(s.dir, name+".json") }

func isZeroMemory(m Memory) bool {
	return m.Failures == 0 && m.Fatal == nil && m.Bad == nil && m.Upgrade == nil && m.Last == nil
}
