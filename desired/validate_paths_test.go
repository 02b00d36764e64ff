package desired

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidatePaths(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "agents.d")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"agents.d/a.yaml":       "name: a\ncommand: [x]\n",
		"agents.d/b.yml":        "name: b\ncommand: [x]\n---\nname: a\ncommand: [y]\n",
		"agents.d/c.yaml":       "name: c\ncommand: [x]\nbogus: 1\n",
		"agents.d/.hidden.yaml": "not: [valid\n",
		"agents.d/d.yaml.bak":   "not: [valid\n",
		"agents.d/notes.txt":    "not: [valid\n",
		"extra.conf":            "name: b\ncommand: [z]\n",
		"good.yaml":             "name: g\ncommand: [x]\n",
		"nosum.yaml":            "name: n\nversion: '1'\npackage: {url: https://h/n.tgz}\n---\nname: l\nversion: '1'\npackage: {url: /srv/l.tgz}\n",
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	p := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		name  string
		rules InstallRules
		paths []string
		want  []string // Error() of each error, in order
	}{
		{name: "no checksum without require_checksum", paths: []string{p("nosum.yaml")}},
		{
			// The package store would refuse every install of n; a local
			// file is hashed instead.
			name:  "no checksum with require_checksum",
			rules: InstallRules{RequireChecksum: true},
			paths: []string{p("nosum.yaml")},
			want:  []string{p("nosum.yaml") + ":1: package.checksum: required, as require_checksum is on and https://h/n.tgz is not a local file (every install would fail)"},
		},
		{name: "valid file", paths: []string{p("good.yaml")}},
		{name: "same file twice is not a duplicate", paths: []string{p("good.yaml"), p("good.yaml")}},
		{
			name:  "directory with ignored names, errors and duplicates",
			paths: []string{d},
			want: []string{
				p("agents.d/c.yaml") + `:3: unknown key "bogus" (known keys: command, env, group, limits, name, package, restart, state, user, version)`,
				p("agents.d/b.yml") + ":4: duplicate agent name a: " + p("agents.d/b.yml") + ":4 is ignored, already defined at " + p("agents.d/a.yaml") + ":1",
			},
		},
		{
			name:  "duplicates across arguments, explicit file read whatever its name",
			paths: []string{p("agents.d/b.yml"), p("extra.conf")},
			want:  []string{p("extra.conf") + ":1: duplicate agent name b: " + p("extra.conf") + ":1 is ignored, already defined at " + p("agents.d/b.yml") + ":1"},
		},
		{
			name:  "missing path",
			paths: []string{p("nope.yaml"), p("good.yaml")},
			want:  []string{p("nope.yaml") + ": no such file or directory"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidatePaths(tt.rules, tt.paths...)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
