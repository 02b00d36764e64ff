package desired

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
)

// Set is the merged desired state of all sources.
type Set struct {
	Docs     map[string]Doc // by agent name; one owner each
	Problems []Problem      // the sources' problems, then rejected duplicates
	// Ready is true once every expected source has sent a snapshot and
	// none is degraded. Until then an agent missing from Docs may only be
	// unknown yet, so nothing may be stopped or uninstalled for its absence
	// (DESIGN practice 2). A removal decision about one agent should ask
	// SourceReady of the source that owned it instead: a degraded source
	// must not hold back the removals another source asks for.
	Ready bool

	reported bool            // every expected source has sent a snapshot
	degraded map[string]bool // sources whose snapshot is Degraded
}

// SourceReady reports whether an agent that src defined and that is now
// missing from Docs may be removed: every expected source has reported,
// and src (or, when src is unknown (""), every source) knows its own
// state. A Set built by hand with Ready true is ready for every source.
func (s Set) SourceReady(src string) bool {
	if s.Ready {
		return true
	}
	if !s.reported {
		return false
	}
	if src == "" {
		return len(s.degraded) == 0
	}
	return !s.degraded[src]
}

// Merger combines the latest snapshot of each source. Sources are ranked:
// on a name defined twice the higher-ranked source owns it (local files
// before the server, SPEC §4 "ownership").
type Merger struct {
	mu    sync.Mutex
	order []string            // sources by priority, expected ones first
	want  map[string]bool     // expected sources
	snaps map[string]Snapshot // latest per source
}

// NewMerger expects the given sources, highest priority first ("file"
// first). A snapshot from a source not listed is merged below them all and
// does not hold back Ready.
func NewMerger(sources ...string) *Merger {
	m := &Merger{want: map[string]bool{}, snaps: map[string]Snapshot{}}
	for _, s := range sources {
		if !m.want[s] {
			m.want[s] = true
			m.order = append(m.order, s)
		}
	}
	return m
}

// Update replaces s.Source's snapshot (a snapshot is the source's whole
// set, never a diff) and returns the merged result, freshly built: the
// caller may keep it while others call Update. Safe for concurrent use.
func (m *Merger) Update(s Snapshot) Set {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.order, s.Source) {
		m.order = append(m.order, s.Source)
	}
	m.snaps[s.Source] = s
	return m.merge()
}

func (m *Merger) merge() Set {
	set := Set{Docs: map[string]Doc{}, reported: true}
	for _, src := range m.order {
		snap, ok := m.snaps[src]
		if !ok {
			set.reported = set.reported && !m.want[src]
			continue
		}
		if snap.Degraded {
			if set.degraded == nil {
				set.degraded = map[string]bool{}
			}
			set.degraded[src] = true
		}
		set.Problems = append(set.Problems, snap.Problems...)
		for _, d := range byOrigin(snap.Docs) {
			if d.Source == "" {
				d.Source = src
			}
			if first, dup := set.Docs[d.Name]; dup {
				set.Problems = append(set.Problems, duplicateProblem(d, first))
				continue
			}
			set.Docs[d.Name] = d
		}
	}
	set.Ready = set.reported && len(set.degraded) == 0
	return set
}

// byOrigin orders a source's documents by file, then line: "the lexically
// later file, or later in the same file" loses, whatever order the source
// listed them in. The sort is stable, so documents without a file position
// (server) keep the source's order.
func byOrigin(docs []Doc) []Doc {
	docs = slices.Clone(docs)
	slices.SortStableFunc(docs, func(a, b Doc) int {
		return cmp.Or(cmp.Compare(a.Origin.File, b.Origin.File), cmp.Compare(a.Origin.Line, b.Origin.Line))
	})
	return docs
}

// duplicateProblem names both places: the operator must find the other
// definition to decide which one to delete.
func duplicateProblem(rejected, kept Doc) Problem {
	return Problem{
		File:   rejected.Origin.File,
		Line:   rejected.Origin.Line,
		Agents: []string{rejected.Name},
		Msg:    duplicateMsg(rejected, kept),
	}
}

func duplicateMsg(rejected, kept Doc) string {
	return fmt.Sprintf("duplicate agent name %s: %s is ignored, already defined at %s", rejected.Name, rejected.Origin, kept.Origin)
}
