package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Prometheus metrics (SPEC §14) at GET /metrics, with client_golang (the
// reference implementation, the exposition format and its registry kept
// right by the Prometheus project). /metrics is read like the admin lists:
// it needs a bearer token of role read or admin (SPEC §10 makes no
// exemption; Prometheus sends one with `authorization: {credentials_file:
// ...}`).

// RolloutCounter reports rollouts by state (SPEC §11); nil until the
// rollouts code sets one with SetRolloutCounter.
type RolloutCounter func(ctx context.Context) (map[string]int, error)

type metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	reports       prometheus.Counter
	registrations prometheus.Counter
	rollouts      RolloutCounter
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bootserver_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bootserver_http_request_duration_seconds", Help: "Time to answer a request, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		reports: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bootserver_reports_total", Help: "Status reports accepted (POST " + api.PathStatus + " answered 200).",
		}),
		registrations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bootserver_registrations_total", Help: "Registrations accepted (POST " + api.PathRegister + " answered 200).",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.reports, m.registrations, fleetCollector{s, m})
	return m
}

// counted are the routes whose successes are counted on their own.
func (m *metrics) counted(route string, code int) {
	if code != http.StatusOK {
		return
	}
	switch route {
	case "POST " + api.PathStatus:
		m.reports.Inc()
	case "POST " + api.PathRegister:
		m.registrations.Inc()
	}
}

// instrument measures every request by the route pattern the mux chose
// (r.Pattern, set by ServeMux on the request it was given; "" for no
// route), so a path with a host name in it makes no new series.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" || route == "/" {
			route = "other"
		}
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		m.counted(route, sw.code)
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// fleetCollector reads jobs, hosts and rollouts from the store at scrape.
type fleetCollector struct {
	s *Server
	m *metrics
}

var (
	jobsDesc     = prometheus.NewDesc("bootserver_jobs", "Jobs by state.", []string{"state"}, nil)
	hostsDesc    = prometheus.NewDesc("bootserver_hosts", "Hosts known.", nil, nil)
	liveDesc     = prometheus.NewDesc("bootserver_hosts_live", "Hosts seen within three of their report intervals.", nil, nil)
	rolloutsDesc = prometheus.NewDesc("bootserver_rollouts", "Rollouts by state.", []string{"state"}, nil)
	scrapeErr    = prometheus.NewDesc("bootserver_metrics_store_errors", "1 when the store could not be read for this scrape.", nil, nil)
)

func (c fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- hostsDesc
	ch <- liveDesc
	ch <- rolloutsDesc
	ch <- scrapeErr
}

func (c fleetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	fc, err := c.s.store.FleetCounts(ctx)
	if err != nil {
		c.s.log.Warn("metrics: store not read", "error", err)
		failed = 1
	} else {
		for st, n := range fc.JobsByState {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), st)
		}
		ch <- prometheus.MustNewConstMetric(hostsDesc, prometheus.GaugeValue, float64(fc.Hosts))
		ch <- prometheus.MustNewConstMetric(liveDesc, prometheus.GaugeValue, float64(fc.Live))
	}
	if c.m.rollouts != nil {
		byState, err := c.m.rollouts(ctx)
		if err != nil {
			failed = 1
		}
		for st, n := range byState {
			ch <- prometheus.MustNewConstMetric(rolloutsDesc, prometheus.GaugeValue, float64(n), st)
		}
	}
	ch <- prometheus.MustNewConstMetric(scrapeErr, prometheus.GaugeValue, failed)
}

// SetRolloutCounter makes /metrics report rollouts by state (the hook for
// SPEC §11's rollouts). Call it before Serve.
func (s *Server) SetRolloutCounter(f RolloutCounter) { s.metrics.rollouts = f }

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: nil}).ServeHTTP(w, r)
}
