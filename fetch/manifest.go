package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/bootagent/bootagent/syntax"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"
)

// ManifestFile is the manifest every package holds at its root (SPEC §4).
const ManifestFile = "agent.yaml"

// maxManifestSize bounds what is read of agent.yaml: it is a few lines.
const maxManifestSize = 1 << 20

// Manifest is a package's agent.yaml. Command may be empty: the desired
// document may supply one, and only the caller knows whether it does.
type Manifest struct {
	Version string            `yaml:"version"`
	Command []string          `yaml:"command"`
	Env     map[string]string `yaml:"env"`
}

// ReadManifest reads and validates dir/agent.yaml. Unknown keys are errors,
// as everywhere in BootAgent: a misspelt key silently ignored is a package
// that runs differently from what its author wrote.
func ReadManifest(dir string) (Manifest, error) {
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Manifest{}, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return Manifest{}, fmt.Errorf("%w: %s: %v", ErrBadManifest, ManifestFile, err)
	}
	if len(b) > maxManifestSize {
		return Manifest{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadManifest, ManifestFile, maxManifestSize)
	}
	m, err := parseManifest(b)
	if err != nil {
		return Manifest{}, fmt.Errorf("%w: %s: %v", ErrBadManifest, ManifestFile, err)
	}
	return m, nil
}

func parseManifest(b []byte) (Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return Manifest{}, errors.New("empty")
		}
		// yaml.v3 quotes the offending value, maybe an env default.
		return Manifest{}, errors.New(syntax.RedactYAMLError(err.Error()))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Manifest{}, errors.New("more than one YAML document")
	}
	return m, m.validate()
}

func (m Manifest) validate() error {
	if m.Version == "" {
		return errors.New("version is missing")
	}
	if !syntax.Version(m.Version) {
		return fmt.Errorf("version %q must match %s", m.Version, syntax.VersionRule)
	}
	if len(m.Command) > 0 && m.Command[0] == "" {
		return errors.New("command[0] is empty")
	}
	for _, k := range slices.Sorted(maps.Keys(m.Env)) {
		if err := syntax.Env(k, m.Env[k]); err != nil { // the desired docs' rule
			return fmt.Errorf("env: %w", err)
		}
	}
	return nil
}
