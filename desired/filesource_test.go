package desired

import (
	"context"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// waitDeadline is 5 s, stretched on slow machines (BOOTAGENT_TEST_SCALE=3).
func waitDeadline() time.Duration { return testdeadline.Scale(5 * time.Second) }

// sourceRun is a FileSource running against a real directory with real
// fsnotify. Rescan is an hour unless a test lowers it, so every change a
// test sees was noticed through events, not by the periodic re-read.
type sourceRun struct {
	t    *testing.T
	src  *FileSource
	out  chan Snapshot
	last Snapshot
}

func startSource(t *testing.T, dir string, tune func(*FileSource)) *sourceRun {
	t.Helper()
	src := NewFileSource(dir, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
	src.Rescan = time.Hour
	src.Debounce = 10 * time.Millisecond
	if tune != nil {
		tune(src)
	}
	r := &sourceRun{t: t, src: src, out: make(chan Snapshot)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Run(ctx, r.out)
	}()
	t.Cleanup(func() {
		cancel()
		<-done // no logging after the test ends
	})
	return r
}

// next returns the next snapshot sent, failing after the deadline.
func (r *sourceRun) next(what string) Snapshot {
	r.t.Helper()
	select {
	case s := <-r.out:
		r.last = s
		return s
	case <-time.After(waitDeadline()):
		r.t.Fatalf("no snapshot within the deadline while waiting for %s; last: %+v", what, r.last)
		return Snapshot{}
	}
}

// waitFor reads snapshots until one satisfies ok.
func (r *sourceRun) waitFor(what string, ok func(Snapshot) bool) Snapshot {
	r.t.Helper()
	deadline := time.After(waitDeadline())
	for {
		select {
		case s := <-r.out:
			r.last = s
			if ok(s) {
				return s
			}
		case <-deadline:
			r.t.Fatalf("timed out waiting for %s; last snapshot: %+v", what, r.last)
		}
	}
}

// names is "a,b" for docs a and b, in snapshot order.
func names(s Snapshot) string {
	var ns []string
	for _, d := range s.Docs {
		ns = append(ns, d.Name)
	}
	return strings.Join(ns, ",")
}

func hasDocs(want string) func(Snapshot) bool {
	return func(s Snapshot) bool { return names(s) == want && len(s.Problems) == 0 }
}

func agentYAML(name string, cmd string) string {
	return "name: " + name + "\ncommand: [" + cmd + "]\n"
}

// writeByRename saves like editors do: a temporary file renamed over the
// target, so the target's inode changes and no write event happens on it.
func writeByRename(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestFileSourceLifecycle(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.yaml"), agentYAML("b", "x"))
	r := startSource(t, dir, nil)

	if s := r.next("first snapshot"); names(s) != "b" || s.Source != SourceFile {
		t.Fatalf("first snapshot = %+v, want agent b from source file", s)
	}

	a := filepath.Join(dir, "a.yaml")
	writeFile(t, a, agentYAML("a", "v1"))
	s := r.waitFor("a dropped in", hasDocs("a,b"))
	if s.Docs[0].Origin != (Origin{File: a, Line: 1}) {
		t.Errorf("origin = %v", s.Docs[0].Origin)
	}

	writeFile(t, a, "# edited\n"+agentYAML("a", "v2"))
	s = r.waitFor("a edited in place", func(s Snapshot) bool { return names(s) == "a,b" && s.Docs[0].Command[0] == "v2" })
	if s.Docs[0].Origin.Line != 2 {
		t.Errorf("origin line after edit = %d, want 2", s.Docs[0].Origin.Line)
	}

	writeByRename(t, a, agentYAML("a", "v3"))
	r.waitFor("a saved by rename", func(s Snapshot) bool { return names(s) == "a,b" && s.Docs[0].Command[0] == "v3" })

	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	r.waitFor("a deleted", hasDocs("b"))
}

func TestFileSourceIgnoresOtherNames(t *testing.T) {
	dir := t.TempDir()
	bad := "name: [this is not valid\n"
	for _, name := range []string{".hidden.yaml", "a.yaml~", "a.yaml.swp", ".a.yaml.swp", ".#a.yaml", "a.yaml.bak", "notes.txt", "a.json"} {
		writeFile(t, filepath.Join(dir, name), bad)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sub.yaml", "nested.yaml"), agentYAML("nested", "x"))
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling.yaml")); err != nil {
		t.Fatal(err)
	}
	r := startSource(t, dir, nil)
	if s := r.next("first snapshot"); len(s.Docs) != 0 || len(s.Problems) != 0 {
		t.Fatalf("first snapshot = %+v, want nothing read", s)
	}
	// One real file among new ignored ones: only it may show up.
	writeFile(t, filepath.Join(dir, "z.yml"), agentYAML("z", "x"))
	writeFile(t, filepath.Join(dir, "z.yml~"), bad)
	r.waitFor("only z", hasDocs("z"))
}

func TestFileSourceFollowsSymlinkedFile(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	target := filepath.Join(elsewhere, "real.yaml")
	writeFile(t, target, agentYAML("linked", "x"))
	if err := os.Symlink(target, filepath.Join(dir, "linked.yaml")); err != nil {
		t.Fatal(err)
	}
	r := startSource(t, dir, nil)
	if s := r.next("first snapshot"); names(s) != "linked" {
		t.Fatalf("first snapshot = %+v, want the linked file's agent", s)
	}
}

func TestFileSourceInvalidFileKeepsLastValid(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.yaml")
	writeFile(t, a, agentYAML("a1", "x")+"---\n"+agentYAML("a2", "x"))
	writeFile(t, filepath.Join(dir, "b.yaml"), agentYAML("b", "x"))
	r := startSource(t, dir, nil)
	r.waitFor("valid start", hasDocs("a1,a2,b"))

	// One bad document makes the whole file invalid: the file is one unit.
	writeByRename(t, a, agentYAML("a1", "changed")+"---\nname: a2\ncommand: [x]\nstate: sleeping\n")
	s := r.waitFor("the problem", func(s Snapshot) bool { return len(s.Problems) > 0 })
	if names(s) != "a1,a2,b" || s.Docs[0].Command[0] != "x" {
		t.Errorf("docs while invalid = %s (a1 command %q), want the last valid a1,a2 and b", names(s), s.Docs[0].Command)
	}
	p := s.Problems[0]
	if len(s.Problems) != 1 || p.File != a || p.Line != 6 || !strings.Contains(p.Msg, "state:") || !slices.Equal(p.Agents, []string{"a1", "a2"}) {
		t.Errorf("problems = %+v, want one at %s:6 about state, agents a1,a2", s.Problems, a)
	}

	writeFile(t, a, agentYAML("a3", "x"))
	r.waitFor("the fix", hasDocs("a3,b"))

	writeFile(t, a, "name: a3\ncommand: [x\n")
	s = r.waitFor("invalid again", func(s Snapshot) bool { return len(s.Problems) > 0 })
	if names(s) != "a3,b" || !slices.Equal(s.Problems[0].Agents, []string{"a3"}) {
		t.Errorf("snapshot = %+v, want a3 kept and named by the problem", s)
	}

	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	r.waitFor("invalid file deleted", hasDocs("b"))
}

func TestFileSourceNeverValidFile(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.yaml")
	writeFile(t, a, "name: a\n\ncomand: [x]\n")
	r := startSource(t, dir, nil)
	s := r.next("first snapshot")
	if len(s.Docs) != 0 || len(s.Problems) != 2 {
		t.Fatalf("snapshot = %+v, want no docs and two problems", s)
	}
	for _, p := range s.Problems {
		if p.File != a || len(p.Agents) != 0 {
			t.Errorf("problem %+v: want file %s and no agents", p, a)
		}
	}
	if got := s.Problems[0].String(); !strings.HasPrefix(got, a+":3: unknown key \"comand\"") {
		t.Errorf("problem = %q", got)
	}
}

func TestFileSourceMissingDirectoryAppears(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "etc", "agents.d") // neither exists yet
	r := startSource(t, dir, nil)
	missing := func(docs string) func(Snapshot) bool {
		return func(s Snapshot) bool {
			return names(s) == docs && len(s.Problems) == 1 && s.Problems[0].File == dir &&
				strings.Contains(s.Problems[0].Msg, "does not exist")
		}
	}
	if s := r.next("first snapshot"); !missing("")(s) {
		t.Fatalf("missing directory gave %+v, want no agents and the directory's problem", s)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "a.yaml"), agentYAML("a", "x"))
	r.waitFor("the directory appearing", hasDocs("a"))

	// Removed: a problem, and what it defined is kept (SPEC §4).
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	s := r.waitFor("the directory removed", missing("a"))
	if !slices.Equal(s.Problems[0].Agents, []string{"a"}) {
		t.Errorf("problem names %q, want the kept agent a", s.Problems[0].Agents)
	}

	// Re-created: its files are the truth again, a is gone.
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "b.yaml"), agentYAML("b", "x"))
	r.waitFor("the directory re-created", hasDocs("b"))

	writeFile(t, filepath.Join(dir, "c.yaml"), agentYAML("c", "x"))
	r.waitFor("a file in the re-created directory", hasDocs("b,c"))
}

