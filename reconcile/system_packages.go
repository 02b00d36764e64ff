package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/syspkg"
)

// SystemPackages installs rpm and deb packages with the host's package
// manager (syspkg.Manager), for docs with package.install: system.
type SystemPackages interface {
	Query(ctx context.Context, f syspkg.Format, name string) (syspkg.Status, error)
	Install(ctx context.Context, pkg syspkg.Package, prior syspkg.Prior) (bool, error)
	Remove(ctx context.Context, f syspkg.Format, name string) error
}

var _ SystemPackages = (*syspkg.Manager)(nil)

// Errors of the system install mode; terminal (the same doc fails the
// same way), like a bad package.
var (
	// ErrSystemNotAllowed: the doc asks for install: system and the
	// daemon config does not set allow_system_packages: true.
	ErrSystemNotAllowed = errors.New("install: system is not allowed here (allow_system_packages is false)")
	// ErrNoSystemPackages: the daemon was built without a package manager.
	ErrNoSystemPackages = errors.New("this daemon has no system package manager")
)

// driftEvery is how often the version of a system package is checked
// against the one BootAgent installed.
const driftEvery = time.Minute

func systemTerminal(err error) bool {
	return errors.Is(err, ErrSystemNotAllowed) || errors.Is(err, ErrNoSystemPackages) || errors.Is(err, syspkg.ErrInstall)
}

func syspkgOf(inst *fetch.Installed) syspkg.Package {
	return syspkg.Package{Format: syspkg.Format(inst.Package.Format), Name: inst.Package.Name, Version: inst.Version, File: inst.PackageFile}
}

// installSystem makes the host's package manager show inst's version:
// the first install, an upgrade, or, when a rollback starts the
// previous version again, a downgrade to its kept file. A failure puts
// back what was there (syspkg.Prior): the previous version BootAgent
// installed, nothing, or, for a version installed by someone else,
// whatever is left.
func (w *worker) installSystem(inst *fetch.Installed, opts Options) error {
	switch {
	case !opts.AllowSystemPackages:
		return ErrSystemNotAllowed
	case opts.SystemPackages == nil:
		return ErrNoSystemPackages
	}
	pkg := syspkgOf(inst)
	st, err := opts.SystemPackages.Query(w.ctx, pkg.Format, pkg.Name)
	if err != nil {
		return err
	}
	prior, err := w.systemPrior(pkg, st, opts)
	if err != nil {
		return err
	}
	changed, err := opts.SystemPackages.Install(w.ctx, pkg, prior)
	if err != nil {
		return fmt.Errorf("package %s %s: %w", w.name, inst.Version, err)
	}
	if changed {
		w.log.Info("system package installed", "format", pkg.Format, "package", pkg.Name, "version", pkg.Version, "was", st.Raw)
	}
	w.sys.watch(pkg)
	return nil
}

// systemPrior is what a failed install of pkg puts back, from what the
// database shows (st) and the versions this agent keeps in the store.
func (w *worker) systemPrior(pkg syspkg.Package, st syspkg.Status, opts Options) (syspkg.Prior, error) {
	if st.State == syspkg.Absent {
		return syspkg.Prior{}, nil
	}
	list, err := opts.Packages.List(w.name)
	if err != nil {
		return syspkg.Prior{}, err
	}
	for i := range list {
		if in := &list[i]; in.System && in.Version == st.Version && in.Package.Name == pkg.Name {
			p := syspkgOf(in)
			return syspkg.Prior{Package: &p}, nil
		}
	}
	w.log.Warn("system package installed by someone else: a failed install cannot put it back", "package", pkg.Name, "installed", st.Raw)
	return syspkg.Prior{Foreign: true}, nil
}

// uninstallSystem removes the agent's system package, only if what the
// database shows is a version BootAgent installed for it.
func (w *worker) uninstallSystem(opts Options) {
	w.sys.stop()
	if opts.SystemPackages == nil {
		return
	}
	list, err := opts.Packages.List(w.name)
	if err != nil {
		w.log.Error("system package not removed", "error", err)
		return
	}
	mine := map[string]bool{}
	var pkg *syspkg.Package
	for i := range list {
		if list[i].System {
			p := syspkgOf(&list[i])
			pkg, mine[p.Version] = &p, true
		}
	}
	if pkg == nil {
		return
	}
	st, err := opts.SystemPackages.Query(w.ctx, pkg.Format, pkg.Name)
	if err != nil {
		w.log.Error("system package not removed", "error", err)
		return
	}
	if st.State == syspkg.Absent {
		return
	}
	if !mine[st.Version] {
		w.log.Warn("system package left installed: that version was not installed by BootAgent", "package", pkg.Name, "installed", st.Raw)
		return
	}
	if err := opts.SystemPackages.Remove(w.ctx, pkg.Format, pkg.Name); err != nil {
		w.log.Error("system package not removed", "error", err)
		return
	}
	w.log.Info("system package removed", "format", pkg.Format, "package", pkg.Name)
}

// systemWatch checks, every driftEvery, that the package manager still
// shows the version BootAgent installed for the running agent; the zero
// value watches nothing.
type systemWatch struct {
	pkg   *syspkg.Package
	timer *time.Timer
	drift string // the drift last reported, "" none
}

func (s *systemWatch) watch(p syspkg.Package) {
	s.pkg, s.drift = &p, ""
	if s.timer == nil {
		s.timer = time.NewTimer(driftEvery)
		return
	}
	s.timer.Reset(driftEvery)
}

func (s *systemWatch) stop() {
	s.pkg = nil
	if s.timer != nil {
		s.timer.Stop()
	}
}

// tick fires when a check is due; nil (never) when nothing is watched.
func (s *systemWatch) tick() <-chan time.Time {
	if s.pkg == nil || s.timer == nil {
		return nil
	}
	return s.timer.C
}

// driftMessage says how the database differs from what was installed; ""
// when it does not.
func driftMessage(want syspkg.Package, st syspkg.Status) string {
	if st.State == syspkg.Installed && st.Version == want.Version {
		return ""
	}
	got := st.State.String()
	if st.Version != "" {
		got += " " + st.Version
	}
	return fmt.Sprintf("drift: %s %s is %s, BootAgent installed %s", want.Format, want.Name, got, want.Version)
}

// checkDrift reports in status a version changed behind BootAgent's back
// (an operator's apt upgrade, a removal); it changes nothing: the next
// start of the agent installs its version again.
func (w *worker) checkDrift(opts Options) {
	p := w.sys.pkg
	if p == nil || opts.SystemPackages == nil {
		return
	}
	defer w.sys.timer.Reset(driftEvery)
	st, err := opts.SystemPackages.Query(w.ctx, p.Format, p.Name)
	if err != nil {
		w.log.Warn("system package not checked", "error", err)
		return
	}
	msg := driftMessage(*p, st)
	if msg == w.sys.drift {
		return
	}
	if msg != "" {
		w.log.Warn("system package drift", "package", p.Name, "message", msg)
	}
	prev := w.sys.drift
	w.sys.drift = msg
	w.r.update(w.name, func(a *actual.Agent) {
		if a.Message == prev {
			a.Message = msg
		}
	})
}
