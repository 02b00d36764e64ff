// Package desired holds what should be: the desired-state document of one
// sub-agent (SPEC §4), the daemon configuration (SPEC §3), their strict YAML
// parsing and validation, the sources that produce documents (local files,
// later the server) and the merger that combines sources with ownership rules.
//
// Nothing here starts processes or downloads: it only says what is wanted.
package desired

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/bootagent/bootagent/syntax"
)

// State is the run state an agent is desired to be in.
type State string

// The desired states of SPEC §4.
const (
	Running State = "running"
	Stopped State = "stopped"
)

// Source names which kind of source a document came from, as shown in
// status (SPEC §6 "source": "file|server").
const (
	SourceFile   = "file"
	SourceServer = "server"
)

// Doc is the desired state of one sub-agent (SPEC §4). The YAML and JSON
// field names are the contract; Source and Origin are filled by whoever
// produced the document and are not part of its identity (Hash).
type Doc struct {
	Name    string            `yaml:"name" json:"name"`
	Version string            `yaml:"version,omitempty" json:"version,omitempty"`
	Package *Package          `yaml:"package,omitempty" json:"package,omitempty"`
	Command []string          `yaml:"command,omitempty" json:"command,omitempty"`
	State   State             `yaml:"state,omitempty" json:"state,omitempty"`
	User    string            `yaml:"user,omitempty" json:"user,omitempty"`
	Group   string            `yaml:"group,omitempty" json:"group,omitempty"`
	Env     map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	Limits  Limits            `yaml:"limits,omitempty" json:"limits,omitempty"`
	Restart *RestartOverride  `yaml:"restart,omitempty" json:"restart,omitempty"`

	// Source is SourceFile or SourceServer.
	Source string `yaml:"-" json:"-"`
	// Origin is where the document was defined (file and line for local
	// files), used in every error message about it.
	Origin Origin `yaml:"-" json:"-"`

	// hash and processHash cache Hash and ProcessHash once Seal is called,
	// so planning over many agents does not re-encode every document.
	hash, processHash string
}

// Seal computes and caches the document's hashes. Call it once the document
// is final; changing a sealed document afterwards is a bug.
func (d *Doc) Seal() {
	d.hash, d.processHash = "", ""
	d.hash, d.processHash = d.Hash(), d.ProcessHash()
}

// Package says where an agent's files come from.
type Package struct {
	URL      string `yaml:"url" json:"url"`
	Checksum string `yaml:"checksum,omitempty" json:"checksum,omitempty"`
	// Signature is the package's minisign signature (SPEC §10): its text
	// ("untrusted comment: …") or a URL; empty means URL + ".minisig".
	// Only checked when the daemon has trusted_keys.
	Signature string `yaml:"signature,omitempty" json:"signature,omitempty"`
	// Install is how an rpm or deb is installed (SPEC §4): "store" (""
	// is store) or "system", the host's package manager, which the
	// daemon config must allow (allow_system_packages).
	Install string `yaml:"install,omitempty" json:"install,omitempty"`
}

// System reports whether the package is installed by the host's package
// manager rather than into the store.
func (p *Package) System() bool { return p != nil && p.Install == syntax.InstallSystem }

// ShownURL is URL as logs, status messages, events and job results show
// it: its password redacted (SPEC §10).
func (p *Package) ShownURL() string { return syntax.RedactURL(p.URL) }

// Limits are the resource limits as written: cpu "10%" (percent of one CPU),
// memory "20M" (bytes, K/M/G suffix). Empty means unlimited.
type Limits struct {
	CPU    string `yaml:"cpu,omitempty" json:"cpu,omitempty"`
	Memory string `yaml:"memory,omitempty" json:"memory,omitempty"`
}

// RestartPolicy is the restart policy of SPEC §5.
type RestartPolicy struct {
	Delay       Duration `yaml:"delay" json:"delay"`
	Window      Duration `yaml:"window" json:"window"`
	MaxFailures int      `yaml:"max_failures" json:"max_failures"`
}

// RestartOverride is a per-agent override of the configured policy; nil
// fields keep the configured value.
type RestartOverride struct {
	Delay       *Duration `yaml:"delay,omitempty" json:"delay,omitempty"`
	Window      *Duration `yaml:"window,omitempty" json:"window,omitempty"`
	MaxFailures *int      `yaml:"max_failures,omitempty" json:"max_failures,omitempty"`
}

// Apply returns def with the override's set fields replacing its own.
func (o *RestartOverride) Apply(def RestartPolicy) RestartPolicy {
	if o == nil {
		return def
	}
	if o.Delay != nil {
		def.Delay = *o.Delay
	}
	if o.Window != nil {
		def.Window = *o.Window
	}
	if o.MaxFailures != nil {
		def.MaxFailures = *o.MaxFailures
	}
	return def
}

// Origin is where a document was defined.
type Origin struct {
	File string // path of the file, or "server" for server jobs
	Line int    // 1-based line of the document's first key; 0 when unknown
}

func (o Origin) String() string {
	if o.Line > 0 {
		return fmt.Sprintf("%s:%d", o.File, o.Line)
	}
	return o.File
}

// DesiredState returns the effective state (the default is running).
func (d *Doc) DesiredState() State {
	if d.State == "" {
		return Running
	}
	return d.State
}

// Hash is the sha256 of the whole document's content (SPEC §6
// "desired_hash"). Source and Origin are not part of it: moving a document
// to another file changes nothing.
func (d *Doc) Hash() string {
	if d.hash != "" {
		return d.hash
	}
	return hashJSON(d)
}

// ProcessHash covers only what the running process is made of (command,
// env, user, group, package, version): a change here means a restart, while a
// change of limits, restart policy or state alone does not.
func (d *Doc) ProcessHash() string {
	if d.processHash != "" {
		return d.processHash
	}
	return hashJSON(struct {
		Version string
		Package *Package
		Command []string
		User    string
		Group   string
		Env     map[string]string
	}{d.Version, d.Package, d.Command, d.User, d.Group, d.Env})
}

func hashJSON(v any) string {
	// encoding/json sorts map keys, so the encoding is canonical.
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("desired: hashing %T: %v", v, err)) // plain data: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