func TestFileSourceDirectoryReplacedByRename(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "agents.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "a.yaml"), agentYAML("a", "x"))
	r := startSource(t, dir, nil)
	r.waitFor("start", hasDocs("a"))

	staged := filepath.Join(root, "agents.d.new")
	if err := os.Mkdir(staged, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(staged, "b.yaml"), agentYAML("b", "x"))
	if err := os.Rename(dir, filepath.Join(root, "agents.d.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(staged, dir); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the new directory", hasDocs("b"))
	writeFile(t, filepath.Join(dir, "c.yaml"), agentYAML("c", "x"))
	r.waitFor("a file in the new directory", hasDocs("b,c"))
}

// A symlinked file's target changes without any event in the directory:
// only a re-read (SIGHUP or periodic) can see it.
func linkedSetup(t *testing.T) (dir, target string) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	target = filepath.Join(elsewhere, "real.yaml")
	writeFile(t, target, agentYAML("a", "v1"))
	if err := os.Symlink(target, filepath.Join(dir, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	return dir, target
}

func TestFileSourceReread(t *testing.T) {
	dir, target := linkedSetup(t)
	r := startSource(t, dir, nil)
	r.waitFor("start", hasDocs("a"))

	// A re-read that finds nothing new sends nothing: the next snapshot
	// received must be the one with the change.
	r.src.Reread()
	writeFile(t, target, agentYAML("a", "v2"))
	r.src.Reread()
	if s := r.next("the re-read change"); s.Docs[0].Command[0] != "v2" {
		t.Fatalf("snapshot after Reread = %+v, want command v2 (no duplicate of the previous one)", s)
	}
}

func TestFileSourcePeriodicRescan(t *testing.T) {
	dir, target := linkedSetup(t)
	r := startSource(t, dir, func(s *FileSource) { s.Rescan = 20 * time.Millisecond })
	r.waitFor("start", hasDocs("a"))
	writeFile(t, target, agentYAML("a", "v2"))
	r.waitFor("the rescan", func(s Snapshot) bool { return len(s.Docs) == 1 && s.Docs[0].Command[0] == "v2" })
}

func TestFileSourceRunStopsWithoutReceiver(t *testing.T) {
	src := NewFileSource(t.TempDir(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Run(ctx, make(chan Snapshot)) // nobody receives
	}()
	src.Reread() // also must not block, before or during Run
	cancel()
	select {
	case <-done:
	case <-time.After(waitDeadline()):
		t.Fatal("Run did not return after cancel while its snapshot was unsent")
	}
}
