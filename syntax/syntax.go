// Package syntax holds the forms SPEC fixes for what crosses package and
// process boundaries: agent names, versions and checksums. Every reader
// (desired files, server jobs, the package store, cgroups, bootserver)
// checks with these, so the server can never accept what an agent refuses,
// nor the store refuse a version the desired doc allowed. Callers word
// their own errors; these functions only decide.
package syntax

import (
	"regexp"
	"strings"
)

// Rules as written in error messages.
const (
	AgentNameRule = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
	VersionRule   = "[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}"
	ChecksumRule  = "SHA256:<64 hex digits>"
)

var (
	// An agent name becomes a directory, a cgroup and a log file name: the
	// leading alphanumeric rules out ".", ".." and hidden names, so path
	// traversal is impossible by construction.
	agentName = regexp.MustCompile(`^` + AgentNameRule + `$`)
	// Versions name package directories too, and allow semver's "+build"
	// and Debian's "~rc".
	version  = regexp.MustCompile(`^` + VersionRule + `$`)
	checksum = regexp.MustCompile(`^(?i:sha256):([0-9A-Fa-f]{64})$`)
)

// AgentName reports whether s is a valid agent name (SPEC §4).
func AgentName(s string) bool { return agentName.MatchString(s) }

// Version reports whether s is a valid, path-safe version.
func Version(s string) bool { return version.MatchString(s) }

// ChecksumHex returns the lower-case hex of a "SHA256:<hex>" checksum (the
// prefix in any case, SPEC §4), and whether s has that form.
func ChecksumHex(s string) (string, bool) {
	m := checksum.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return strings.ToLower(m[1]), true
}
