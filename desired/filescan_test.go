package desired

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The scanner is pure but for reading the directory: each case is a
// directory and what a previous daemon persisted, and what one scan makes
// of them.
func TestFileScannerKeepsLastValid(t *testing.T) {
	const broken = "name: keep\ncommand: [sleep, \"300\"]\n  oops: [\n"
	kept := func(file, name string) Doc {
		return Doc{Name: name, Command: []string{"sleep", "300"}, Source: SourceFile, Origin: Origin{File: file, Line: 1}}
	}
	tests := []struct {
		name      string
		files     map[string]string // in the directory; nil: no directory at all
		notDir    bool              // the directory's path is a regular file
		persisted []string          // "FILE:NAME" persisted by a previous daemon (FILE relative to the dir, "/x" elsewhere)
		wantDocs  string
		wantProbs []string // substrings, one per problem, in order
		wantAgent []string // agents named by the first problem
		wantKept  []string // files left in lastValid, sorted, relative to the dir
	}{
		{
			name:      "a broken file keeps what was persisted",
			files:     map[string]string{"keep.yaml": broken},
			persisted: []string{"keep.yaml:keep"},
			wantDocs:  "keep",
			wantProbs: []string{"keep.yaml:2: invalid YAML"},
			wantAgent: []string{"keep"},
			wantKept:  []string{"keep.yaml"},
		},
		{
			name:      "a valid file replaces what was persisted",
			files:     map[string]string{"keep.yaml": agentYAML("other", "x")},
			persisted: []string{"keep.yaml:keep"},
			wantDocs:  "other",
			wantKept:  []string{"keep.yaml"},
		},
		{
			name:      "a deleted file's persisted documents go",
			files:     map[string]string{"b.yaml": agentYAML("b", "x")},
			persisted: []string{"keep.yaml:keep"},
			wantDocs:  "b",
			wantKept:  []string{"b.yaml"},
		},
		{
			name:      "another directory's documents go once this one is readable",
			files:     map[string]string{},
			persisted: []string{"/old.d/first.yaml:first"},
		},
		{
			name:      "a missing directory keeps every document known, its own and another directory's",
			persisted: []string{"keep.yaml:keep", "/old.d/first.yaml:first"},
			wantDocs:  "first,keep",
			wantProbs: []string{"desired directory does not exist: it defines no new agents, and the agents it defined keep their last valid state"},
			wantAgent: []string{"first", "keep"},
			wantKept:  []string{"/old.d/first.yaml", "keep.yaml"},
		},
		{
			name:      "a missing directory with nothing known is still a problem",
			wantProbs: []string{"desired directory does not exist: it defines no new agents"},
		},
		{
			name:      "a path that is a file is unreadable, not empty",
			notDir:    true,
			persisted: []string{"keep.yaml:keep"},
			wantDocs:  "keep",
			wantProbs: []string{"cannot read desired directory: not a directory"},
			wantAgent: []string{"keep"},
			wantKept:  []string{"keep.yaml"},
		},
		{
			name:      "a file never valid defines nothing",
			files:     map[string]string{"keep.yaml": broken},
			wantProbs: []string{"keep.yaml:2: invalid YAML"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "agents.d")
			abs := func(f string) string {
				if strings.HasPrefix(f, "/") {
					return f
				}
				return filepath.Join(dir, f)
			}
			switch {
			case tt.notDir:
				writeFile(t, dir, "not a directory")
			case tt.files != nil:
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for f, content := range tt.files {
					writeFile(t, abs(f), content)
				}
			}
			last := map[string][]Doc{}
			for _, p := range tt.persisted {
				file, name, _ := strings.Cut(p, ":")
				last[abs(file)] = append(last[abs(file)], kept(abs(file), name))
			}
			snap, _ := newFileScanner(dir, last).scan()

			if got := names(snap); got != tt.wantDocs {
				t.Errorf("docs = %q, want %q", got, tt.wantDocs)
			}
			if len(snap.Problems) != len(tt.wantProbs) {
				t.Fatalf("problems = %+v, want %d", snap.Problems, len(tt.wantProbs))
			}
			for i, want := range tt.wantProbs {
				if !strings.Contains(snap.Problems[i].String(), want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, snap.Problems[i], want)
				}
			}
			if len(snap.Problems) > 0 && !slices.Equal(snap.Problems[0].Agents, tt.wantAgent) {
				t.Errorf("problem names agents %q, want %q", snap.Problems[0].Agents, tt.wantAgent)
			}
			var wantKept []string
			for _, f := range tt.wantKept {
				wantKept = append(wantKept, abs(f))
			}
			slices.Sort(wantKept)
			if got := slices.Sorted(maps.Keys(last)); !slices.Equal(got, wantKept) {
				t.Errorf("last valid files = %q, want %q", got, wantKept)
			}
		})
	}
}
