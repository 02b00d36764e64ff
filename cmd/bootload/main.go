// Command bootload is the control server's load generator: it simulates a
// fleet of bootagents (by default 10,000 hosts with 5 agents each)
// reporting to a bootserver on this machine as fast as it answers, and
// prints reports per second and latency percentiles.
//
//	bootserver serve --db /tmp/load.db &
//	bootload --server http://127.0.0.1:8600 --hosts 10000 --duration 20s
//
// With --embedded it starts its own server on a temporary database instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/bootagent/bootagent/server"
	"github.com/bootagent/bootagent/server/loadgen"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	cfg := loadgen.DefaultConfig()
	fs := flag.NewFlagSet("bootload", flag.ContinueOnError)
	fs.StringVar(&cfg.Server, "server", cfg.Server, "bootserver URL (loopback only)")
	fs.IntVar(&cfg.Hosts, "hosts", cfg.Hosts, "simulated hosts")
	fs.IntVar(&cfg.Agents, "agents", cfg.Agents, "sub-agents per host")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "requests in flight")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of the measured phase (at most 10m)")
	fs.IntVar(&cfg.MaxReports, "reports", 0, "stop after this many status reports (0: run for --duration)")
	fs.StringVar(&cfg.CAFile, "ca", "", "PEM CA an https --server's certificate must chain to (bootserver's ca.pem)")
	fs.BoolVar(&cfg.KeepAlive, "keepalive", false, "reuse connections (real agents open one per request)")
	fs.IntVar(&cfg.EventEvery, "event-every", 0, "attach an event to every Nth report of a host (0: none)")
	fs.BoolVar(&cfg.Obey, "obey", false, "hosts apply their jobs: an upgrade's version (from its URL, NAME-VERSION.tar.gz) is what they report running after it")
	fs.DurationVar(&cfg.Every, "every", 0, "each host reports at most once per this interval, as an agent's step (0: as fast as the server answers)")
	readyFile := fs.String("ready-file", "", "create this file once every host is registered (the measured phase starts)")
	embedded := fs.Bool("embedded", false, "start an in-process bootserver on a temporary database")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run (server included with --embedded) to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bootload:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bootload:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *embedded {
		url, shutdown, err := startEmbedded(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bootload:", err)
			return 1
		}
		defer shutdown()
		cfg.Server = url
	}
	if *readyFile != "" {
		cfg.Ready = func() {
			if err := os.WriteFile(*readyFile, []byte("ready\n"), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "bootload: --ready-file:", err)
			}
		}
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bootload:", err)
		return 1
	}
	fmt.Println(res)
	if res.FirstError != "" {
		fmt.Fprintln(os.Stderr, "bootload: first error:", res.FirstError)
	}
	return 0
}

func startEmbedded(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "bootload-")
	if err != nil {
		return "", nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := server.Open(filepath.Join(dir, "load.db"), server.Options{Logger: log})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		os.RemoveAll(dir)
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv := server.New(store, log)
		srv.SetOpenEnrollment(true) // the load generator registers hosts with no token
		srv.Serve(sctx, ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		cancel()
		<-done
		st := store.Stats()
		fmt.Printf("server writer: batches=%d writes=%d avg_batch=%.1f busy=%s\n", st.Batches, st.Writes,
			float64(st.Writes)/float64(max(st.Batches, 1)), st.Busy.Round(time.Millisecond))
		store.Close()
		os.RemoveAll(dir)
	}, nil
}
