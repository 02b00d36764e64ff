package desired

import (
	"reflect"
	"slices"
	"sync"
	"testing"
)

func fdoc(name, file string, line int) Doc {
	return Doc{Name: name, Command: []string{"x"}, Source: SourceFile, Origin: Origin{File: file, Line: line}}
}

func sdoc(name string) Doc {
	return Doc{Name: name, Command: []string{"x"}, Source: SourceServer, Origin: Origin{File: "server"}}
}

func TestMerger(t *testing.T) {
	tests := []struct {
		name      string
		sources   []string
		updates   []Snapshot
		wantDocs  map[string]Origin // name → origin of the kept doc
		wantProbs []string          // Problem.String()
		wantReady bool
	}{
		{
			name:      "one source",
			sources:   []string{SourceFile},
			updates:   []Snapshot{{Source: SourceFile, Docs: []Doc{fdoc("a", "d/a.yaml", 1), fdoc("b", "d/a.yaml", 4)}}},
			wantDocs:  map[string]Origin{"a": {"d/a.yaml", 1}, "b": {"d/a.yaml", 4}},
			wantReady: true,
		},
		{
			name:      "duplicate in a later file is rejected",
			sources:   []string{SourceFile},
			updates:   []Snapshot{{Source: SourceFile, Docs: []Doc{fdoc("x", "d/B.yaml", 3), fdoc("x", "d/A.yaml", 1)}}},
			wantDocs:  map[string]Origin{"x": {"d/A.yaml", 1}},
			wantProbs: []string{"d/B.yaml:3: duplicate agent name x: d/B.yaml:3 is ignored, already defined at d/A.yaml:1"},
			wantReady: true,
		},
		{
			name:      "duplicate later in the same file is rejected",
			sources:   []string{SourceFile},
			updates:   []Snapshot{{Source: SourceFile, Docs: []Doc{fdoc("x", "d/a.yaml", 7), fdoc("x", "d/a.yaml", 1)}}},
			wantDocs:  map[string]Origin{"x": {"d/a.yaml", 1}},
			wantProbs: []string{"d/a.yaml:7: duplicate agent name x: d/a.yaml:7 is ignored, already defined at d/a.yaml:1"},
			wantReady: true,
		},
		{
			name:    "file source owns a name over the server",
			sources: []string{SourceFile, SourceServer},
			updates: []Snapshot{
				{Source: SourceServer, Docs: []Doc{sdoc("x"), sdoc("y")}},
				{Source: SourceFile, Docs: []Doc{fdoc("x", "d/a.yaml", 1)}},
			},
			wantDocs:  map[string]Origin{"x": {"d/a.yaml", 1}, "y": {"server", 0}},
			wantProbs: []string{"server: duplicate agent name x: server is ignored, already defined at d/a.yaml:1"},
			wantReady: true,
		},
		{
			name:      "not ready until every source reported",
			sources:   []string{SourceFile, SourceServer},
			updates:   []Snapshot{{Source: SourceFile, Docs: []Doc{fdoc("a", "d/a.yaml", 1)}}},
			wantDocs:  map[string]Origin{"a": {"d/a.yaml", 1}},
			wantReady: false,
		},
		{
			name:    "an empty snapshot counts as reported",
			sources: []string{SourceFile, SourceServer},
			updates: []Snapshot{
				{Source: SourceFile, Docs: []Doc{fdoc("a", "d/a.yaml", 1)}},
				{Source: SourceServer},
			},
			wantDocs:  map[string]Origin{"a": {"d/a.yaml", 1}},
			wantReady: true,
		},
		{
			name:    "a snapshot replaces the source's previous one",
			sources: []string{SourceFile},
			updates: []Snapshot{
				{Source: SourceFile, Docs: []Doc{fdoc("a", "d/a.yaml", 1)}, Problems: []Problem{{File: "d/b.yaml", Line: 2, Msg: "bad"}}},
				{Source: SourceFile, Docs: []Doc{fdoc("b", "d/b.yaml", 1)}},
			},
			wantDocs:  map[string]Origin{"b": {"d/b.yaml", 1}},
			wantReady: true,
		},
		{
			name:    "source problems are carried",
			sources: []string{SourceFile, SourceServer},
			updates: []Snapshot{
				{Source: SourceFile, Problems: []Problem{{File: "d/b.yaml", Line: 2, Agents: []string{"b"}, Msg: "bad"}}},
				{Source: SourceServer, Problems: []Problem{{File: "server", Msg: "job 1 invalid"}}},
			},
			wantDocs:  map[string]Origin{},
			wantProbs: []string{"d/b.yaml:2: bad", "server: job 1 invalid"},
			wantReady: true,
		},
		{
			name:      "an unexpected source ranks last and does not gate readiness",
			sources:   []string{SourceFile},
			updates:   []Snapshot{{Source: "other", Docs: []Doc{fdoc("a", "o", 0)}}},
			wantDocs:  map[string]Origin{"a": {"o", 0}},
			wantReady: false,
		},
		{
			name:      "no expected sources is ready",
			updates:   []Snapshot{{Source: SourceFile}},
			wantDocs:  map[string]Origin{},
			wantReady: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMerger(tt.sources...)
			var set Set
			for _, s := range tt.updates {
				set = m.Update(s)
			}
			got := map[string]Origin{}
			for name, d := range set.Docs {
				got[name] = d.Origin
				if d.Name != name {
					t.Errorf("Docs[%q].Name = %q", name, d.Name)
				}
			}
			if !reflect.DeepEqual(got, tt.wantDocs) {
				t.Errorf("docs = %v, want %v", got, tt.wantDocs)
			}
			var probs []string
			for _, p := range set.Problems {
				probs = append(probs, p.String())
			}
			if !slices.Equal(probs, tt.wantProbs) {
				t.Errorf("problems = %q, want %q", probs, tt.wantProbs)
			}
			if set.Ready != tt.wantReady {
				t.Errorf("Ready = %v, want %v", set.Ready, tt.wantReady)
			}
		})
	}
}

