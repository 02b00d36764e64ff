package desired

import (
	"path/filepath"

	"github.com/bootagent/bootagent/syspkg"
)

// SystemPackageOptions is the package database install: system acts on
// (system_package_root, resolved like the other paths). A root other than
// "/" (a throwaway root, an image being built) holds no shell to chroot
// into, so dpkg runs its scripts outside it.
func (c Config) SystemPackageOptions() syspkg.Options {
	o := syspkg.Options{Root: c.SystemPackageRoot, RPMDBPath: c.SystemPackageRPMDBPath}
	o.ScriptsOutsideRoot = o.Root != "" && filepath.Clean(o.Root) != "/"
	return o
}
