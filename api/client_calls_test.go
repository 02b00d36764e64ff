package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestSendResultsNilOnlyOnErrcode0(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		ok     bool
	}{
		{name: "errcode 0", answer: `{"errcode":0}`, ok: true},
		{name: "errcode 0 with extra fields", answer: `{"errcode":0,"stored":2}`, ok: true},
		{name: "errcode 1", answer: `{"errcode":1}`},
		{name: "errcode -1", answer: `{"errcode":-1}`},
		{name: "errcode missing", answer: `{"status":0}`},
		{name: "errcode null", answer: `{"errcode":null}`},
		{name: "errcode a string", answer: `{"errcode":"0"}`},
		{name: "empty body", answer: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := &hitLog{}
			srv := handlerServer(t, "s", nil, func(w http.ResponseWriter, r *http.Request) {
				var rs []JobResult
				if err := json.NewDecoder(r.Body).Decode(&rs); err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
				for _, r := range rs {
					seen.add(r.ID)
				}
				w.Write([]byte(tt.answer))
			})
			c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog()})
			err := c.SendResults(context.Background(), []JobResult{{ID: "a", Message: "done"}, {ID: "b", Errcode: 3}})
			if (err == nil) != tt.ok {
				t.Fatalf("SendResults = %v, want ok=%v", err, tt.ok)
			}
			if ids := seen.get(); strings.Join(ids, ",") != "a,b" {
				t.Fatalf("server got %q", ids)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		wantSN  string
		wantErr string
	}{
		{name: "same sn", answer: `{"status":0,"agentsn":"sn-1","tags":"web"}`, wantSN: "sn-1"},
		{name: "re-assigned sn", answer: `{"status":0,"agentsn":"dcb886e9-04ed-41bb-9c12-4d2de12cd59b"}`, wantSN: "dcb886e9-04ed-41bb-9c12-4d2de12cd59b"},
		{name: "refused", answer: `{"status":1}`, wantErr: "status 1"},
		{name: "unsafe sn", answer: `{"status":0,"agentsn":"../../etc"}`, wantErr: "slash"},
		{name: "wrong type", answer: `{"status":0,"agentsn":5}`, wantErr: "cannot unmarshal number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := &hitLog{}
			srv := handlerServer(t, "s", nil, func(w http.ResponseWriter, r *http.Request) {
				var req RegisterRequest
				json.NewDecoder(r.Body).Decode(&req)
				seen.add(req.Hostname + "/" + req.AgentSN)
				w.Write([]byte(tt.answer))
			})
			c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog()})
			resp, err := c.Register(context.Background(), RegisterRequest{Hostname: "web-17", AgentSN: "sn-1"})
			if got := seen.get(); len(got) != 1 || got[0] != "web-17/sn-1" {
				t.Fatalf("server got %q", got)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), PathRegister) {
					t.Fatalf("err = %v, want %q naming the path", err, tt.wantErr)
				}
				return
			}
			if err != nil || resp.AgentSN != tt.wantSN {
				t.Fatalf("Register = %+v, %v; want agentsn %q", resp, err, tt.wantSN)
			}
		})
	}
}
