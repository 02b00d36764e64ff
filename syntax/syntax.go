// Package syntax holds the one rule for each form that crosses package and
// process boundaries: agent names, versions, checksums, cpu and memory
// limits, control-server addresses and svrlists, cgroup_parent, environment
// variables and package URLs. Every reader (desired files, the daemon
// configuration, server jobs, the package store, cgroups, bootserver,
// `bootagent validate`) checks with these, so the server can never accept
// what an agent refuses, nor validation accept what the daemon later fails
// to use. Where the daemon converts a value (a cpu percent to a CFS quota, a
// memory size to bytes, a server address to a base URL) the function that
// validates is the one that converts: validation and use cannot disagree.
//
// Simple forms only decide (a bool) and callers word their own errors; the
// richer ones return an error that quotes the value, for the caller to
// prefix with the field or file at fault.
package syntax

import "regexp"

// Rules as written in error messages.
const (
	AgentNameRule = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
	VersionRule   = "[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}"
)

var (
	// An agent name becomes a directory, a cgroup and a log file name: the
	// leading alphanumeric rules out ".", ".." and hidden names, so path
	// traversal is impossible by construction.
	agentName = regexp.MustCompile(`^` + AgentNameRule + `$`)
	// Versions name package directories too, and allow semver's "+build"
	// and Debian's "~rc".
	version = regexp.MustCompile(`^` + VersionRule + `$`)
)

// AgentName reports whether s is a valid agent name (SPEC §4).
func AgentName(s string) bool { return agentName.MatchString(s) }

// Version reports whether s is a valid, path-safe version.
func Version(s string) bool { return version.MatchString(s) }