func TestMergerDuplicateProblemNamesAgent(t *testing.T) {
	set := NewMerger(SourceFile).Update(Snapshot{Source: SourceFile, Docs: []Doc{fdoc("x", "a.yaml", 1), fdoc("x", "b.yaml", 3)}})
	if len(set.Problems) != 1 {
		t.Fatalf("problems = %v", set.Problems)
	}
	p := set.Problems[0]
	if p.File != "b.yaml" || p.Line != 3 || !slices.Equal(p.Agents, []string{"x"}) {
		t.Errorf("problem = %+v, want b.yaml:3 about x", p)
	}
}

func TestMergerFillsSource(t *testing.T) {
	set := NewMerger(SourceServer).Update(Snapshot{Source: SourceServer, Docs: []Doc{{Name: "a"}}})
	if set.Docs["a"].Source != SourceServer {
		t.Errorf("Source = %q, want %q", set.Docs["a"].Source, SourceServer)
	}
}

func TestMergerConcurrent(t *testing.T) {
	m := NewMerger(SourceFile, SourceServer)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			src := []string{SourceFile, SourceServer}[i%2]
			for range 100 {
				set := m.Update(Snapshot{Source: src, Docs: []Doc{fdoc("a", src, 1)}})
				set.Docs["mine"] = Doc{} // results are the caller's own
			}
		})
	}
	wg.Wait()
	set := m.Update(Snapshot{Source: SourceServer})
	if !set.Ready || len(set.Docs) != 1 {
		t.Errorf("final set = %+v", set)
	}
}

func TestSetSourceReady(t *testing.T) {
	degradedServer := Snapshot{Source: SourceServer, Docs: []Doc{sdoc("s")}, Degraded: true}
	tests := []struct {
		name      string
		updates   []Snapshot
		wantReady bool
		want      map[string]bool // source → SourceReady
	}{
		{
			name:      "every source reported",
			updates:   []Snapshot{{Source: SourceFile}, {Source: SourceServer}},
			wantReady: true,
			want:      map[string]bool{SourceFile: true, SourceServer: true, "": true},
		},
		{
			name:    "a source not reported yet holds back every source",
			updates: []Snapshot{{Source: SourceFile}},
			want:    map[string]bool{SourceFile: false, SourceServer: false, "": false},
		},
		{
			name:    "a degraded server holds back only its own removals",
			updates: []Snapshot{{Source: SourceFile}, degradedServer},
			want:    map[string]bool{SourceFile: true, SourceServer: false, "": false},
		},
		{
			name:    "a degraded source that has not reported with the other one missing",
			updates: []Snapshot{degradedServer},
			want:    map[string]bool{SourceFile: false, SourceServer: false, "": false},
		},
		{
			name:      "a source no longer degraded is ready again",
			updates:   []Snapshot{{Source: SourceFile}, degradedServer, {Source: SourceServer, Docs: []Doc{sdoc("s")}}},
			wantReady: true,
			want:      map[string]bool{SourceFile: true, SourceServer: true, "": true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMerger(SourceFile, SourceServer)
			var set Set
			for _, s := range tt.updates {
				set = m.Update(s)
			}
			if set.Ready != tt.wantReady {
				t.Errorf("Ready = %v, want %v", set.Ready, tt.wantReady)
			}
			for src, want := range tt.want {
				if got := set.SourceReady(src); got != want {
					t.Errorf("SourceReady(%q) = %v, want %v", src, got, want)
				}
			}
		})
	}
}

func TestSetSourceReadyByHand(t *testing.T) {
	if !(Set{Ready: true}).SourceReady(SourceServer) {
		t.Error("a hand-built ready Set is not ready for the server")
	}
	if (Set{}).SourceReady(SourceFile) {
		t.Error("a hand-built Set that is not ready is ready for files")
	}
}
