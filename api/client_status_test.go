package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestDecodeStatusAnswerTopLevel(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		wantErr string
		jobs    int
	}{
		{name: "no jobs", answer: `{"errcode":0}`},
		{name: "null jobs", answer: `{"errcode":0,"jobs":null}`},
		{name: "errcode non-zero is returned, not an error", answer: `{"errcode":2,"jobs":[]}`},
		{name: "unknown fields ignored", answer: `{"errcode":0,"jobs":[],"next":"x"}`},
		{name: "jobs not an array", answer: `{"errcode":0,"jobs":{"id":"1"}}`, wantErr: "cannot unmarshal object"},
		{name: "errcode a string", answer: `{"errcode":"0","jobs":[]}`, wantErr: "cannot unmarshal string"},
		{name: "not JSON", answer: `502 Bad Gateway`, wantErr: "not a JSON object"},
		{name: "empty", answer: ``, wantErr: "not a JSON object"},
		{name: "top-level array", answer: `[{"id":"1"}]`, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, bad, err := DecodeStatusAnswer([]byte(tt.answer))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(resp.Jobs) != 0 || len(bad) != 0 {
				t.Fatalf("resp %+v, bad %+v, err %v", resp, bad, err)
			}
		})
	}
}

// One answer carrying every kind of bad job between good ones: the good
// ones come back in order, each bad one as a JobError with its id.
func TestDecodeStatusAnswerJobByJob(t *testing.T) {
	sum := goodSum
	answer := `{"errcode":0,"jobs":[
		{"id":"good1","action":"install","name":"BasicAgent","url":"http://p/a.tgz","checksum":"` + sum + `","limits":{"CPU":"10%","Memory":"20M"}},
		{"id":"unknown-action","action":"reboot","name":"x"},
		{"id":"escape","action":"stop","name":"../x"},
		{"id":"no-checksum","action":"install","name":"a","url":"http://p/a.tgz"},
		{"id":"bad-checksum","action":"upgrade","name":"a","url":"http://p/a.tgz","checksum":"SHA256:1234"},
		{"id":"bad-limit-key","action":"install","name":"a","url":"http://p/a.tgz","checksum":"` + sum + `","limits":{"disk":"1G"}},
		{"id":"wrong-type","action":"config","step":"sixty"},
		{"action":"stop","name":"no-id"},
		{"id":7,"action":"stop","name":"numeric-id"},
		"just a string",
		{"id":"good2","action":"config","svrlist":"192.168.9.1:1234,","step":60}
	]}`
	resp, bad, err := DecodeStatusAnswer([]byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range resp.Jobs {
		ids = append(ids, j.ID)
	}
	if !slices.Equal(ids, []string{"good1", "good2"}) {
		t.Fatalf("good jobs %q, want good1, good2", ids)
	}
	if l := resp.Jobs[0].Limits; l.CPU != "10%" || l.Memory != "20M" {
		t.Errorf("limits with odd key case: %+v", l)
	}

	want := []struct{ id, msg string }{
		{"unknown-action", `unknown action "reboot"`},
		{"escape", `name "../x" is invalid`},
		{"no-checksum", "checksum is required"},
		{"bad-checksum", "is not SHA256"},
		{"bad-limit-key", `unknown key "disk"`},
		{"wrong-type", "cannot unmarshal string"},
		{"", "no usable id"},
		{"", "no usable id"},
		{"", "no usable id"},
	}
	if len(bad) != len(want) {
		t.Fatalf("%d job errors, want %d: %+v", len(bad), len(want), bad)
	}
	for i, w := range want {
		if bad[i].ID != w.id || !strings.Contains(bad[i].Message, w.msg) {
			t.Errorf("job error %d = %+v, want id %q and %q", i, bad[i], w.id, w.msg)
		}
	}
	if r := bad[0].Result(); r.ID != "unknown-action" || r.Errcode == 0 || r.Message == "" {
		t.Errorf("failing result %+v", r)
	}
}

// Status end to end: the document goes out, jobs come back; a bad answer
// from the first server makes the second one asked.
func TestStatusOverHTTP(t *testing.T) {
	hits := &hitLog{}
	broken := answerServer(t, "broken", hits, 200, `{"errcode":0,"jobs":"none"}`)
	sns := &hitLog{}
	good := handlerServer(t, "good", hits, func(w http.ResponseWriter, r *http.Request) {
		var d StatusDoc
		if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		sns.add(d.AgentSN)
		w.Write([]byte(`{"errcode":0,"jobs":[{"id":"j1","action":"restart","name":"BasicAgent"},{"id":"j2","action":"stop","name":"../etc"}]}`))
	})
	c := NewClient([]string{broken.URL, good.URL}, ClientOptions{Logger: quietLog()})
	resp, bad, err := c.Status(context.Background(), StatusDoc{AgentSN: "sn-1", Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Jobs) != 1 || resp.Jobs[0].ID != "j1" || len(bad) != 1 || bad[0].ID != "j2" {
		t.Fatalf("jobs %+v, bad %+v", resp.Jobs, bad)
	}
	if got := sns.get(); !slices.Equal(got, []string{"sn-1"}) {
		t.Fatalf("server got agentsn %q", got)
	}
	if h := hits.get(); !slices.Equal(h, []string{"broken " + PathStatus, "good " + PathStatus}) {
		t.Fatalf("asked %q", h)
	}
}

// A report of 100 events with 8 KiB log tails (3 MB as it was) is sent,
// cut to fit, and its answer's jobs come back.
func TestStatusOversizedReportIsSentAndJobsArrive(t *testing.T) {
	var got int
	srv := handlerServer(t, "status", nil, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = len(body)
		io.WriteString(w, `{"errcode":0,"jobs":[{"id":"j1","action":"restart","name":"a"}]}`)
	})
	events := make([]Event, 100)
	for i := range events {
		events[i] = Event{Time: int64(i), Agent: "a", Type: "exited", Message: fmt.Sprintf("exit %d", i), LogTail: strings.Repeat("<\x01", 4<<10)}
	}
	doc := StatusDoc{Hostname: "h", AgentSN: "sn", Agents: []AgentStatus{{Name: "a", Message: strings.Repeat("m", 1<<20)}}, Events: events}
	if raw, _ := json.Marshal(doc); len(raw) <= MaxBody {
		t.Fatalf("test document is only %d bytes", len(raw))
	}
	c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog()})
	resp, _, err := c.Status(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Jobs) != 1 || got == 0 || got > MaxBody {
		t.Fatalf("jobs %+v; the server got %d bytes", resp.Jobs, got)
	}
}
