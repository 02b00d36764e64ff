package desired

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wantErr is an expected error: its line and a fragment of its message.
type wantErr struct {
	line int
	msg  string
}

const hex64 = "4a34b8d7c0ffee4a34b8d7c0ffee4a34b8d7c0ffee4a34b8d7c0ffee12345678"

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantNames []string
		wantLines []int // Origin.Line of each doc
		wantErrs  []wantErr
	}{
		{
			name:      "minimal",
			yaml:      "name: a\ncommand: [/bin/true]\n",
			wantNames: []string{"a"}, wantLines: []int{1},
		},
		{
			name:      "origin is the first key after comments",
			yaml:      "# agent a\n\n  # more\nname: a\ncommand: [/bin/true]\n",
			wantNames: []string{"a"}, wantLines: []int{4},
		},
		{
			name:      "multi-document with empty documents skipped",
			yaml:      "---\nname: a\ncommand: [x]\n---\n---\n# only a comment\n---\n~\n---\nname: b\ncommand: [y]\n",
			wantNames: []string{"a", "b"}, wantLines: []int{2, 10},
		},
		{name: "empty file", yaml: ""},
		{name: "comments only", yaml: "# nothing yet\n"},
		{
			name:      "package without command",
			yaml:      "name: a\nversion: 1.0.0\npackage: {url: 'https://x/a.tgz', checksum: 'sha256:" + hex64 + "'}\n",
			wantNames: []string{"a"}, wantLines: []int{1},
		},
		{
			name:      "valid accounts and numeric ids",
			yaml:      "name: a\ncommand: [x]\nuser: 'svc$'\ngroup: '1000'\n---\nname: b\ncommand: [x]\nuser: _mon.itor-1\ngroup: '0'\n",
			wantNames: []string{"a", "b"}, wantLines: []int{1, 6},
		},
		{
			name:     "name required",
			yaml:     "# c\ncommand: [x]\n",
			wantErrs: []wantErr{{2, "name: required"}},
		},
		{
			name:     "name traversal refused",
			yaml:     "command: [x]\nname: ../x\n",
			wantErrs: []wantErr{{2, `name: "../x" is not a valid name`}},
		},
		{
			name:     "bootagent is reserved",
			yaml:     "command: [x]\nname: bootagent\n",
			wantErrs: []wantErr{{2, `name: "bootagent" is reserved for BootAgent itself`}},
		},
		{
			name:     "name too long",
			yaml:     "name: " + strings.Repeat("a", 65) + "\ncommand: [x]\n",
			wantErrs: []wantErr{{1, "is not a valid name"}},
		},
		{
			name:     "state",
			yaml:     "name: a\ncommand: [x]\nstate: runing\n",
			wantErrs: []wantErr{{3, `state: "runing" is not "running" or "stopped"`}},
		},
		{
			name:     "user syntax",
			yaml:     "name: a\ncommand: [x]\nuser: 'bad user'\n",
			wantErrs: []wantErr{{3, `user: "bad user" is neither`}},
		},
		{
			name:     "group numeric out of range",
			yaml:     "name: a\ncommand: [x]\ngroup: '4294967295'\n",
			wantErrs: []wantErr{{3, "group: numeric id 4294967295 is out of range"}},
		},
		{
			name:     "env key with =",
			yaml:     "name: a\ncommand: [x]\nenv:\n  OK: 1\n  A=B: x\n",
			wantErrs: []wantErr{{5, `env.A=…: variable name "A"…: a name cannot contain '='`}},
		},
		{
			name:     "env empty key",
			yaml:     "name: a\ncommand: [x]\nenv: {'': x}\n",
			wantErrs: []wantErr{{3, `env.: variable name "" is not`}},
		},
		{
			name:     "env NUL in key and value",
			yaml:     "name: a\ncommand: [x]\nenv:\n  \"A\\0\": x\n  B: \"x\\0y\"\n",
			wantErrs: []wantErr{{4, "is not [A-Za-z_][A-Za-z0-9_]*"}, {5, "env.B: value of B contains a NUL byte"}},
		},
		{
			name:     "command required without package",
			yaml:     "name: a\nstate: stopped\n",
			wantErrs: []wantErr{{1, "command: required when no package is set"}},
		},
		{
			name:     "command with empty program",
			yaml:     "name: a\ncommand:\n  - ''\n  - -v\n",
			wantErrs: []wantErr{{3, "command.0: the program must not be empty"}},
		},
		{
			name:     "command of the wrong type",
			yaml:     "name: a\ncommand: 5\n",
			wantErrs: []wantErr{{2, "cannot unmarshal"}},
		},
		{
			name:     "version required with package",
			yaml:     "name: a\npackage:\n  url: https://x/a.tgz\n",
			wantErrs: []wantErr{{1, "version: required when package is set"}},
		},
		{
			name:     "version path-safe",
			yaml:     "name: a\ncommand: [x]\nversion: ../1\n",
			wantErrs: []wantErr{{3, "is not a valid version"}},
		},
		{
			name:     "package url required",
			yaml:     "name: a\nversion: '1'\npackage:\n  checksum: SHA256:" + hex64 + "\n",
			wantErrs: []wantErr{{3, "package.url: required"}},
		},
		{
			name:     "checksum syntax",
			yaml:     "name: a\nversion: '1'\npackage:\n  url: https://pkg/a.tgz\n  checksum: md5:abc\n",
			wantErrs: []wantErr{{5, `package.checksum: "md5:abc" is not SHA256:<64 hex digits>`}},
		},
		{
			name:     "checksum too short",
			yaml:     "name: a\nversion: '1'\npackage:\n  url: https://pkg/a.tgz\n  checksum: SHA256:" + hex64[:63] + "\n",
			wantErrs: []wantErr{{5, "package.checksum"}},
		},
		{
			name:     "signature neither text nor URL",
			yaml:     "name: a\nversion: '1'\npackage:\n  url: https://pkg/a.tgz\n  signature: RWQ-not-a-url\n",
			wantErrs: []wantErr{{5, `package.signature: neither minisign signature text (from its "untrusted comment:" line) nor a URL: RWQ-not-a-url: scheme must be`}},
		},
		{
			name:     "limits",
			yaml:     "name: a\ncommand: [x]\nlimits:\n  cpu: '10'\n  memory: 20X\n",
			wantErrs: []wantErr{{4, `limits.cpu: cpu limit "10" must be a percentage`}, {5, `limits.memory: memory size "20X"`}},
		},
		{
			// Issue 9: "0.5%" validated, then every start failed on the
			// kernel's minimum quota; validation now applies that rule.
			name:     "cpu below the kernel's minimum quota",
			yaml:     "name: a\ncommand: [x]\nlimits:\n  cpu: 0.5%\n  memory: 4K\n",
			wantErrs: []wantErr{{4, `limits.cpu: cpu limit "0.5%" is below the kernel's minimum of 1%`}, {5, `limits.memory: memory size "4K" is below the smallest limit`}},
		},
		{
			// The package store's rule: a URL it cannot fetch is refused
			// at validation, not at every install.
			name:     "package url the store cannot fetch",
			yaml:     "name: a\nversion: '1'\npackage:\n  url: gopher://h/a.tgz\n---\nname: b\nversion: '1'\npackage:\n  url: https://h/a.bin\n",
			wantErrs: []wantErr{{4, "package.url: gopher://h/a.tgz: scheme must be http, https, ftp or file"}, {9, "package.url: https://h/a.bin: cannot tell the archive type"}},
		},
		{
			name:     "env name not POSIX, as bootserver refuses it",
			yaml:     "name: a\ncommand: [x]\nenv:\n  A-B: x\n",
			wantErrs: []wantErr{{4, `env.A-B: variable name "A-B" is not [A-Za-z_][A-Za-z0-9_]*`}},
		},
		{
			name:     "restart duration",
			yaml:     "name: a\ncommand: [x]\nrestart:\n  delay: 5x\n",
			wantErrs: []wantErr{{4, `invalid duration "5x"`}},
		},
		{
			name:     "restart max_failures",
			yaml:     "name: a\ncommand: [x]\nrestart: {delay: 1m, max_failures: -1}\n",
			wantErrs: []wantErr{{3, "restart.max_failures: -1 is negative"}},
		},
		{
			name:     "unknown top-level key with its line",
			yaml:     "name: a\ncommand: [x]\n\ncomand: [y]\n",
			wantErrs: []wantErr{{4, `unknown key "comand"`}},
		},
		{
			name:     "unknown nested keys with their lines",
			yaml:     "name: a\nversion: '1'\npackage:\n  url: https://pkg/a.tgz\n  sha: x\nlimits:\n  cpus: 10%\n",
			wantErrs: []wantErr{{5, `unknown key "sha" in package`}, {7, `unknown key "cpus" in limits`}},
		},
		{
			name:     "merge keys refused",
			yaml:     "name: a\ncommand: [x]\nenv: &e {A: b}\n---\n<<: {name: b}\ncommand: [x]\n",
			wantErrs: []wantErr{{5, "merge keys"}},
			// The first document is valid on its own.
			wantNames: []string{"a"}, wantLines: []int{1},
		},
		{
			name:     "duplicate key",
			yaml:     "name: a\ncommand: [x]\nname: b\n",
			wantErrs: []wantErr{{3, `"name" already defined at line 1`}},
		},
		{
			name:     "not a mapping",
			yaml:     "- name: a\n",
			wantErrs: []wantErr{{1, "must be a mapping"}},
		},
		{
			name:     "malformed YAML with its line",
			yaml:     "name: a\ncommand: [x]\nenv:\n  A: b\n B: c\n",
			wantErrs: []wantErr{{4, "invalid YAML: did not find expected key"}}, // the line yaml.v3 reports
		},
		{
			name:      "malformed later document keeps earlier ones",
			yaml:      "name: a\ncommand: [x]\n---\nname: b\ncommand: [x\n",
			wantNames: []string{"a"}, wantLines: []int{1},
			wantErrs: []wantErr{{4, "invalid YAML"}},
		},
		{
			name:      "one invalid document among valid ones",
			yaml:      "name: a\ncommand: [x]\n---\nname: b\nstate: gone\ncommand: [x]\n---\nname: c\ncommand: [x]\n",
			wantNames: []string{"a", "c"}, wantLines: []int{1, 8},
			wantErrs: []wantErr{{5, "state:"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, errs := Parse("agents.d/x.yaml", []byte(tt.yaml))
			var names []string
			var lines []int
			for _, d := range docs {
				names = append(names, d.Name)
				lines = append(lines, d.Origin.Line)
				if d.Origin.File != "agents.d/x.yaml" || d.Source != SourceFile {
					t.Errorf("doc %s: origin %v source %q", d.Name, d.Origin, d.Source)
				}
			}
			if !reflect.DeepEqual(names, tt.wantNames) || !reflect.DeepEqual(lines, tt.wantLines) {
				t.Errorf("docs = %v at lines %v, want %v at %v", names, lines, tt.wantNames, tt.wantLines)
			}
			checkErrors(t, errs, "agents.d/x.yaml", tt.wantErrs)
		})
	}
}

