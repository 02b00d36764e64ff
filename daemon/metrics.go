package daemon

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Prometheus metrics at metrics_listen (SPEC §14; off by default): what
// status shows, per agent, plus the outboxes and the last report. They are
// read from the status document at each scrape, so there is one source of
// truth and nothing to keep in step. The listener serves /metrics only,
// unauthenticated (it shows no secret, no env, no command): bind it to
// loopback or a management network.

// sample is one metric value; labels follow its desc's label names.
type sample struct {
	desc   *prometheus.Desc
	kind   prometheus.ValueType
	value  float64
	labels []string
}

var (
	agentStatusDesc = prometheus.NewDesc("bootagent_agent_status", "1 for the agent's current status (SPEC §5 values), 0 for the others.", []string{"agent", "status"}, nil)
	restartsDesc    = prometheus.NewDesc("bootagent_agent_restarts_total", "Restarts of the agent.", []string{"agent"}, nil)
	cpuDesc         = prometheus.NewDesc("bootagent_agent_cpu_seconds_total", "CPU time used by the agent's cgroup.", []string{"agent"}, nil)
	memoryDesc      = prometheus.NewDesc("bootagent_agent_memory_bytes", "Memory used by the agent's cgroup.", []string{"agent"}, nil)
	outboxDesc      = prometheus.NewDesc("bootagent_outbox_depth", "Items waiting for the server, by outbox.", []string{"outbox"}, nil)
	lastReportDesc  = prometheus.NewDesc("bootagent_last_report_timestamp_seconds", "When a status report last reached a server (0: never since start).", nil, nil)
	infoDesc        = prometheus.NewDesc("bootagent_info", "The running bootagent.", []string{"version"}, nil)
)

var agentStatuses = []actual.Status{actual.Running, actual.Stopped, actual.Fatal, actual.Killed, actual.Backoff, actual.Installing}

// metricSamples is what a scrape reports, from the status document, the
// outbox depths and the last report's time (zero: none).
func metricSamples(doc api.StatusDoc, results, events int, lastReport time.Time) []sample {
	out := []sample{{desc: infoDesc, kind: prometheus.GaugeValue, value: 1, labels: []string{doc.Version}}}
	for _, a := range doc.Agents {
		for _, st := range agentStatuses {
			v := 0.0
			if a.Status == string(st) {
				v = 1
			}
			out = append(out, sample{agentStatusDesc, prometheus.GaugeValue, v, []string{a.Name, string(st)}})
		}
		out = append(out, sample{restartsDesc, prometheus.CounterValue, float64(a.Restarts), []string{a.Name}})
		if a.CPUUsageSeconds != nil {
			out = append(out, sample{cpuDesc, prometheus.CounterValue, *a.CPUUsageSeconds, []string{a.Name}})
		}
		if a.MemoryBytes != nil {
			out = append(out, sample{memoryDesc, prometheus.GaugeValue, float64(*a.MemoryBytes), []string{a.Name}})
		}
	}
	out = append(out,
		sample{outboxDesc, prometheus.GaugeValue, float64(results), []string{"results"}},
		sample{outboxDesc, prometheus.GaugeValue, float64(events), []string{"events"}})
	last := 0.0
	if !lastReport.IsZero() {
		last = float64(lastReport.UnixNano()) / 1e9
	}
	return append(out, sample{lastReportDesc, prometheus.GaugeValue, last, nil})
}

// agentCollector is the daemon as a prometheus.Collector.
type agentCollector struct{ d *Daemon }

func (c agentCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{agentStatusDesc, restartsDesc, cpuDesc, memoryDesc, outboxDesc, lastReportDesc, infoDesc} {
		ch <- d
	}
}

func (c agentCollector) Collect(ch chan<- prometheus.Metric) {
	var last time.Time
	if ns := c.d.lastReport.Load(); ns != 0 {
		last = time.Unix(0, ns)
	}
	for _, s := range metricSamples(c.d.Status(), c.d.results.Len(), c.d.eventsOut.Len(), last) {
		ch <- prometheus.MustNewConstMetric(s.desc, s.kind, s.value, s.labels...)
	}
}

// openMetrics binds metrics_listen, when set; a failure to bind is a
// failure to start (the operator asked for it there).
func (d *Daemon) openMetrics() error {
	if d.cfg.MetricsListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", d.cfg.MetricsListen)
	if err != nil {
		return fmt.Errorf("metrics_listen %s: %w", d.cfg.MetricsListen, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(agentCollector{d})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	d.metricsLn = ln
	d.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	return nil
}

// serveMetrics serves until closeMetrics.
func (d *Daemon) serveMetrics() {
	if d.metricsSrv == nil {
		return
	}
	d.log.Info("metrics listening", "addr", d.metricsLn.Addr().String())
	go d.metricsSrv.Serve(d.metricsLn)
}

func (d *Daemon) closeMetrics() {
	if d.metricsSrv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d.metricsSrv.Shutdown(ctx)
}

// MetricsAddr is where metrics are served ("" when off).
func (d *Daemon) MetricsAddr() string {
	if d.metricsLn == nil {
		return ""
	}
	return d.metricsLn.Addr().String()
}
