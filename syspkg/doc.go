// Package syspkg installs rpm and deb packages with the host's own package
// manager: the `system` install mode of SPEC §4, which a host must allow
// (allow_system_packages). It drives rpm and dpkg as commands, always with
// an explicit root and database (Options), so tests run against
// throwaway roots and never the host's databases.
//
// What to run and what the package manager answered are decided by pure
// functions (commands.go, parse.go); manager.go only runs them, holds
// dpkg's frontend lock, retries a lock held by another package manager and
// checks the result by querying again.
package syspkg
