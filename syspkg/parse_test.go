package syspkg

import (
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      Format
		out    string
		failed bool
		want   Status
	}{
		{name: "rpm installed", f: RPM, out: "installed 1.5.6-2\n", want: Status{State: Installed, Version: "1.5.6-2", Raw: "installed 1.5.6-2"}},
		{name: "rpm not installed", f: RPM, out: "package A is not installed\n", failed: true, want: Status{State: Absent, Raw: "package A is not installed"}},
		{name: "dpkg installed", f: Deb, out: "ii |1:1.35.0-4\n", want: Status{State: Installed, Version: "1.35.0-4", Raw: "ii 1:1.35.0-4"}},
		{name: "dpkg unpacked, not configured", f: Deb, out: "iU |1.0-1\n", want: Status{State: HalfInstalled, Version: "1.0-1", Raw: "iU 1.0-1"}},
		{name: "dpkg failed postinst", f: Deb, out: "iF |1.0-1\n", want: Status{State: HalfInstalled, Version: "1.0-1", Raw: "iF 1.0-1"}},
		{name: "dpkg half-installed", f: Deb, out: "iH |1.0-1\n", want: Status{State: HalfInstalled, Version: "1.0-1", Raw: "iH 1.0-1"}},
		{name: "dpkg reinstall required", f: Deb, out: "iiR|1.0-1\n", want: Status{State: HalfInstalled, Version: "1.0-1", Raw: "iiR 1.0-1"}},
		{name: "dpkg config files left", f: Deb, out: "rc |1.0-1\n", want: Status{State: Absent, Raw: "rc "}},
		{name: "dpkg purged", f: Deb, out: "pn |\n", want: Status{State: Absent, Raw: "pn "}},
		{name: "dpkg never heard of it", f: Deb, out: "dpkg-query: no packages found matching A\n", failed: true, want: Status{State: Absent, Raw: "dpkg-query: no packages found matching A"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseQuery(tc.f, tc.out, tc.failed); got != tc.want {
				t.Errorf("parseQuery = %+v; want %+v", got, tc.want)
			}
		})
	}
}

func TestWithoutEpoch(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{name: "epoch", in: "1:1.35.0-4+deb12u1", want: "1.35.0-4+deb12u1"},
		{name: "none", in: "2.0-7", want: "2.0-7"},
		{name: "colon in the upstream part is not an epoch", in: "a:b", want: "a:b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := withoutEpoch(tc.in); got != tc.want {
				t.Errorf("withoutEpoch(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLockHeld(t *testing.T) {
	for _, tc := range []struct {
		name string
		out  string
		want bool
	}{
		{name: "dpkg frontend lock", out: "dpkg: error: dpkg frontend lock was locked by another process with pid 7", want: true},
		{name: "dpkg database lock", out: "dpkg: error: dpkg status database is locked by another process", want: true},
		{name: "rpm transaction lock", out: "error: can't create transaction lock on /var/lib/rpm/.rpm.lock (Resource temporarily unavailable)", want: true},
		{name: "dependency", out: "error: Failed dependencies:\n\tlibx is needed by a-1-1.noarch"},
		{name: "scriptlet", out: "error: %prein(a-1-1.noarch) scriptlet failed, exit status 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lockHeld(tc.out); got != tc.want {
				t.Errorf("lockHeld = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	for _, tc := range []struct{ name, out, want string }{
		{name: "rpm dependency, banner dropped",
			out:  "rpm: RPM should not be used directly install RPM packages, use Alien instead!\nrpm: However assuming you know what you are doing...\nerror: Failed dependencies:\n\tlibnothere >= 2 is needed by dep-0:1.0-1.noarch\n",
			want: "error: Failed dependencies:; libnothere >= 2 is needed by dep-0:1.0-1.noarch"},
		{name: "dpkg postinst",
			out:  "Selecting previously unselected package b.\nSetting up b (1.0-1) ...\npost failing\ndpkg: error processing package b (--install):\n installed b package post-installation script subprocess returned error exit status 4\nErrors were encountered while processing:\n b\n",
			want: "dpkg: error processing package b (--install):; installed b package post-installation script subprocess returned error exit status 4; Errors were encountered while processing:; b"},
		{name: "nothing that looks like an error: the last lines", out: "one\ntwo\nthree\nfour\n", want: "two; three; four"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := message(tc.out); got != tc.want {
				t.Errorf("message =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	host := Options{}
	test := Options{Root: "/tmp/r", ScriptsOutsideRoot: true}
	for _, tc := range []struct {
		name string
		got  []string
		want string
	}{
		{name: "rpm query names the host's database", got: host.queryCmd(RPM, "A"), want: "rpm --root / --dbpath /var/lib/rpm -q --qf " + rpmQueryFormat + " -- A"},
		{name: "rpm test", got: test.testCmd(RPM, "/s/a.rpm"), want: "rpm --root /tmp/r --dbpath /var/lib/rpm -U --test --oldpackage --replacepkgs -- /s/a.rpm"},
		{name: "rpm install downgrades too", got: test.installCmd(RPM, "/s/a.rpm"), want: "rpm --root /tmp/r --dbpath /var/lib/rpm -U --oldpackage --replacepkgs -- /s/a.rpm"},
		{name: "rpm erase", got: host.removeCmd(RPM, "A"), want: "rpm --root / --dbpath /var/lib/rpm -e -- A"},
		{name: "dpkg has no test run", got: test.testCmd(Deb, "/s/a.deb"), want: ""},
		{name: "dpkg install on the host", got: host.installCmd(Deb, "/s/a.deb"), want: "dpkg --root=/ --force-confold -i -- /s/a.deb"},
		{name: "dpkg install in a throwaway root", got: test.installCmd(Deb, "/s/a.deb"), want: "dpkg --root=/tmp/r --force-script-chrootless --force-confold -i -- /s/a.deb"},
		{name: "dpkg purge", got: test.removeCmd(Deb, "A"), want: "dpkg --root=/tmp/r --force-script-chrootless --purge -- A"},
		{name: "dpkg-query", got: test.queryCmd(Deb, "A"), want: "dpkg-query --root=/tmp/r -W -f=" + dpkgQueryFormat + " -- A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(tc.got, " "); got != tc.want {
				t.Errorf("command\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	if e := strings.Join(env(Deb), " "); !strings.Contains(e, "DEBIAN_FRONTEND=noninteractive") || !strings.Contains(e, "DPKG_FRONTEND_LOCKED=1") {
		t.Errorf("dpkg env %q", e)
	}
}
