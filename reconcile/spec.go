package reconcile

import (
	"errors"
	"fmt"
	"os"

	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/supervise"
)

// Errors of the package.
var (
	// ErrNoPackageSupport: the reconciler was built without a package store.
	ErrNoPackageSupport = errors.New("this daemon has no package store")
	// ErrNoCommand: neither the desired doc nor the package manifest says
	// what to run.
	ErrNoCommand = errors.New("no command: neither the desired doc nor the package's agent.yaml has one")
)

// spec turns a desired doc (and its installed package, if any) into what
// supervise needs to start it. A package's process runs in the package
// dir, with the manifest's command and env unless the doc overrides them.
// Errors are terminal for the doc (unknown user, command not found): the
// process is checked before anything running is stopped for it.
func (w *worker) spec(doc desired.Doc, inst *fetch.Installed) (supervise.Spec, error) {
	ident, err := supervise.LookupIdentity(doc.User, doc.Group)
	if err != nil {
		return supervise.Spec{}, err
	}
	command, env, dir := doc.Command, []map[string]string{doc.Env}, w.r.workDir(w.name)
	if inst != nil {
		dir = inst.Dir
		if len(command) == 0 {
			command = inst.Manifest.Command
		}
		env = []map[string]string{inst.Manifest.Env, doc.Env}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return supervise.Spec{}, fmt.Errorf("working directory: %w", err)
	}
	if ident.Cred != nil && inst == nil {
		// The agent's own working directory is its to write in.
		if err := os.Chown(dir, int(ident.Cred.Uid), int(ident.Cred.Gid)); err != nil {
			return supervise.Spec{}, fmt.Errorf("working directory: %w", err)
		}
	}
	spec := supervise.Spec{
		Name:    w.name,
		Command: command,
		Env:     supervise.BuildEnv(w.name, ident, env...),
		Dir:     dir,
		Ident:   ident,
		LogPath: w.r.LogPath(w.name),
	}
	return spec, supervise.Check(spec)
}
