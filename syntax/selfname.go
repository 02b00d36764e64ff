package syntax

import "fmt"

// SelfName is BootAgent's own name, reserved (SPEC §14): a job
// {"action":"upgrade","name":"bootagent"} upgrades the daemon's binary, and
// no sub-agent may be called so.
const SelfName = "bootagent"

// SelfJob checks a job's action against the reserved name: for SelfName
// only upgrade is meaningful.
func SelfJob(action, name string) error {
	if name == SelfName && action != "upgrade" {
		return fmt.Errorf("name %q is reserved for BootAgent itself: only an upgrade job may name it (self-upgrade)", SelfName)
	}
	return nil
}

// ParseJobURL reads the url of an install or upgrade job for agent name: a
// package archive (ParsePackageURL), except for SelfName, whose upgrade is
// a plain executable (same sources, no archive type).
func ParseJobURL(name, raw string) (PackageURL, error) {
	if name == SelfName {
		u, _, err := parseLocation(raw)
		return u, err
	}
	return ParsePackageURL(raw)
}
