package main

import (
	"testing"
	"time"
)

func TestTokenOf(t *testing.T) {
	tests := []struct {
		name    string
		cmdline string
		want    int
	}{
		{"bare sleep", "sleep\x001000003\x00", 3},
		{"path to sleep", "/usr/bin/sleep\x001000000\x00", 0},
		{"the run script before its exec", "/bin/sh\x00./run\x00", -1},
		{"another sleep", "sleep\x001000\x00", -1},
		{"beyond the services", "sleep\x001000005\x00", -1},
		{"not sleep", "nosleep\x001000001\x00", -1},
		{"extra argument", "sleep\x001000001\x00x\x00", -1},
		{"empty (a zombie)", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenOf([]byte(tt.cmdline), 5); got != tt.want {
				t.Fatalf("tokenOf(%q) = %d, want %d", tt.cmdline, got, tt.want)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name    string
		samples []time.Duration
		q       float64
		want    time.Duration
	}{
		{"median of odd count", ms(5, 1, 3), 0.5, 3 * time.Millisecond},
		{"median of even count is the lower", ms(4, 1, 3, 2), 0.5, 2 * time.Millisecond},
		{"p95 of 20 is the 19th", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 0.95, 19 * time.Millisecond},
		{"none", nil, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quantile(tt.samples, tt.q); got != tt.want {
				t.Fatalf("quantile = %v, want %v", got, tt.want)
			}
		})
	}
}
