// Package loadgen simulates a fleet of bootagents reporting to a control
// server as fast as it answers, and measures reports per second and
// latency. It is bounded (hosts, duration, reports, concurrency) and only
// ever talks to a loopback address.
package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
)

// Limits keep a run bounded whatever the flags say.
const (
	MaxHosts       = 1_000_000
	MaxConcurrency = 4096
	MaxDuration    = 10 * time.Minute
)

// Config is one run.
type Config struct {
	Server      string        // base URL; its host must be a loopback address
	Hosts       int           // simulated hosts
	Agents      int           // sub-agents per host
	Concurrency int           // requests in flight
	Duration    time.Duration // length of the measured phase
	MaxReports  int           // stop the measured phase after this many reports (0: no limit)
	KeepAlive   bool          // reuse connections (real agents use one connection per request)
	EventEvery  int           // attach one event to every Nth report (0: never)
	Timeout     time.Duration // per request
	// CAFile, for an https Server, is the PEM CA its certificate must chain
	// to (bootserver's ca.pem). Connections resume TLS sessions, as agents
	// do, so a short connection per report costs one abbreviated handshake.
	CAFile string
	// Obey makes hosts apply their jobs (Obey): an upgrade's target
	// version is what they report running from then on, so a rollout can
	// judge them healthy. Without it every job just succeeds.
	Obey bool
	// Every paces each host: it reports at most once per Every (a real
	// agent's step); 0 reports as fast as the server answers.
	Every time.Duration
	// Ready, when set, is called once every host is registered (the
	// measured phase starts).
	Ready func()
}

// DefaultConfig is the scenario: 10,000 hosts with 5 agents each.
func DefaultConfig() Config {
	return Config{Server: "http://127.0.0.1:8600", Hosts: 10_000, Agents: 5, Concurrency: 32,
		Duration: 20 * time.Second, Timeout: 10 * time.Second}
}

// tlsConfig is the client's TLS side: CAFile's roots (nil: the system's),
// TLS 1.2 at least, and a session cache shared by every simulated host.
func (c Config) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ClientSessionCache: tls.NewLRUClientSessionCache(c.Concurrency * 2)}
	if c.CAFile == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read CA %s: %w", c.CAFile, err)
	}
	cfg.RootCAs = x509.NewCertPool()
	if !cfg.RootCAs.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("CA %s holds no PEM certificate", c.CAFile)
	}
	return cfg, nil
}

// Result is what a run measured. Latencies are of status reports only.
type Result struct {
	Hosts       int
	Registered  time.Duration // how long registering every host took
	Reports     int           // status reports answered errcode 0
	Errors      int
	FirstError  string
	Elapsed     time.Duration
	PerSecond   float64
	P50, P90    time.Duration
	P99, Max    time.Duration
	JobsSeen    int // jobs received in answers
	ResultsSent int // results posted for them
	// TLSAnswers counts answers over TLS, TLSResumed those whose connection
	// resumed a session (an abbreviated handshake).
	TLSAnswers, TLSResumed int64
}

func (r Result) String() string {
	return fmt.Sprintf("hosts=%d reports=%d errors=%d elapsed=%s reports/s=%.0f p50=%s p90=%s p99=%s max=%s jobs=%d register_all=%s",
		r.Hosts, r.Reports, r.Errors, r.Elapsed.Round(time.Millisecond), r.PerSecond, ms(r.P50), ms(r.P90),
		ms(r.P99), ms(r.Max), r.JobsSeen, r.Registered.Round(time.Millisecond)) + r.tlsString()
}

func (r Result) tlsString() string {
	if r.TLSAnswers == 0 {
		return ""
	}
	return fmt.Sprintf(" tls_resumed=%.0f%%", 100*float64(r.TLSResumed)/float64(r.TLSAnswers))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func (c *Config) check() error {
	switch {
	case c.Hosts < 1 || c.Hosts > MaxHosts:
		return fmt.Errorf("hosts %d not in 1-%d", c.Hosts, MaxHosts)
	case c.Agents < 0 || c.Agents > 1000:
		return fmt.Errorf("agents %d not in 0-1000", c.Agents)
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("concurrency %d not in 1-%d", c.Concurrency, MaxConcurrency)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration %s not in (0, %s]", c.Duration, MaxDuration)
	case c.MaxReports < 0:
		return fmt.Errorf("max reports %d is negative", c.MaxReports)
	}
	// A host reports from one worker at a time: never more workers than hosts.
	c.Concurrency = min(c.Concurrency, c.Hosts)
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	return checkLoopback(c.Server)
}

// checkLoopback refuses any server that is not on this machine: a load
// generator must never be pointed at someone else's server.
func checkLoopback(server string) error {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("server %q is not http(s)://host:port", server)
	}
	ips, err := net.LookupIP(u.Hostname())
	if err != nil {
		return fmt.Errorf("server %q: %w", server, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("server %q resolves to %s, not a loopback address: refusing to load it", server, ip)
		}
	}
	return nil
}

