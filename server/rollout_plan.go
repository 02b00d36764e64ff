package server

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SPEC §11's defaults.
const (
	defaultWaves           = "1,10%,100%"
	defaultMaxInFlight     = "10%"
	defaultMaxFailures     = "0"
	defaultSoak            = 60 * time.Second
	defaultHealthyDeadline = 15 * time.Minute
	defaultExpire          = 24 * time.Hour
)

// amount is "N" or "P%" as an operator wrote it.
type amount struct {
	n   int
	pct bool
}

func parseAmount(what, s string) (amount, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil || n < 0 || (pct && n > 100) {
		return amount{}, invalid("%s %q is not a count N or a percentage P%%", what, s)
	}
	return amount{n: n, pct: pct}, nil
}

// ofUp is a over total hosts, a percentage rounded up (a wave or a
// throttle of "10%" over 5 hosts is 1 host, never 0).
func (a amount) ofUp(total int) int {
	if !a.pct {
		return a.n
	}
	return (a.n*total + 99) / 100
}

// ofDown is a over total, a percentage rounded down (SPEC §11: the failure
// budget).
func (a amount) ofDown(total int) int {
	if !a.pct {
		return a.n
	}
	return a.n * total / 100
}

// planWaves turns --waves over total hosts into cumulative sizes: each
// clamped to total, strictly growing (a wave adding no host is dropped),
// the last always total so every host is in some wave.
func planWaves(spec string, total int) ([]int, error) {
	var sizes []int
	for _, raw := range strings.Split(spec, ",") {
		a, err := parseAmount("wave", raw)
		if err != nil {
			return nil, err
		}
		n := min(a.ofUp(total), total)
		if n == 0 {
			return nil, invalid("wave %q holds no host", strings.TrimSpace(raw))
		}
		if len(sizes) > 0 && n <= sizes[len(sizes)-1] {
			continue
		}
		sizes = append(sizes, n)
	}
	if total == 0 {
		return []int{0}, nil
	}
	if len(sizes) == 0 || sizes[len(sizes)-1] < total {
		sizes = append(sizes, total)
	}
	return sizes, nil
}

// waveOf is the 0-based wave of the host at position ord in the order.
func waveOf(sizes []int, ord int) int {
	for i, n := range sizes {
		if ord < n {
			return i
		}
	}
	return len(sizes) - 1
}

// orderHosts sorts agentsns in the rollout's stable order: by the hash of
// the rollout id and the agentsn (SPEC §11), so the canary is no host's
// privilege and the same rollout always orders alike.
func orderHosts(rolloutID string, agentsns []string) []string {
	out := slices.Clone(agentsns)
	key := func(sn string) uint64 {
		h := sha256.Sum256([]byte(rolloutID + "\x00" + sn))
		return binary.BigEndian.Uint64(h[:8])
	}
	slices.SortFunc(out, func(a, b string) int {
		ka, kb := key(a), key(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// rolloutID is the id of the seq-th rollout made from the request whose
// canonical form is canon: deterministic, so a dry run shows exactly the
// order create will use right after it.
func rolloutID(seq int64, canon []byte) string {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	h.Write(b[:])
	h.Write(canon)
	return "ro-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// parseRolloutDuration reads a Go duration or a number of days ("2d").
func parseRolloutDuration(what, s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, invalid("%s %q is not a duration (e.g. 60s, 15m, 24h, 2d)", what, s)
	}
	return d, nil
}
