package reconcile

import (
	"testing"
	"time"
)

func TestFetchBackoff(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		want     time.Duration
	}{
		{"first retry", 1, 5 * time.Second},
		{"doubles", 2, 10 * time.Second},
		{"doubles again", 4, 40 * time.Second},
		{"below the cap", 6, 160 * time.Second},
		{"capped", 7, 5 * time.Minute},
		{"stays capped without overflow", 1000, 5 * time.Minute},
		{"no failure yet", 0, 5 * time.Second},
	}
	for _, tc := range tests {
		if got := fetchBackoff(tc.failures); got != tc.want {
			t.Errorf("%s: fetchBackoff(%d) = %v, want %v", tc.name, tc.failures, got, tc.want)
		}
	}
}
