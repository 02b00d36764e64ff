package reconcile

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// ErrNoPackageSupport: fetching packages is not wired in yet; an agent with
// a package says so instead of pretending to run.
var ErrNoPackageSupport = errors.New("installing packages is not supported by this build yet")

// spec turns a desired doc into what supervise needs to start it. Errors
// are terminal for the doc (unknown user, a package that cannot be had).
func (w *worker) spec(doc desired.Doc, opts Options) (supervise.Spec, error) {
	if doc.Package != nil {
		return supervise.Spec{}, fmt.Errorf("package %s: %w", doc.Package.URL, ErrNoPackageSupport)
	}
	ident, err := supervise.LookupIdentity(doc.User, doc.Group)
	if err != nil {
		return supervise.Spec{}, err
	}
	dir := w.r.workDir(w.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return supervise.Spec{}, fmt.Errorf("working directory: %w", err)
	}
	if ident.Cred != nil {
		// The agent's own working directory is its to write in.
		if err := os.Chown(dir, int(ident.Cred.Uid), int(ident.Cred.Gid)); err != nil {
			return supervise.Spec{}, fmt.Errorf("working directory: %w", err)
		}
	}
	return supervise.Spec{
		Name:    w.name,
		Command: doc.Command,
		Env:     supervise.BuildEnv(w.name, ident, doc.Env),
		Dir:     dir,
		Ident:   ident,
		LogPath: w.r.LogPath(w.name),
	}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
