package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// report stores doc as its host's status report.
func reportDoc(t *testing.T, s *Store, doc *api.StatusDoc) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Report(ctx(t), doc, raw, "127.0.0.1"); err != nil {
		t.Fatalf("Report(%s): %v", doc.Hostname, err)
	}
}

func uiSN(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func TestSearchHosts(t *testing.T) {
	s, _ := openStore(t)
	for i, h := range []struct{ name, tags string }{
		{"web-1", "role=web,dc=par"}, {"web-2", "role=web,dc=ams"}, {"db-1", "role=db,dc=par,pci"},
		{"web_x", ""}, {"cache-1", "role=webcache"},
	} {
		reportDoc(t, s, statusDoc(h.name, uiSN(i)))
		if h.tags != "" {
			if _, err := s.SetTags(ctx(t), uiSN(i), h.tags); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name      string
		q         HostQuery
		want      []string
		wantTotal int
	}{
		{name: "all by hostname", q: HostQuery{}, want: []string{"cache-1", "db-1", "web-1", "web-2", "web_x"}, wantTotal: 5},
		{name: "part of the hostname", q: HostQuery{Search: "web"}, want: []string{"web-1", "web-2", "web_x"}, wantTotal: 3},
		{name: "underscore is literal", q: HostQuery{Search: "b_"}, want: []string{"web_x"}, wantTotal: 1},
		{name: "by agentsn", q: HostQuery{Search: uiSN(2)}, want: []string{"db-1"}, wantTotal: 1},
		{name: "exact tag", q: HostQuery{Tag: "role=web"}, want: []string{"web-1", "web-2"}, wantTotal: 2},
		{name: "tag key", q: HostQuery{Tag: "pci"}, want: []string{"db-1"}, wantTotal: 1},
		{name: "tag key with any value", q: HostQuery{Tag: "dc"}, want: []string{"db-1", "web-1", "web-2"}, wantTotal: 3},
		{name: "tag and name", q: HostQuery{Search: "web", Tag: "dc=par"}, want: []string{"web-1"}, wantTotal: 1},
		{name: "a page", q: HostQuery{Offset: 1, Limit: 2}, want: []string{"db-1", "web-1"}, wantTotal: 5},
		{name: "past the end", q: HostQuery{Offset: 10}, want: []string{}, wantTotal: 5},
		{name: "wildcard is literal", q: HostQuery{Tag: "role=web%"}, want: []string{}, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.SearchHosts(ctx(t), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, h := range page.Hosts {
				got = append(got, h.Hostname)
			}
			if !slices.Equal(got, tt.want) || page.Total != tt.wantTotal {
				t.Fatalf("SearchHosts(%+v) = %v (total %d), want %v (total %d)", tt.q, got, page.Total, tt.want, tt.wantTotal)
			}
		})
	}
}

func TestFleetOverview(t *testing.T) {
	s, clk := openStore(t)
	old := statusDoc("old", uiSN(9), "a")
	reportDoc(t, s, old)
	clk.Advance(time.Hour) // "old" (step 60) is stale now
	d := statusDoc("b-host", uiSN(1), "x", "y", "z")
	d.Agents[0].Status, d.Agents[0].Message = "fatal", "exit 1 five times"
	d.Agents[1].Status = "stoped"
	reportDoc(t, s, d)
	reportDoc(t, s, statusDoc("a-host", uiSN(2), "x", "y"))
	o, err := s.FleetOverview(ctx(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	if o.Hosts != 3 || o.Live != 2 {
		t.Fatalf("hosts %d live %d, want 3 and 2", o.Hosts, o.Live)
	}
	want := map[string]int{"running": 4, "fatal": 1, "stoped": 1}
	if fmt.Sprint(o.AgentsByStatus) != fmt.Sprint(want) || o.FailingTotal != 1 {
		t.Fatalf("by status %v failing %d, want %v and 1", o.AgentsByStatus, o.FailingTotal, want)
	}
	if len(o.Failing) != 1 || o.Failing[0].Name != "x" || o.Failing[0].Hostname != "b-host" || o.Failing[0].Message != "exit 1 five times" {
		t.Fatalf("failing = %+v", o.Failing)
	}
	// A new report clears what the last one said.
	reportDoc(t, s, statusDoc("b-host", uiSN(1), "x", "y", "z"))
	if o, err = s.FleetOverview(ctx(t), 10); err != nil || o.FailingTotal != 0 || len(o.Failing) != 0 || o.AgentsByStatus["running"] != 6 {
		t.Fatalf("after recovery: %+v, %v", o, err)
	}
}

func TestEventsPageAndNewEvents(t *testing.T) {
	s, _ := openStore(t)
	reportDoc(t, s, statusDoc("h", uiSN(1), "a"))
	woke := s.NewEvents()
	for i := range 5 {
		d := statusDoc("h", uiSN(1), "a")
		d.Events = []api.Event{{Time: int64(i + 1), Agent: "a", Type: "exited", Message: fmt.Sprint("m", i)}}
		reportDoc(t, s, d)
	}
	select {
	case <-woke:
	default:
		t.Fatal("NewEvents did not wake on a new event")
	}
	all, err := s.EventsPage(ctx(t), EventPage{Limit: 3})
	if err != nil || len(all) != 3 || all[0].Message != "m4" {
		t.Fatalf("newest page = %+v, %v", all, err)
	}
	older, err := s.EventsPage(ctx(t), EventPage{Before: all[2].ID})
	if err != nil || len(older) != 2 || older[0].Message != "m1" {
		t.Fatalf("older page = %+v, %v", older, err)
	}
	after, err := s.EventsPage(ctx(t), EventPage{Forward: true, After: older[0].ID, Host: "h"})
	if err != nil || len(after) != 3 || after[0].Message != "m2" || after[2].Message != "m4" {
		t.Fatalf("after = %+v, %v", after, err)
	}
}

func TestAdminTokenByID(t *testing.T) {
	s, _ := openStore(t)
	tok, err := s.CreateAdminToken(ctx(t), api.RoleRead)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.AdminToken(ctx(t), tok.ID); err != nil || got.Role != api.RoleRead || got.Revoked != 0 {
		t.Fatalf("AdminToken = %+v, %v", got, err)
	}
	if _, err := s.RevokeAdminToken(ctx(t), tok.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.AdminToken(ctx(t), tok.ID); err != nil || got.Revoked == 0 {
		t.Fatalf("after revoke: %+v, %v", got, err)
	}
	if _, err := s.AdminToken(ctx(t), "000000000000"); err == nil {
		t.Fatal("unknown token id found")
	}
}
