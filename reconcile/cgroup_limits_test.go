package reconcile

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// A limit that desired-doc validation accepts is one a real cgroup takes,
// and one it refuses is refused by the conversion too: issue 9 saw
// cpu "0.5%" validate and then fail at every start (the kernel's minimum
// CFS quota is 1 ms per 100 ms).
func TestLimitsThatValidateAreApplied(t *testing.T) {
	if err := supervise.CgroupsAvailable(); err != nil {
		t.Skipf("cgroups not usable here: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	parent := "bootagent-test-" + hex.EncodeToString(b[:])
	cg, err := supervise.OpenCgroup(parent, "limits")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cg.Destroy()
		_ = supervise.RemoveCgroupParent(parent)
	})
	tests := []struct {
		name   string
		limits desired.Limits
		valid  bool
	}{
		{name: "cpu below the kernel minimum", limits: desired.Limits{CPU: "0.5%"}, valid: false},
		{name: "cpu at the kernel minimum", limits: desired.Limits{CPU: "1%"}, valid: true},
		{name: "cpu finer than a µs of quota", limits: desired.Limits{CPU: "12.34567%"}, valid: true},
		{name: "cpu several CPUs", limits: desired.Limits{CPU: "250%"}, valid: true},
		{name: "memory 20m is 20M", limits: desired.Limits{Memory: "20m"}, valid: true},
		{name: "memory at the smallest limit", limits: desired.Limits{Memory: "64K"}, valid: true},
		{name: "memory below one page", limits: desired.Limits{Memory: "512"}, valid: false},
		{name: "memory zero", limits: desired.Limits{Memory: "0"}, valid: false},
		{name: "memory huge", limits: desired.Limits{Memory: "4T"}, valid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := desired.Doc{Name: "a", Command: []string{"x"}, Limits: tt.limits}
			verr := doc.Validate()
			if (verr == nil) != tt.valid {
				t.Fatalf("Validate() = %v, want valid %v", verr, tt.valid)
			}
			l, cerr := cgroupLimits(tt.limits)
			if (cerr == nil) != tt.valid {
				t.Fatalf("cgroupLimits() = %+v, %v, want valid %v (validation said %v)", l, cerr, tt.valid, verr)
			}
			if !tt.valid {
				return
			}
			if err := cg.Set(l); err != nil {
				t.Fatalf("validated limits %+v refused by the cgroup: %v", tt.limits, err)
			}
		})
	}
}