// host is one simulated bootagent.
type host struct {
	cred    string // its credential (SPEC §10), from the register answer
	doc     api.StatusDoc
	started time.Time
	reports int
	last    time.Time           // its last report (for Config.Every)
	done    map[string]struct{} // jobs it has run (with Obey): a job runs once
}

// Run registers cfg.Hosts hosts, then has them report as fast as the
// server answers for cfg.Duration (or cfg.MaxReports reports).
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, fmt.Errorf("loadgen: %w", err)
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return Result{}, fmt.Errorf("loadgen: %w", err)
	}
	g := &gen{cfg: cfg, hc: &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{
		DisableKeepAlives:   !cfg.KeepAlive,
		MaxIdleConnsPerHost: cfg.Concurrency,
		TLSClientConfig:     tlsCfg,
	}}}
	defer g.hc.CloseIdleConnections()
	hosts := g.makeHosts()
	res := Result{Hosts: len(hosts)}
	start := time.Now()
	if err := g.registerAll(ctx, hosts); err != nil {
		return res, err
	}
	res.Registered = time.Since(start)
	if cfg.Ready != nil {
		cfg.Ready()
	}
	g.measure(ctx, hosts, &res)
	res.TLSAnswers, res.TLSResumed = g.tlsAnswers.Load(), g.resumed.Load()
	return res, nil
}

type gen struct {
	cfg                 Config
	hc                  *http.Client
	tlsAnswers, resumed atomic.Int64
}

var fleetNS = uuid.MustParse("6f1f6a3e-3f7b-4c55-9d1e-6f0c1b2a9e10")

func (g *gen) makeHosts() []*host {
	now := time.Now()
	hosts := make([]*host, g.cfg.Hosts)
	for i := range hosts {
		name := fmt.Sprintf("load-%06d", i)
		h := &host{started: now, doc: api.StatusDoc{
			Hostname: name, AgentSN: uuid.NewSHA1(fleetNS, []byte(name)).String(),
			Version: api.AgentVersion(), Step: 600, Events: []api.Event{},
		}}
		for a := range g.cfg.Agents {
			h.doc.Agents = append(h.doc.Agents, api.AgentStatus{
				Name: fmt.Sprintf("Agent%d", a), Version: "1.2.3", Status: "running", Pid: 1000 + a,
				Source: "server", DesiredVersion: "1.2.3", Limits: map[string]string{"cpu": "10%", "memory": "20M"},
				DesiredHash: "sha256:1f3a", AppliedHash: "sha256:1f3a",
			})
		}
		hosts[i] = h
	}
	return hosts
}

// registerAll registers every host, cfg.Concurrency at a time.
func (g *gen) registerAll(ctx context.Context, hosts []*host) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range g.cfg.Concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(hosts) || ctx.Err() != nil {
					return
				}
				d := &hosts[i].doc
				var resp api.RegisterResponse
				err := g.post(ctx, api.PathRegister, "", api.RegisterRequest{Hostname: d.Hostname, AgentSN: d.AgentSN}, &resp)
				if err == nil && resp.Status != 0 {
					err = fmt.Errorf("register %s: status %d", d.Hostname, resp.Status)
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				d.AgentSN = resp.AgentSN
				hosts[i].cred = resp.Credential
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("loadgen: registering hosts: %w", firstErr)
	}
	return ctx.Err()
}

