package desired

import (
	"fmt"

	"github.com/bootagent/bootagent/syntax"
)

// InstallRules are the daemon settings that decide whether a valid doc can
// be installed at all. The daemon applies them when it installs (the
// package store refuses the package); `bootagent validate --config` applies
// them up front, so it reports what the daemon would do.
type InstallRules struct {
	// RequireChecksum is the configuration's require_checksum.
	RequireChecksum bool
	// RefuseSystemPackages is the negation of allow_system_packages: the
	// zero rules (validate without --config) accept what a host might.
	RefuseSystemPackages bool
}

// InstallRulesOf takes the rules from a loaded configuration.
func InstallRulesOf(c Config) InstallRules {
	return InstallRules{RequireChecksum: c.RequireChecksum, RefuseSystemPackages: !c.AllowSystemPackages}
}

// errors lists d's fields that the rules make every install of d fail on.
func (r InstallRules) errors(d Doc) Errors {
	if r.RefuseSystemPackages && d.Package.System() {
		msg := "package.install: system is refused: the daemon config does not set allow_system_packages: true (every install would fail)"
		return Errors{{File: d.Origin.File, Line: d.Origin.Line, Agent: d.Name, Msg: msg}}
	}
	if d.Package == nil || d.Package.Checksum != "" || !r.RequireChecksum {
		return nil
	}
	u, err := syntax.ParsePackageURL(d.Package.URL)
	if err != nil || u.Local {
		return nil // invalid URLs are the doc's own error; local files are hashed
	}
	msg := fmt.Sprintf("package.checksum: required, as require_checksum is on and %s is not a local file (every install would fail)", u.Display)
	return Errors{{File: d.Origin.File, Line: d.Origin.Line, Agent: d.Name, Msg: msg}}
}
