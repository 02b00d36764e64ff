package webui

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The template functions: pure formatting, one rule per kind of value.

// look is how a status is shown: a class for colour, and an icon and the
// status text so that it reads the same without colour.
type look struct{ Class, Icon, Text string }

// statusLook maps every status the UI shows (agents, jobs, events, hosts,
// rollouts and their hosts) to its look; unknown ones are neutral.
func statusLook(status string) look {
	switch status {
	case "running", "succeeded", "healthy", "live", "done":
		return look{"ok", "✔", status}
	case "fatal", "killed", "failed", "install_failed", "invalid_config", "aborted", "rolled_back":
		return look{"bad", "✖", status}
	case "backoff", "exited", "rollback", "stale", "expired", "rolling_back", "reverted":
		return look{"warn", "▲", status}
	case "stoped", "paused", "cancelled", "skipped":
		return look{"idle", "■", status}
	case "queued", "delivered", "pending", "installing", "downloading", "soaking":
		return look{"busy", "◌", status}
	}
	if status == "" {
		status = "unknown"
	}
	return look{"none", "•", status}
}

// duration shows seconds as its two largest units: "3d 4h", "5m 2s".
func duration(secs int64) string {
	if secs < 0 {
		secs = 0
	}
	units := []struct {
		n    int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}
	var parts []string
	for _, u := range units {
		if secs >= u.n || (u.n == 1 && len(parts) == 0) {
			parts = append(parts, fmt.Sprintf("%d%s", secs/u.n, u.name))
			secs %= u.n
		}
		if len(parts) == 2 {
			break
		}
	}
	return strings.Join(parts, " ")
}

// ago shows a past Unix time relative to now: "never", "just now",
// "5m 2s ago".
func ago(now time.Time, unix int64) string {
	if unix == 0 {
		return "never"
	}
	d := now.Unix() - unix
	if d < 1 {
		return "just now"
	}
	return duration(d) + " ago"
}

// stamp shows a Unix time in UTC, the same for every operator.
func stamp(unix int64) string {
	if unix == 0 {
		return "—"
	}
	return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05Z")
}

// bytesIEC shows a byte count in binary units, "—" when absent.
func bytesIEC(b *uint64) string {
	if b == nil {
		return "—"
	}
	v := float64(*b)
	for _, unit := range []string{"B", "KiB", "MiB", "GiB"} {
		if v < 1024 || unit == "GiB" {
			if unit == "B" {
				return fmt.Sprintf("%d B", *b)
			}
			return fmt.Sprintf("%.1f %s", v, unit)
		}
		v /= 1024
	}
	return ""
}

// cpuSeconds shows cumulative CPU time, "—" when absent.
func cpuSeconds(s *float64) string {
	if s == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f s", *s)
}

// limitsText shows an agent's limits, "none" without any.
func limitsText(l map[string]string) string {
	if len(l) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strings.ToLower(k) + " " + l[k]
	}
	return strings.Join(parts, ", ")
}

// hostPath is a host page's path; agentsns are validated, and the escape
// keeps the rule in one place anyway.
func hostPath(agentsn string) string { return "/hosts/" + url.PathEscape(agentsn) }

func funcs(now func() time.Time) template.FuncMap {
	return template.FuncMap{
		"look":     statusLook,
		"duration": duration,
		"ago":      func(unix int64) string { return ago(now(), unix) },
		"stamp":    stamp,
		"bytes":    bytesIEC,
		"cpu":      cpuSeconds,
		"limits":   limitsText,
		"hostPath": hostPath,
		"tags":     func(t string) []string { return splitTags(t) },
	}
}

// splitTags lists a host's tags ("k=v,k2") for display.
func splitTags(t string) []string {
	var out []string
	for _, p := range strings.Split(t, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
