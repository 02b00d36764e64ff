package desired

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestValidatePackageInstall(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"store.yaml":   "name: s\nversion: 1.5.6-1\npackage: {url: /srv/s-1.5.6-1.rpm}\n",
		"system.yaml":  "name: y\nversion: 1.5.6-1\npackage: {url: /srv/y.deb, install: system}\ncommand: [/usr/bin/y]\n",
		"nocmd.yaml":   "name: n\nversion: 1.5.6-1\npackage: {url: /srv/n.deb, install: system}\n",
		"tarball.yaml": "name: t\nversion: '1'\npackage: {url: /srv/t.tgz, install: system}\ncommand: [x]\n",
		"bogus.yaml":   "name: b\nversion: '1'\npackage: {url: /srv/b.rpm, install: dnf}\ncommand: [x]\n",
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, tt := range []struct {
		name  string
		rules InstallRules
		path  string
		want  string // the one error, "" for none
	}{
		{name: "rpm in store mode", path: p("store.yaml")},
		{name: "system without a config to say", path: p("system.yaml")},
		{name: "system allowed", rules: InstallRulesOf(Config{AllowSystemPackages: true}), path: p("system.yaml")},
		{name: "system not allowed", rules: InstallRulesOf(Config{}), path: p("system.yaml"),
			want: p("system.yaml") + ":1: package.install: system is refused: the daemon config does not set allow_system_packages: true (every install would fail)"},
		{name: "system needs a command", path: p("nocmd.yaml"), want: "command: required when package.install is system"},
		{name: "system of a tarball", path: p("tarball.yaml"), want: "package.install: system needs an .rpm or .deb package, not tgz"},
		{name: "unknown mode", path: p("bogus.yaml"), want: `package.install: "dnf" is not store or system`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidatePaths(tt.rules, tt.path)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Fatalf("errors %q; want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Fatalf("errors %q; want one containing %q", got, tt.want)
			}
		})
	}
}
