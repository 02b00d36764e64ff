package syntax

import (
	"fmt"
	"slices"
)

// PackageFormats are the system package formats a package URL may name
// (SPEC §4 "rpm and deb"): by suffix (.rpm, .deb) or ?archive=rpm|deb.
// They are not archives: the store reads their payload, not their root.
var PackageFormats = []string{"deb", "rpm"}

// IsPackageFormat reports whether a PackageURL.Archive is rpm or deb.
func IsPackageFormat(archive string) bool { return slices.Contains(PackageFormats, archive) }

// The install modes of package.install (job field install), SPEC §4.
const (
	InstallStore  = "store"  // payload extracted into the versioned store (default)
	InstallSystem = "system" // the host's rpm or dpkg installs it
)

// JobCommand checks a server job's command: only an rpm or deb takes one
// (SPEC §4: in store mode the command of a payload without agent.yaml
// comes from the doc or job, and install: system needs one); an archive's
// command is its agent.yaml's. It must name a program.
func JobCommand(archive string, command []string) error {
	if len(command) == 0 {
		return nil
	}
	if !IsPackageFormat(archive) {
		return fmt.Errorf("command: only an .rpm or .deb job takes one (an archive's command is in its agent.yaml)")
	}
	if command[0] == "" {
		return fmt.Errorf("command: command[0] is empty")
	}
	return nil
}

// InstallMode checks package.install against the package's format:
// empty means store; system needs an rpm or deb URL (an archive has no
// package manager to install it) and a host that allows it.
func InstallMode(mode, archive string, allowSystem bool) error {
	switch mode {
	case "", InstallStore:
		return nil
	case InstallSystem:
		if !IsPackageFormat(archive) {
			return fmt.Errorf("install: system needs an .rpm or .deb package, not %s", archive)
		}
		if !allowSystem {
			return fmt.Errorf("install: system is refused: the host does not set allow_system_packages: true")
		}
		return nil
	default:
		return fmt.Errorf("install: %q is not store or system", mode)
	}
}
