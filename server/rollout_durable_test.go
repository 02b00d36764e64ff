package server

import (
	"testing"

	"github.com/bootagent/bootagent/api"
)

// A status report whose answer hands out a rollout job is committed with
// an fsync before the answer goes out; a plain report (no events, no job)
// is not.
func TestRolloutAssignmentIsDurable(t *testing.T) {
	s, clk := openStore(t)
	f := newFleet(t, s, clk, 2)
	before := s.Stats().Synced
	f.report("sn-00")
	if got := s.Stats().Synced; got != before {
		t.Fatalf("a plain report was fsynced (%d synced batches, was %d)", got, before)
	}
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true, Waves: "100%", MaxInFlight: "2"}))
	for _, sn := range []string{"sn-00", "sn-01"} {
		before := s.Stats().Synced
		doc := statusDoc("host-"+sn, sn)
		doc.Agents = []api.AgentStatus{{Name: "mon", Version: "1", DesiredVersion: "1", Status: "running"}}
		jobs := report(t, s, doc)
		if len(jobs) != 1 {
			t.Fatalf("%s got %d jobs from rollout %s, want 1", sn, len(jobs), r.ID)
		}
		if got := s.Stats().Synced; got <= before {
			t.Errorf("the report handing %s its rollout job was not fsynced (synced batches %d, was %d)", sn, got, before)
		}
	}
}
