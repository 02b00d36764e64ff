package desired

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Fuzz targets for what operators and the server hand the daemon as text.
// `go test` runs the seeds in testdata/fuzz/FuzzXxx; `make fuzz` mutates.

// FuzzParse checks that a document Parse accepts is one the rest of the
// daemon can rely on: it re-validates, its name is one safe path element,
// it knows where it came from, and it survives both encodings it is
// stored in (YAML as written, JSON as persisted) without changing its hash.
func FuzzParse(f *testing.F) {
	f.Add([]byte("name: a\ncommand: [/bin/true]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, errs := Parse("fuzz.yaml", data)
		for _, e := range errs {
			if e.File != "fuzz.yaml" {
				t.Errorf("error %q does not name the file", e)
			}
			if strings.HasPrefix(e.Msg, "cannot parse:") {
				t.Errorf("the parser panicked: %s", e.Msg)
			}
		}
		for _, d := range docs {
			checkParsedDoc(t, d)
		}
	})
}

func checkParsedDoc(t *testing.T, d Doc) {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Errorf("parsed doc %q does not re-validate: %v", d.Name, err)
	}
	if !pathSafe(d.Name) {
		t.Errorf("parsed doc has name %q, unsafe as a path element", d.Name)
	}
	if d.Version != "" && !pathSafe(d.Version) {
		t.Errorf("parsed doc %q has version %q, unsafe as a path element", d.Name, d.Version)
	}
	if d.Origin.File != "fuzz.yaml" || d.Origin.Line < 1 || d.Source != SourceFile {
		t.Errorf("parsed doc %q: origin %v, source %q", d.Name, d.Origin, d.Source)
	}

	y, err := yaml.Marshal(&d)
	if err != nil {
		t.Fatalf("marshal %q as YAML: %v", d.Name, err)
	}
	again, errs := Parse("fuzz.yaml", y)
	if len(errs) > 0 || len(again) != 1 {
		t.Fatalf("doc %q re-written as YAML does not parse back: %v\n%s", d.Name, errs, y)
	}
	if again[0].Hash() != d.Hash() {
		t.Errorf("doc %q changed through YAML:\n%s", d.Name, y)
	}

	j, err := json.Marshal(&d)
	if err != nil {
		t.Fatalf("marshal %q as JSON: %v", d.Name, err)
	}
	var fromJSON Doc
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatalf("doc %q persisted as JSON does not load: %v\n%s", d.Name, err, j)
	}
	if fromJSON.Hash() != d.Hash() {
		t.Errorf("doc %q changed through JSON:\n%s", d.Name, j)
	}
}

// pathSafe is what a name must be to become a directory, log file or
// cgroup name: one element, neither "." nor "..", nothing hidden. Checked
// here independently of syntax's regular expression.
func pathSafe(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.HasPrefix(s, ".") &&
		!strings.ContainsAny(s, "/\\\x00") && filepath.Base(s) == s && filepath.IsLocal(s)
}
