package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/bootagent/bootagent/api"
)

// resultProxy stands between the daemon and bootserver and counts, per job
// id, the results the server accepted (answered errcode 0 to). The server
// keeps only the first result of a job (results.job_id is its primary key,
// a re-sent one is acknowledged and dropped), so only the wire can tell
// that a job's result was accepted twice.
type resultProxy struct {
	mu       sync.Mutex
	accepted map[string]int // job id → results the server acknowledged
	ackedAt  map[string][]time.Time
	posted   map[string]int // job id → results sent, acknowledged or not
	srv      *http.Server
	url      string
}

type idsKey struct{}

func startProxy(upstream string) (*resultProxy, error) {
	target, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	p := &resultProxy{accepted: map[string]int{}, posted: map[string]int{}, ackedAt: map[string][]time.Time{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = p.countAck
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.srv = &http.Server{Handler: p.wrap(rp), ReadHeaderTimeout: 10 * time.Second}
	p.url = "http://" + ln.Addr().String()
	go p.srv.Serve(ln)
	return p, nil
}

// wrap reads the job ids of a result post before passing it on.
func (p *resultProxy) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/agent/job/result" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var results []api.JobResult
		json.Unmarshal(body, &results) // the server judges bad bodies
		ids := make([]string, 0, len(results))
		p.mu.Lock()
		for _, res := range results {
			ids = append(ids, res.ID)
			p.posted[res.ID]++
		}
		p.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		r = r.WithContext(context.WithValue(r.Context(), idsKey{}, ids))
		next.ServeHTTP(w, r)
	})
}

// countAck counts the ids of an acknowledged result post.
func (p *resultProxy) countAck(resp *http.Response) error {
	ids, _ := resp.Request.Context().Value(idsKey{}).([]string)
	if ids == nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return err
	}
	var ack api.Ack
	if json.Unmarshal(body, &ack) != nil || ack.Errcode != 0 {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	for _, id := range ids {
		p.accepted[id]++
		p.ackedAt[id] = append(p.ackedAt[id], now)
	}
	p.mu.Unlock()
	return nil
}

// counts returns copies of the accepted and posted counts.
func (p *resultProxy) counts() (accepted, posted map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	accepted, posted = map[string]int{}, map[string]int{}
	for k, v := range p.accepted {
		accepted[k] = v
	}
	for k, v := range p.posted {
		posted[k] = v
	}
	return accepted, posted
}

// acks returns when the server acknowledged each result of job id.
func (p *resultProxy) acks(id string) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.ackedAt[id]...)
}

func (p *resultProxy) close() { p.srv.Close() }
