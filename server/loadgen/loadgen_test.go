package loadgen

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

func TestRunAgainstARealServer(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := server.Open(filepath.Join(t.TempDir(), "db"), server.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hs := httptest.NewServer(openServer(st, log).Handler())
	defer hs.Close()

	// A job for one simulated host: the generator answers it.
	host := "load-000003"
	sn := uuid.NewSHA1(fleetNS, []byte(host)).String()
	raw, _ := json.Marshal(&api.StatusDoc{Hostname: host, AgentSN: sn})
	if _, err := st.Report(t.Context(), &api.StatusDoc{Hostname: host, AgentSN: sn}, raw, ""); err != nil {
		t.Fatal(err)
	}
	j, err := st.AddJob(t.Context(), api.JobRequest{Host: host, Action: api.ActionRestart, Name: "Agent0"})
	if err != nil {
		t.Fatal(err)
	}

	cfg := Config{Server: hs.URL, Hosts: 20, Agents: 5, Concurrency: 4, Duration: time.Minute, MaxReports: 200,
		EventEvery: 3, Timeout: 10 * time.Second}
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reports != 200 || res.Errors != 0 || res.P50 <= 0 || res.P99 < res.P50 || res.PerSecond <= 0 {
		t.Fatalf("result: %s (first error %q)", res, res.FirstError)
	}
	if res.JobsSeen != 1 || res.ResultsSent != 1 {
		t.Fatalf("jobs seen %d, results sent %d; want 1, 1", res.JobsSeen, res.ResultsSent)
	}
	if got, _ := st.Job(t.Context(), j.ID); got.State != api.JobSucceeded {
		t.Fatalf("job after the run: %+v", got)
	}
	hosts, _ := st.Hosts(t.Context())
	if len(hosts) != 20 || hosts[0].AgentCount != 5 {
		t.Fatalf("%d hosts after the run", len(hosts))
	}
	if evs, _ := st.Events(t.Context(), server.EventFilter{}); len(evs) == 0 {
		t.Fatal("no events stored")
	}
}

func TestRunIsBounded(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"remote server", func(c *Config) { c.Server = "http://192.0.2.10:8600" }, "not a loopback address"},
		{"not http", func(c *Config) { c.Server = "ftp://127.0.0.1" }, "not http(s)://"},
		{"too long", func(c *Config) { c.Duration = time.Hour }, "duration"},
		{"too many hosts", func(c *Config) { c.Hosts = MaxHosts + 1 }, "hosts"},
		{"no concurrency", func(c *Config) { c.Concurrency = 0 }, "concurrency"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.mod(&cfg)
			if _, err := Run(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestRunOverHTTPS: the generator reports to a TLS server whose
// certificate chains to CAFile, as bench-server.sh's HTTPS run does.
func TestRunOverHTTPS(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	st, err := server.Open(filepath.Join(dir, "db"), server.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cert, err := server.EnsureSelfSignedTLS(dir, []string{"127.0.0.1"}, time.Now(), log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(openServer(st, log).Handler())
	hs.TLS = server.TLSConfig(cert)
	hs.Config.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn) // the refused run's handshake errors
	hs.StartTLS()
	defer hs.Close()
	cfg := Config{Server: hs.URL, Hosts: 10, Agents: 2, Concurrency: 2, Duration: time.Minute, MaxReports: 50,
		Timeout: 10 * time.Second, CAFile: filepath.Join(dir, server.CAFile)}
	res, err := Run(t.Context(), cfg)
	if err != nil || res.Reports != 50 || res.Errors != 0 {
		t.Fatalf("over https: %s, %v (first error %q)", res, err, res.FirstError)
	}
	cfg.CAFile = ""
	if res, err := Run(t.Context(), cfg); err == nil && res.Errors == 0 {
		t.Fatalf("a server not chaining to the system roots was accepted: %s", res)
	}
}

// openServer is the server under load: --open-enrollment, as the load
// generator registers its hosts without tokens.
func openServer(st *server.Store, log *slog.Logger) *server.Server {
	srv := server.New(st, log)
	srv.SetOpenEnrollment(true)
	return srv
}
