package desired

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFileStoreRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desired-files.json")
	st, last, err := loadFileStore(path)
	if err != nil || len(last) != 0 {
		t.Fatalf("load of no file = %v, %v; want an empty set", last, err)
	}
	want := map[string][]Doc{
		"/d/a.yaml": {
			{Name: "a1", Command: []string{"x"}, Env: map[string]string{"TOKEN": "secret"}, Source: SourceFile, Origin: Origin{File: "/d/a.yaml", Line: 1}},
			{Name: "a2", Command: []string{"y"}, State: Stopped, Source: SourceFile, Origin: Origin{File: "/d/a.yaml", Line: 5}},
		},
	}
	if err := st.save(want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600: documents hold env", fi.Mode().Perm())
	}
	_, got, err := loadFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %+v, want %+v (origin and source included)", got, want)
	}

	// Unchanged documents are not written again.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := st.save(want); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an unchanged set was written again (stat: %v)", err)
	}
	if err := st.save(map[string][]Doc{}); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := loadFileStore(path); len(got) != 0 {
		t.Errorf("after saving an empty set, loaded %+v", got)
	}
}

func TestFileStoreCorrupt(t *testing.T) {
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{name: "not JSON", content: `{"files": {`, wantErr: "unexpected end of JSON input"},
		{name: "an invalid document", content: `{"files": {"/d/a.yaml": [{"line": 3, "doc": {"name": "../etc", "command": ["x"]}}]}}`, wantErr: "/d/a.yaml:3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "desired-files.json")
			writeFile(t, path, tt.content)
			_, last, err := loadFileStore(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want one naming %s and containing %q", err, path, tt.wantErr)
			}
			if len(last) != 0 {
				t.Errorf("loaded %+v from a corrupt file", last)
			}
			if b, err := os.ReadFile(path + ".corrupt"); err != nil || string(b) != tt.content {
				t.Errorf("corrupt file not kept aside: %q, %v", b, err)
			}
		})
	}
}

// A daemon restart with a broken file: the first snapshot of the new
// source already holds the documents the previous one persisted.
func TestFileSourceKeepsLastValidAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(t.TempDir(), "desired-files.json")
	keep := filepath.Join(dir, "keep.yaml")
	writeFile(t, keep, agentYAML("keep", "x"))
	withState := func(s *FileSource) { s.StateFile = state }

	first := startSource(t, dir, withState)
	first.waitFor("the valid file", hasDocs("keep"))
	writeFile(t, keep, agentYAML("keep", "x")+"  oops: [\n")
	first.waitFor("the broken file", func(s Snapshot) bool { return len(s.Problems) == 1 })

	for i := range 2 {
		r := startSource(t, dir, withState)
		s := r.next("the first snapshot after a restart")
		if names(s) != "keep" || len(s.Problems) != 1 || s.Docs[0].Origin != (Origin{File: keep, Line: 1}) {
			t.Fatalf("restart %d: first snapshot = %+v, want keep (at %s:1) kept with one problem", i+1, s, keep)
		}
	}

	// The directory gone (a typo in desired_dir, say): still kept.
	r := startSource(t, filepath.Join(dir, "typo"), withState)
	if s := r.next("the first snapshot of a missing directory"); names(s) != "keep" || len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "does not exist") {
		t.Fatalf("missing directory: first snapshot = %+v, want keep kept and the directory's problem", s)
	}

	if err := os.Remove(keep); err != nil {
		t.Fatal(err)
	}
	r = startSource(t, dir, withState)
	r.waitFor("the file deleted", hasDocs(""))
	if _, last, err := loadFileStore(state); err != nil || len(last) != 0 {
		t.Errorf("persisted after the deletion: %+v, %v; want nothing", last, err)
	}
}
