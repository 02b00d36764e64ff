package syspkg

import (
	"path/filepath"
)

// Format is a package format: "rpm" or "deb".
type Format string

const (
	RPM Format = "rpm"
	Deb Format = "deb"
)

// Options say which package database to act on. The zero value is the
// host's own: root "/", rpm's database /var/lib/rpm.
type Options struct {
	// Root is the file system the package manager installs into (rpm
	// --root, dpkg --root); "" is "/".
	Root string
	// RPMDBPath is rpm's --dbpath, relative to Root as rpm takes it; ""
	// is /var/lib/rpm. Always passed: a distribution's default may be
	// elsewhere (/usr/lib/sysimage/rpm), and BootAgent must name the one
	// it checks.
	RPMDBPath string
	// ScriptsOutsideRoot runs dpkg's maintainer scripts without chrooting
	// into Root (--force-script-chrootless): for throwaway roots in tests,
	// which hold no shell. Never set for "/".
	ScriptsOutsideRoot bool
}

func (o Options) root() string {
	if o.Root == "" {
		return "/"
	}
	return o.Root
}

func (o Options) rpmDB() string {
	if o.RPMDBPath == "" {
		return "/var/lib/rpm"
	}
	return o.RPMDBPath
}

// dpkgAdmin is dpkg's database directory under the root, where its locks
// live too.
func (o Options) dpkgAdmin() string { return filepath.Join(o.root(), "var/lib/dpkg") }

func (o Options) rpmBase() []string {
	return []string{"rpm", "--root", o.root(), "--dbpath", o.rpmDB()}
}

func (o Options) dpkgBase(tool string) []string {
	args := []string{tool, "--root=" + o.root()}
	if o.ScriptsOutsideRoot && tool == "dpkg" {
		args = append(args, "--force-script-chrootless")
	}
	return args
}

// queryFormat prints the state and version of a package on one line, in
// a form parseQuery reads: "installed VERSION" for rpm, dpkg's status
// abbreviation and version for dpkg.
const (
	rpmQueryFormat  = `installed %{VERSION}-%{RELEASE}\n`
	dpkgQueryFormat = `${db:Status-Abbrev}|${Version}\n`
)

// queryCmd asks which version of name is installed.
func (o Options) queryCmd(f Format, name string) []string {
	if f == RPM {
		return append(o.rpmBase(), "-q", "--qf", rpmQueryFormat, "--", name)
	}
	return append(o.dpkgBase("dpkg-query"), "-W", "-f="+dpkgQueryFormat, "--", name)
}

// testCmd checks an install without doing it (rpm only: dpkg has no
// dry run that checks dependencies and scripts).
func (o Options) testCmd(f Format, file string) []string {
	if f != RPM {
		return nil
	}
	return append(o.rpmBase(), "-U", "--test", "--oldpackage", "--replacepkgs", "--", file)
}

// installCmd installs file, upgrading or downgrading whatever version is
// there: a rollback is an install of the older file. dpkg runs with its
// frontend lock held by BootAgent (env), never asking (confold keeps a
// locally changed config file).
func (o Options) installCmd(f Format, file string) []string {
	if f == RPM {
		return append(o.rpmBase(), "-U", "--oldpackage", "--replacepkgs", "--", file)
	}
	return append(o.dpkgBase("dpkg"), "--force-confold", "-i", "--", file)
}

// removeCmd removes name; dpkg purges, so a package BootAgent installed
// leaves no config files behind either.
func (o Options) removeCmd(f Format, name string) []string {
	if f == RPM {
		return append(o.rpmBase(), "-e", "--", name)
	}
	return append(o.dpkgBase("dpkg"), "--purge", "--", name)
}

// env is the environment a package manager runs in: dpkg told that its
// frontend lock is held (by us) and never to prompt.
func env(f Format) []string {
	e := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	if f == Deb {
		e = append(e, "DEBIAN_FRONTEND=noninteractive", "DPKG_FRONTEND_LOCKED=1")
	}
	return e
}
