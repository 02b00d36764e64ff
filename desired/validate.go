package desired

import (
	"fmt"
	"github.com/bootagent/bootagent/syntax"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Whether a user or group exists is decided when the agent starts: it may
// be created after the file is written.

// fieldError is one invalid field, named by its dotted YAML path so the
// parser can place it on the key's line and the server source can quote it.
type fieldError struct {
	Field string
	Msg   string
}

// String names the field, but of an env key written "NAME=value" only
// NAME: what follows '=' is a value, and values are never shown (SPEC §10).
func (e fieldError) String() string {
	field := e.Field
	if k, ok := strings.CutPrefix(field, "env."); ok {
		if name, _, found := strings.Cut(k, "="); found {
			field = "env." + name + "=…"
		}
	}
	return field + ": " + e.Msg
}

// validateName checks an agent name (SPEC §4). The message is meant to
// follow "name: ".
func validateName(name string) error {
	if name == "" {
		return fmt.Errorf("required")
	}
	if !syntax.AgentName(name) {
		return fmt.Errorf("%q is not a valid name (want %s)", name, syntax.AgentNameRule)
	}
	if name == syntax.SelfName {
		return fmt.Errorf("%q is reserved for BootAgent itself (SPEC §14: upgrade it with a self-upgrade)", name)
	}
	return nil
}

// validateVersion checks a version string for path safety.
func validateVersion(v string) error {
	if !syntax.Version(v) {
		return fmt.Errorf("%q is not a valid version (want %s)", v, syntax.VersionRule)
	}
	return nil
}

// Validate checks the document on its own (not against other documents or
// the host). Parse calls it for every file document; other sources call it
// before a document is used. The error is an Errors placed at d.Origin.
func (d *Doc) Validate() error {
	var errs Errors
	for _, fe := range d.fieldErrors() {
		errs = append(errs, &Error{File: d.Origin.File, Line: d.Origin.Line, Agent: d.Name, Msg: fe.String()})
	}
	return errs.Err()
}

func (d *Doc) fieldErrors() []fieldError {
	var fes []fieldError
	add := func(field string, err error) {
		if err != nil {
			fes = append(fes, fieldError{field, err.Error()})
		}
	}
	add("name", validateName(d.Name))
	add("state", validateState(d.State))
	add("user", validateAccount(d.User))
	add("group", validateAccount(d.Group))
	if d.Version != "" {
		add("version", validateVersion(d.Version))
	}
	fes = append(fes, d.packageErrors()...)
	fes = append(fes, d.commandErrors()...)
	fes = append(fes, envErrors(d.Env)...)
	fes = append(fes, d.Limits.fieldErrors()...)
	if r := d.Restart; r != nil && r.MaxFailures != nil && *r.MaxFailures < 0 {
		fes = append(fes, fieldError{"restart.max_failures", fmt.Sprintf("%d is negative", *r.MaxFailures)})
	}
	return fes
}

func validateState(s State) error {
	switch s {
	case "", Running, Stopped:
		return nil
	}
	return fmt.Errorf("%q is not %q or %q", s, Running, Stopped)
}

// validateAccount is syntax.Account: a server job's user and group are
// checked with the same rule.
func validateAccount(s string) error { return syntax.Account(s) }

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func (d *Doc) packageErrors() []fieldError {
	if d.Package == nil {
		return nil
	}
	var fes []fieldError
	if d.Version == "" && d.Source != SourceServer {
		// Without it there is no way to tell an upgrade from a re-install.
		// Server jobs carry none (SPEC §4): their URL and checksum tell.
		fes = append(fes, fieldError{"version", "required when package is set"})
	}
	if strings.TrimSpace(d.Package.URL) == "" {
		fes = append(fes, fieldError{"package.url", "required"})
	} else if _, err := syntax.ParsePackageURL(d.Package.URL); err != nil {
		// The store's own rule: a URL refused here would fail every install.
		fes = append(fes, fieldError{"package.url", err.Error()})
	}
	if c := d.Package.Checksum; c != "" {
		if _, ok := syntax.ChecksumHex(c); !ok {
			fes = append(fes, fieldError{"package.checksum", fmt.Sprintf("%q is not %s", c, syntax.ChecksumRule)})
		}
	}
	if err := syntax.CheckSignature(d.Package.Signature); err != nil {
		fes = append(fes, fieldError{"package.signature", err.Error()})
	}
	return append(fes, d.installErrors()...)
}

// installErrors checks package.install as far as the doc alone tells:
// the mode and the package's format. Whether the host allows system
// packages is InstallRules' (the doc may be valid on another host).
func (d *Doc) installErrors() []fieldError {
	u, err := syntax.ParsePackageURL(d.Package.URL)
	if err != nil {
		return nil // package.url says why
	}
	if err := syntax.InstallMode(d.Package.Install, u.Archive, true); err != nil {
		return []fieldError{{"package.install", strings.TrimPrefix(err.Error(), "install: ")}}
	}
	if d.Package.System() && len(d.Command) == 0 && d.Source != SourceServer {
		// The package manager puts files where the package says; nothing
		// tells which one to run. A server upgrade keeps its command.
		return []fieldError{{"command", "required when package.install is system"}}
	}
	return nil
}

func (d *Doc) commandErrors() []fieldError {
	if len(d.Command) == 0 {
		if d.Package == nil {
			// Without a package there is no manifest to take a command from.
			return []fieldError{{"command", "required when no package is set"}}
		}
		return nil
	}
	var fes []fieldError
	if d.Command[0] == "" {
		fes = append(fes, fieldError{"command.0", "the program must not be empty"})
	}
	for i, arg := range d.Command {
		if strings.IndexByte(arg, 0) >= 0 {
			// exec cannot pass a NUL: fail here, not at start time.
			fes = append(fes, fieldError{"command." + strconv.Itoa(i), "contains a NUL byte"})
		}
	}
	return fes
}

// envErrors checks every variable with syntax.Env, in name order so the
// errors come out the same every time.
func envErrors(env map[string]string) []fieldError {
	var fes []fieldError
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if err := syntax.Env(k, env[k]); err != nil {
			fes = append(fes, fieldError{"env." + k, err.Error()})
		}
	}
	return fes
}
