package supervise

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// BenchmarkStart compares starting a sub-agent (`true`, to its exit) with
// and without cgroup placement. On cgroup v1 placement means forking from
// a thread moved into the agent's cgroups and back (startThreadMove); on
// v2, clone3 with CLONE_INTO_CGROUP. Reports the median start-to-exit time
// in ms.
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	spec := Spec{Name: "bench", Command: []string{"/bin/true"}, Dir: dir, LogPath: filepath.Join(dir, "log"),
		Env: BuildEnv("bench", Identity{Home: "/", User: "root"})}
	b.Run("without-cgroup", func(b *testing.B) { benchStart(b, spec) })
	b.Run("with-cgroup", func(b *testing.B) {
		if err := CgroupsAvailable(); err != nil {
			b.Skip(err)
		}
		parent := fmt.Sprintf("bootagent-bench-%d", time.Now().UnixNano())
		cg, err := OpenCgroup(parent, "bench")
		if err != nil {
			b.Fatal(err)
		}
		defer RemoveCgroupParent(parent)
		defer cg.Destroy()
		if err := cg.Set(CgroupLimits{CPUPercent: 50, MemoryBytes: 64 << 20}); err != nil {
			b.Fatal(err)
		}
		s := spec
		s.Cgroup = cg
		benchStart(b, s)
	})
}

func benchStart(b *testing.B, spec Spec) {
	var times []time.Duration
	for b.Loop() {
		t0 := time.Now()
		p, err := Start(spec)
		if err != nil {
			b.Fatal(err)
		}
		if st := p.Exit(); st.Code != 0 {
			b.Fatalf("exit %v", st)
		}
		times = append(times, time.Since(t0))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}
