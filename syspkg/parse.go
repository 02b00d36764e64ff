package syspkg

import (
	"strings"
)

// State is what the package database says of one package.
type State int

const (
	// Absent: not installed (or only its config files are left).
	Absent State = iota
	// Installed: fully installed and configured (dpkg "ii").
	Installed
	// HalfInstalled: dpkg stopped in the middle (unpacked but not
	// configured "iU", failed configuration "iF", half-installed "iH"…):
	// what a failed postinst or a missing dependency leaves.
	HalfInstalled
)

func (s State) String() string {
	switch s {
	case Installed:
		return "installed"
	case HalfInstalled:
		return "half-installed"
	}
	return "absent"
}

// Status is a query's answer.
type Status struct {
	State   State
	Version string // without epoch, as the store names versions; "" when absent
	Raw     string // the package manager's own words, for messages
}

// parseQuery reads the output of queryCmd. notFound is the command's
// failure (exit status 1 with "is not installed" or "no packages found").
func parseQuery(f Format, out string, failed bool) Status {
	line := strings.TrimSpace(firstLine(out))
	if f == RPM {
		v, ok := strings.CutPrefix(line, "installed ")
		if failed || !ok {
			return Status{State: Absent, Raw: line}
		}
		return Status{State: Installed, Version: v, Raw: line}
	}
	abbrev, version, ok := strings.Cut(line, "|")
	if failed || !ok {
		return Status{State: Absent, Raw: line}
	}
	st := dpkgState(abbrev)
	if st == Absent {
		version = ""
	}
	return Status{State: st, Version: withoutEpoch(version), Raw: strings.TrimSpace(abbrev) + " " + version}
}

// dpkgState classifies dpkg's status abbreviation: desired action, then
// the package state (n not installed, c config-files, H half-installed,
// U unpacked, F half-configured, W/t triggers pending, i installed), then
// error flag.
func dpkgState(abbrev string) State {
	if len(abbrev) < 2 {
		return Absent
	}
	switch abbrev[1] {
	case 'i':
		if len(abbrev) > 2 && abbrev[2] == 'R' { // reinstall required
			return HalfInstalled
		}
		return Installed
	case 'n', 'c':
		return Absent
	default: // H, U, F, W, t
		return HalfInstalled
	}
}

// withoutEpoch drops a Debian or rpm epoch ("1:2.0-3" is 2.0-3).
func withoutEpoch(v string) string {
	if i := strings.IndexByte(v, ':'); i >= 0 && strings.Trim(v[:i], "0123456789") == "" {
		return v[i+1:]
	}
	return v
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// lockHeld reports whether a package manager's failure says another one
// holds its lock (apt, an unattended upgrade, another rpm): worth waiting
// for, unlike anything else it says.
func lockHeld(out string) bool {
	for _, s := range []string{
		"dpkg frontend lock", // "dpkg frontend lock was locked by another process"
		"dpkg status database is locked",
		"unable to lock dpkg",
		"can't create transaction lock", // rpm
		"Resource temporarily unavailable",
	} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// scriptFailed reports whether a successful-looking rpm run says a
// scriptlet failed: rpm reports a failed %post as a warning and exits 0,
// yet the package is not what its author meant to be installed.
func scriptFailed(out string) bool {
	return strings.Contains(out, "scriptlet failed")
}

// message is the package manager's own message as errors quote it: its
// error and warning lines (or the last lines when it has none), without
// Debian rpm's banner about alien, trimmed to a few hundred bytes.
func message(out string) string {
	var keep, all []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" || strings.HasPrefix(l, "rpm: RPM should not be used directly") || strings.HasPrefix(l, "rpm: However assuming you know") {
			continue
		}
		all = append(all, l)
		low := strings.ToLower(l)
		if strings.Contains(low, "error") || strings.Contains(low, "warning") || strings.Contains(low, "failed") ||
			strings.Contains(low, "depends on") || strings.Contains(low, "is needed by") || strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	if len(keep) == 0 && len(all) > 0 {
		keep = all[max(0, len(all)-3):]
	}
	msg := strings.Join(keep, "; ")
	const maxMsg = 600
	if len(msg) > maxMsg {
		msg = msg[:maxMsg] + "…"
	}
	return msg
}
