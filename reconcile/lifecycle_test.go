package reconcile

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

func pkgDoc(version string) desired.Doc {
	return doc("a", func(d *desired.Doc) {
		d.Version = version
		d.Package = &desired.Package{URL: "http://repo/a-" + version + ".tgz"}
	})
}

func TestLifecycle(t *testing.T) {
	t0 := time.Unix(1000, 0)
	v1, v2, v3 := pkgDoc("1.0"), pkgDoc("2.0"), pkgDoc("2.0-b")
	policy := supervise.Policy{Delay: 3 * time.Second, Window: time.Minute, MaxFailures: 2}
	ran1 := Ran{Doc: v1, Version: "1.0"}
	running1 := Memory{Last: &ran1}
	switching := Memory{Last: &ran1, Upgrade: &Upgrade{Target: v2.Hash(), Version: "2.0", Prev: ran1}}
	inWindow := Memory{Last: &Ran{Doc: v2, Version: "2.0"}, Upgrade: &Upgrade{Target: v2.Hash(), Version: "2.0", Prev: ran1, Until: t0.Add(30 * time.Second)}}
	exit2 := supervise.ExitStatus{Known: true, Code: 2}
	rolledBackTo1 := func(why string) Memory {
		return Memory{Last: &ran1, Bad: &Bad{Hash: v2.Hash(), Reason: "target 2.0 failed (" + why + "), running 1.0", Fallback: ran1}}
	}

	tests := []struct {
		name     string
		step     func() (Memory, Decision)
		wantMem  Memory
		wantNext Next
		wantMsg  string
	}{
		{
			name:     "switch to another version opens an upgrade",
			step:     func() (Memory, Decision) { return running1.Switching(v2, "2.0"), Decision{} },
			wantMem:  switching,
			wantNext: Continue,
		},
		{
			name:     "switch to the same version is no upgrade",
			step:     func() (Memory, Decision) { return running1.Switching(pkgDoc("1.0"), "1.0"), Decision{} },
			wantMem:  running1,
			wantNext: Continue,
		},
		{
			name:     "a plain command is no upgrade",
			step:     func() (Memory, Decision) { return running1.Switching(doc("a"), ""), Decision{} },
			wantMem:  running1,
			wantNext: Continue,
		},
		{
			name:    "a switch during an upgrade rolls back to the proven version, not the unproven one",
			step:    func() (Memory, Decision) { return inWindow.Switching(v3, "2.0-b"), Decision{} },
			wantMem: Memory{Last: inWindow.Last, Upgrade: &Upgrade{Target: v3.Hash(), Version: "2.0-b", Prev: ran1}},
		},
		{
			name:    "the target starting opens its health window",
			step:    func() (Memory, Decision) { return switching.Started(v2, "2.0", t0, 30*time.Second), Decision{} },
			wantMem: inWindow,
		},
		{
			name: "new version failed to start: run the previous one",
			step: func() (Memory, Decision) {
				return switching.StartFailed(v2, "start a: command not found: bin/missing", false, policy, t0)
			},
			wantMem:  rolledBackTo1("start a: command not found: bin/missing"),
			wantNext: RollBack,
			wantMsg:  "target 2.0 failed (start a: command not found: bin/missing), running 1.0",
		},
		{
			name: "new version cannot be made (unknown user): run the previous one",
			step: func() (Memory, Decision) {
				return switching.StartFailed(v2, "user nosuch: unknown user", true, policy, t0)
			},
			wantMem:  rolledBackTo1("user nosuch: unknown user"),
			wantNext: RollBack,
			wantMsg:  "target 2.0 failed (user nosuch: unknown user), running 1.0",
		},
		{
			name: "new version died within the health window: run the previous one",
			step: func() (Memory, Decision) {
				return inWindow.Exited(v2, 2*time.Second, exit2, "exited with code 2", policy, t0.Add(2*time.Second))
			},
			wantMem:  rolledBackTo1("exited with code 2"),
			wantNext: RollBack,
			wantMsg:  "target 2.0 failed (exited with code 2), running 1.0",
		},
		{
			name: "new version died after its window: the restart policy, the upgrade is over",
			step: func() (Memory, Decision) {
				return inWindow.Exited(v2, 40*time.Second, exit2, "exited with code 2", policy, t0.Add(40*time.Second))
			},
			wantMem:  Memory{Last: inWindow.Last, Failures: 1, FailuresOf: v2.ProcessHash()},
			wantNext: Backoff,
			wantMsg:  "exited with code 2",
		},
		{
			name: "a crash counts one failure and backs off for the delay",
			step: func() (Memory, Decision) {
				return running1.Exited(v1, time.Second, exit2, "exited with code 2", policy, t0)
			},
			wantMem:  Memory{Last: &ran1, Failures: 1, FailuresOf: v1.ProcessHash()},
			wantNext: Backoff,
		},
		{
			name: "more failures than max_failures: give up",
			step: func() (Memory, Decision) {
				m := Memory{Last: &ran1, Failures: 2, FailuresOf: v1.ProcessHash()}
				return m.Exited(v1, time.Second, exit2, "exited with code 2", policy, t0)
			},
			wantMem:  Memory{Last: &ran1, Failures: 3, FailuresOf: v1.ProcessHash(), Fatal: &GaveUp{Hash: v1.Hash(), Message: "fatal after 3 abnormal exits (last: exited with code 2)"}},
			wantNext: GiveUp,
			wantMsg:  "fatal after 3 abnormal exits (last: exited with code 2)",
		},
		{
			name: "failures of another process do not count",
			step: func() (Memory, Decision) {
				m := Memory{Last: &ran1, Failures: 2, FailuresOf: "other"}
				return m.Exited(v1, time.Second, exit2, "exited with code 2", policy, t0)
			},
			wantMem:  Memory{Last: &ran1, Failures: 1, FailuresOf: v1.ProcessHash()},
			wantNext: Backoff,
		},
		{
			name: "a run as long as the window resets the count",
			step: func() (Memory, Decision) {
				m := Memory{Last: &ran1, Failures: 2, FailuresOf: v1.ProcessHash()}
				return m.Exited(v1, time.Minute, exit2, "exited with code 2", policy, t0)
			},
			wantMem:  Memory{Last: &ran1},
			wantNext: Backoff,
		},
		{
			// Nothing to persist: a restart after a long run (an agent
			// killed after hours) writes no memory file before the start.
			name: "a long run's exit leaves the memory as it was",
			step: func() (Memory, Decision) {
				return running1.Exited(v1, time.Minute, supervise.ExitStatus{Known: true, Code: 137, Signal: 9}, "killed by signal 9", policy, t0)
			},
			wantMem:  running1,
			wantNext: Backoff,
		},
		{
			name:     "a target that cannot be had while 1.0 runs: 1.0 keeps running, the target is bad",
			step:     func() (Memory, Decision) { return running1.Unrunnable(v2, "2.0", "checksum mismatch", true) },
			wantMem:  Memory{Last: &ran1, Bad: &Bad{Hash: v2.Hash(), Reason: "target 2.0 failed (checksum mismatch), running 1.0", Fallback: ran1}},
			wantNext: KeepOld,
		},
		{
			name:     "a target that cannot be had with nothing running: give up",
			step:     func() (Memory, Decision) { return Memory{}.Unrunnable(v2, "2.0", "install failed: 404", false) },
			wantMem:  Memory{Fatal: &GaveUp{Hash: v2.Hash(), Message: "install failed: 404"}},
			wantNext: GiveUp,
		},
		{
			name: "a daemon restart finds the target of a window gone: roll back",
			step: func() (Memory, Decision) { return inWindow.Resumed(false) },
			wantMem: Memory{Last: &ran1, Bad: &Bad{Hash: v2.Hash(),
				Reason: "target 2.0 failed (exited during its health window while bootagent was not running), running 1.0", Fallback: ran1}},
			wantNext: RollBack,
		},
		{
			name:     "a daemon restart finds the target of a window running: go on",
			step:     func() (Memory, Decision) { return inWindow.Resumed(true) },
			wantMem:  inWindow,
			wantNext: Continue,
		},
		{
			name:     "a daemon restart between switch and start: start the target",
			step:     func() (Memory, Decision) { return switching.Resumed(false) },
			wantMem:  switching,
			wantNext: Continue,
		},
		{
			name: "an operator restart clears a give-up",
			step: func() (Memory, Decision) {
				m := Memory{Last: &ran1, Failures: 4, FailuresOf: "x", Fatal: &GaveUp{Hash: v1.Hash()}}
				return m.Restarted(), Decision{}
			},
			wantMem: Memory{Last: &ran1},
		},
		{
			name: "a changed desired doc clears the bad mark and the give-up",
			step: func() (Memory, Decision) {
				m := rolledBackTo1("x")
				m.Fatal, m.Failures = &GaveUp{Hash: v1.Hash()}, 4
				return m.ForDesired(&v3), Decision{}
			},
			wantMem: Memory{Last: &ran1},
		},
		{
			name: "the same bad desired doc keeps its mark and the fallback's give-up",
			step: func() (Memory, Decision) {
				m := rolledBackTo1("x")
				m.Fatal = &GaveUp{Hash: v1.Hash()}
				return m.ForDesired(&v2), Decision{}
			},
			wantMem: func() Memory { m := rolledBackTo1("x"); m.Fatal = &GaveUp{Hash: v1.Hash()}; return m }(),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, dec := tc.step()
			if !reflect.DeepEqual(m, tc.wantMem) {
				t.Errorf("memory\n got %s\nwant %s", js(m), js(tc.wantMem))
			}
			if dec.Kind != tc.wantNext {
				t.Errorf("next = %v, want %v", dec.Kind, tc.wantNext)
			}
			if tc.wantMsg != "" && dec.Message != tc.wantMsg {
				t.Errorf("message = %q, want %q", dec.Message, tc.wantMsg)
			}
		})
	}
}

