package crashpoint

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in, step string
		hit            int64
	}{
		{"unset", "", "", 1},
		{"step only", "job.taken", "job.taken", 1},
		{"with hit", "job.taken:3", "job.taken", 3},
		{"bad hit", "job.taken:x", "job.taken", 1},
		{"zero hit", "job.taken:0", "job.taken", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, h := Parse(tc.in)
			if s != tc.step || h != tc.hit {
				t.Fatalf("Parse(%q) = %q, %d; want %q, %d", tc.in, s, h, tc.step, tc.hit)
			}
		})
	}
}

func TestHereIgnoresOtherSteps(t *testing.T) {
	step, hit = "elsewhere", 1
	defer func() { step, hit = "", 1 }()
	Here("job.taken") // must return: another step
}