// measure runs the status phase: each worker takes the next host in turn,
// so every host reports about equally often.
func (g *gen) measure(ctx context.Context, hosts []*host, res *Result) {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Duration)
	defer cancel()
	var next, done atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range g.cfg.Concurrency {
		wg.Go(func() {
			var my []time.Duration
			var w workerStats
			for ctx.Err() == nil {
				if g.cfg.MaxReports > 0 && done.Add(1) > int64(g.cfg.MaxReports) {
					break
				}
				h := hosts[int(next.Add(1)-1)%len(hosts)]
				if !g.pace(ctx, h) {
					break
				}
				d, err := g.report(ctx, h, &w)
				if err != nil {
					if ctx.Err() == nil {
						w.errors++
						if w.firstErr == "" {
							w.firstErr = err.Error()
						}
					}
					continue
				}
				my = append(my, d)
			}
			mu.Lock()
			lat = append(lat, my...)
			res.Errors += w.errors
			res.JobsSeen += w.jobs
			res.ResultsSent += w.results
			if res.FirstError == "" {
				res.FirstError = w.firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Reports = len(lat)
	res.PerSecond = float64(len(lat)) / res.Elapsed.Seconds()
	if len(lat) > 0 {
		slices.Sort(lat)
		pick := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
		res.P50, res.P90, res.P99, res.Max = pick(0.50), pick(0.90), pick(0.99), lat[len(lat)-1]
	}
}

type workerStats struct {
	errors, jobs, results int
	firstErr              string
}

// report sends one status report for h (a host is only ever used by one
// worker at a time: there are far more hosts than workers) and answers
// any job it gets with a success.
func (g *gen) report(ctx context.Context, h *host, w *workerStats) (time.Duration, error) {
	now := time.Now()
	h.reports++
	doc := h.doc
	doc.Uptime = int64(now.Sub(h.started) / time.Second)
	doc.Timestamp = now.Unix()
	if g.cfg.EventEvery > 0 && h.reports%g.cfg.EventEvery == 0 {
		doc.Events = []api.Event{{Time: now.Unix(), Agent: "Agent0", Type: "exited",
			Message: fmt.Sprintf("exit status 1 (report %d)", h.reports)}}
	}
	var resp api.StatusResponse
	t0 := time.Now()
	if err := g.post(ctx, api.PathStatus, h.cred, &doc, &resp); err != nil {
		return 0, err
	}
	d := time.Since(t0)
	if resp.Errcode != 0 {
		return 0, fmt.Errorf("status %s: errcode %d", doc.Hostname, resp.Errcode)
	}
	if resp.Credential != "" {
		h.cred = resp.Credential // renewed
	}
	if len(resp.Jobs) > 0 {
		w.jobs += len(resp.Jobs)
		results := g.run(h, resp.Jobs)
		var ack api.Ack
		if err := g.post(ctx, api.PathJobResult, h.cred, results, &ack); err == nil && ack.Errcode == 0 {
			w.results += len(results)
		}
	}
	return d, nil
}

// post sends in to path with the host credential cred ("": none, for the
// register that hands it out).
func (g *gen) post(ctx context.Context, path, cred string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.Server+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.TLS != nil {
		g.tlsAnswers.Add(1)
		if resp.TLS.DidResume {
			g.resumed.Add(1)
		}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, api.MaxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return errors.Join(fmt.Errorf("POST %s: bad answer", path), err)
	}
	return nil
}

// pace waits until h may report again (Config.Every); false when ctx ended
// first. Hosts are taken in turn, so the wait is for the oldest report.
func (g *gen) pace(ctx context.Context, h *host) bool {
	if g.cfg.Every <= 0 {
		return true
	}
	if wait := time.Until(h.last.Add(g.cfg.Every)); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	h.last = time.Now()
	return true
}

// run answers h's jobs: each succeeds; with Obey it is applied to the
// host's agents, once (an answer repeats a job until its result arrives,
// and a result already sent is not re-sent: it is the same job).
func (g *gen) run(h *host, jobs []api.Job) []api.JobResult {
	results := make([]api.JobResult, 0, len(jobs))
	for _, j := range jobs {
		if !g.cfg.Obey {
			results = append(results, api.JobResult{ID: j.ID, Errcode: 0, Message: "done by loadgen"})
			continue
		}
		if h.done == nil {
			h.done = map[string]struct{}{}
		}
		if _, ok := h.done[j.ID]; ok {
			results = append(results, api.JobResult{ID: j.ID, Message: "done by loadgen"})
			continue
		}
		h.done[j.ID] = struct{}{}
		var res api.JobResult
		h.doc.Agents, res = Obey(h.doc.Agents, j, false)
		results = append(results, res)
	}
	return results
}
