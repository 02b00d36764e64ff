package main

import (
	"sort"
	"time"
)

// quantile is the nearest-rank q-quantile of samples (0 < q <= 1).
func quantile(samples []time.Duration, q float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	r := int(q*float64(len(s)) + 0.999999)
	if r < 1 {
		r = 1
	}
	if r > len(s) {
		r = len(s)
	}
	return s[r-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
