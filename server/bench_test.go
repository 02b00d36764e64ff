package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// benchFleet is the fleet: hosts with 5 agents each, as raw status
// documents.
func benchFleet(b *testing.B, hosts int) ([]*api.StatusDoc, [][]byte) {
	docs := make([]*api.StatusDoc, hosts)
	raws := make([][]byte, hosts)
	for i := range docs {
		name := fmt.Sprintf("bench-%05d", i)
		docs[i] = statusDoc(name, name, "A0", "A1", "A2", "A3", "A4")
		var err error
		if raws[i], err = json.Marshal(docs[i]); err != nil {
			b.Fatal(err)
		}
	}
	return docs, raws
}

func benchStore(b *testing.B) *Store {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkReport is the write path alone: status reports of 10,000 hosts
// through the group-commit writer, from many goroutines.
func BenchmarkReport(b *testing.B) {
	s := benchStore(b)
	docs, raws := benchFleet(b, 10_000)
	var next atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)) % len(docs)
			if _, err := s.Report(b.Context(), docs[i], raws[i], "127.0.0.1"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}

// BenchmarkStatusHTTP is POST /agent/status end to end over loopback, with
// short connections as agents make them and with keep-alive.
func BenchmarkStatusHTTP(b *testing.B) {
	for _, keepAlive := range []bool{false, true} {
		b.Run(fmt.Sprintf("keepalive=%t", keepAlive), func(b *testing.B) {
			s := benchStore(b)
			hs := httptest.NewServer(New(s, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
			defer hs.Close()
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 64}}
			_, raws := benchFleet(b, 10_000)
			var next atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					raw := raws[int(next.Add(1))%len(raws)]
					resp, err := hc.Post(hs.URL+api.PathStatus, "application/json", bytes.NewReader(raw))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}