func TestEffectiveIsTheFallbackWhileBad(t *testing.T) {
	v1, v2 := pkgDoc("1.0"), pkgDoc("2.0")
	m := Memory{Bad: &Bad{Hash: v2.Hash(), Fallback: Ran{Doc: v1, Version: "1.0"}}}
	if got := m.Effective(&v2); got.Hash() != v1.Hash() {
		t.Fatalf("Effective(bad 2.0) = %s, want the 1.0 fallback", got.Version)
	}
	v3 := pkgDoc("3.0")
	if got := m.Effective(&v3); got.Hash() != v3.Hash() {
		t.Fatalf("Effective(3.0) = %s, want 3.0", got.Version)
	}
	if m.Effective(nil) != nil {
		t.Fatal("Effective(nil) must stay nil: the agent is not desired")
	}
}

func TestMemoryStoreRoundTrip(t *testing.T) {
	s := memoryStore{dir: t.TempDir() + "/memory"}
	v1, v2 := pkgDoc("1.0"), pkgDoc("2.0")
	v1.Env = map[string]string{"TOKEN": "secret"}
	m := Memory{Failures: 2, FailuresOf: "p", Last: &Ran{Doc: v1, Version: "1.0"},
		Upgrade: &Upgrade{Target: v2.Hash(), Version: "2.0", Prev: Ran{Doc: v1, Version: "1.0"}, Until: time.Unix(2000, 0).UTC()}}
	if err := s.save("a", m); err != nil {
		t.Fatal(err)
	}
	got, errs := s.load()
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if js(got["a"]) != js(m) {
		t.Fatalf("loaded %s, want %s", js(got["a"]), js(m))
	}
	for path, want := range map[string]uint32{s.dir: 0o700, s.path("a"): 0o600} {
		if fi, err := statMode(path); err != nil || fi != want {
			t.Errorf("%s: mode %o (%v), want %o", path, fi, err, want)
		}
	}
	if err := s.save("a", Memory{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.load(); len(got) != 0 {
		t.Fatalf("a zero memory must remove the file, loaded %v", got)
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func statMode(path string) (uint32, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return uint32(fi.Mode().Perm()), nil
}