func checkErrors(t *testing.T, errs Errors, file string, want []wantErr) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		e := errs[i]
		if e.File != file || e.Line != w.line || !strings.Contains(e.Msg, w.msg) {
			t.Errorf("error %d = %q (file %q line %d), want %s:%d containing %q", i, e.Msg, e.File, e.Line, file, w.line, w.msg)
		}
	}
}

func TestParseFullDocument(t *testing.T) {
	src := `name: BasicAgent
version: 1.5.6
package:
  url: https://repo.example/BasicAgent-1.5.6.tar.gz
  checksum: SHA256:` + hex64 + `
command: ["bin/basicagent", "-c", "agent.conf"]
state: stopped
user: monitor
group: monitor
env: {PATH: "/usr/bin:/usr/local/bin", PORT: 8080}
limits: {cpu: "10%", memory: "20M"}
restart: {delay: 3m, max_failures: 0}
`
	docs, errs := Parse("a.yaml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	zero, delay := 0, Duration(3*time.Minute)
	want := Doc{
		Name: "BasicAgent", Version: "1.5.6",
		Package: &Package{URL: "https://repo.example/BasicAgent-1.5.6.tar.gz", Checksum: "SHA256:" + hex64},
		Command: []string{"bin/basicagent", "-c", "agent.conf"},
		State:   Stopped, User: "monitor", Group: "monitor",
		Env:     map[string]string{"PATH": "/usr/bin:/usr/local/bin", "PORT": "8080"},
		Limits:  Limits{CPU: "10%", Memory: "20M"},
		Restart: &RestartOverride{Delay: &delay, MaxFailures: &zero},
		Source:  SourceFile, Origin: Origin{File: "a.yaml", Line: 1},
	}
	if len(docs) != 1 || !reflect.DeepEqual(docs[0], want) {
		t.Fatalf("got %+v\nwant %+v", docs, want)
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(good, []byte("name: a\ncommand: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	docs, errs := ParseFile(good)
	if len(errs) > 0 || len(docs) != 1 || docs[0].Origin.File != good {
		t.Fatalf("ParseFile(good) = %v, %v", docs, errs)
	}
	missing := filepath.Join(dir, "missing.yaml")
	_, errs = ParseFile(missing)
	if len(errs) != 1 || errs[0].File != missing || !strings.Contains(errs[0].Msg, "no such file") {
		t.Fatalf("ParseFile(missing) errors = %v", errs)
	}
	_, errs = ParseFile(dir)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "not a regular file") {
		t.Fatalf("ParseFile(dir) errors = %v", errs)
	}
}

func TestDocValidate(t *testing.T) {
	d := Doc{Name: "x/y", Origin: Origin{File: "server"}}
	err := d.Validate()
	es, ok := err.(Errors)
	if !ok || len(es) != 2 {
		t.Fatalf("Validate() = %v, want 2 Errors (name, command)", err)
	}
	if got := es[0].Error(); got != `server: name: "x/y" is not a valid name (want [A-Za-z0-9][A-Za-z0-9._-]{0,63})` {
		t.Errorf("first error = %q", got)
	}
	ok2 := Doc{Name: "x", Command: []string{"x"}}
	if err := ok2.Validate(); err != nil {
		t.Errorf("valid doc: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"file and line", &Error{File: "a.yaml", Line: 3, Msg: "bad"}, "a.yaml:3: bad"},
		{"no line", &Error{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
		{"no place", &Error{Msg: "bad"}, "bad"},
		{"joined", Errors{{File: "a", Line: 1, Msg: "x"}, {File: "b", Msg: "y"}}, "a:1: x\nb: y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	if Errors(nil).Err() != nil {
		t.Error("empty Errors.Err() is not nil")
	}
}
