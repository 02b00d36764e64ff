package daemon

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"github.com/prometheus/client_golang/prometheus"
)

func TestMetricSamples(t *testing.T) {
	cpu, mem := 1.5, uint64(4096)
	doc := api.StatusDoc{Version: "bootagent-1.0-x86_64", Agents: []api.AgentStatus{
		{Name: "mon", Status: "running", Restarts: 2, CPUUsageSeconds: &cpu, MemoryBytes: &mem},
		{Name: "new"}, // desired, not started yet: no status is 1
	}}
	at := time.Unix(1700000000, 500_000_000)
	got := map[string]float64{}
	for _, s := range metricSamples(doc, 3, 4, at) {
		got[s.desc.String()[:strings.Index(s.desc.String(), ",")]+" "+strings.Join(s.labels, ",")] = s.value
	}
	name := func(d *prometheus.Desc, labels ...string) string {
		return d.String()[:strings.Index(d.String(), ",")] + " " + strings.Join(labels, ",")
	}
	tests := []struct {
		name string
		key  string
		want float64
	}{
		{"current status is 1", name(agentStatusDesc, "mon", "running"), 1},
		{"other statuses 0", name(agentStatusDesc, "mon", "fatal"), 0},
		{"not started: running 0", name(agentStatusDesc, "new", "running"), 0},
		{"restarts", name(restartsDesc, "mon"), 2},
		{"cpu", name(cpuDesc, "mon"), 1.5},
		{"memory", name(memoryDesc, "mon"), 4096},
		{"results outbox", name(outboxDesc, "results"), 3},
		{"events outbox", name(outboxDesc, "events"), 4},
		{"last report", name(lastReportDesc), 1700000000.5},
		{"version", name(infoDesc, "bootagent-1.0-x86_64"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := got[tt.key]
			if !ok || v != tt.want {
				t.Errorf("%s = %v (present %v), want %v; have %v", tt.key, v, ok, tt.want, got)
			}
		})
	}
	if _, ok := got[name(cpuDesc, "new")]; ok {
		t.Error("an agent without a cgroup has a cpu sample")
	}
	if s := metricSamples(api.StatusDoc{}, 0, 0, time.Time{}); s[len(s)-1].value != 0 {
		t.Errorf("never reported: last report %v, want 0", s[len(s)-1].value)
	}
}

// A real daemon serves its agents' metrics at metrics_listen, /metrics only.
func TestMetricsListen(t *testing.T) {
	// its own cgroup parent: other checkouts may test at once
	d := newTestDaemon(t, fmt.Sprintf("state_dir: $DIR/state\ndesired_dir: $DIR/agents.d\nmetrics_listen: 127.0.0.1:0\ncgroup_parent: bootagent-metrics-%d\n", os.Getpid()))
	if err := os.MkdirAll(d.cfg.DesiredDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.cfg.DesiredDir, "mon.yaml"), []byte("name: mon\ncommand: [\"sleep\", \"300\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runTestDaemon(t, d)
	base := "http://" + d.MetricsAddr()
	want := regexp.MustCompile(`(?m)^bootagent_agent_status\{agent="mon",status="running"\} 1$`)
	var body string
	for end := time.Now().Add(testdeadline.Scale(10 * time.Second)); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(b); want.MatchString(body) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no running mon in:\n%s", body)
		}
	}
	for _, line := range []string{`bootagent_outbox_depth{outbox="results"} 0`, `bootagent_last_report_timestamp_seconds 0`, `bootagent_agent_restarts_total{agent="mon"} 0`} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("no %s in:\n%s", line, body)
		}
	}
	resp, err := http.Get(base + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /v1/status on the metrics listener: %d, want 404 (metrics only)", resp.StatusCode)
	}
}

// Off by default: nothing listens.
func TestMetricsOffByDefault(t *testing.T) {
	d := newTestDaemon(t, "state_dir: $DIR/state\ndesired_dir: $DIR/agents.d\n")
	if d.MetricsAddr() != "" {
		t.Fatalf("metrics listening at %s without metrics_listen", d.MetricsAddr())
	}
}
