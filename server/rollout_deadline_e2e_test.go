package server

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// End to end (a bootserver process, hosts over HTTP, real time): a host
// whose upgrade succeeds but whose new version never comes up is failed
// at the healthy deadline, not before, and the rollout pauses with reason
// deadline; the other host is healthy.
func TestRolloutHealthyDeadlineEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	rig := &crashRig{t: t, db: filepath.Join(t.TempDir(), "bootserver.db")}
	s, err := Open(rig.db, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	rig.token = adminToken(t, s, api.RoleAdmin).Token
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rig.crashed = true // no crash point: any failure is a failure
	rig.start("")
	t.Cleanup(rig.stop)
	for _, n := range []string{"dl-ok", "dl-stuck"} {
		h := rig.register(n)
		h.agents = []api.AgentStatus{{Name: "mon", Version: "1", DesiredVersion: "1", Status: "running"}}
		h.stuck = n == "dl-stuck"
		rig.hosts = append(rig.hosts, h)
	}
	id := rig.create(api.RolloutRequest{Job: api.JobRequest{Action: api.ActionUpgrade, Name: "mon",
		URL: "http://repo.example/mon-2.tar.gz", Checksum: sum64}, All: true, Waves: "100%", MaxInFlight: "2",
		Soak: "0s", HealthyDeadline: "3s"})
	start := time.Now()
	var ro api.RolloutInfo
	rig.rounds("the stuck host failed", func() bool {
		rig.admin(http.MethodGet, api.PathAdminRollouts+"/"+id, nil, &ro)
		return ro.Counts[api.HostFailed] > 0
	})
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("the stuck host failed %s after create, before its 3 s deadline", took)
	}
	rig.rounds("the rollout paused", func() bool {
		rig.admin(http.MethodGet, api.PathAdminRollouts+"/"+id, nil, &ro)
		return ro.State != api.RolloutRunning
	})
	if ro.State != api.RolloutPaused || ro.Reason != api.ReasonDeadline || ro.Counts[api.HostHealthy] != 1 ||
		len(ro.FailedHosts) != 1 || ro.FailedHosts[0].Hostname != "host-dl-stuck" {
		t.Fatalf("rollout %s (%s) %v failed %+v; want paused (deadline), dl-ok healthy, dl-stuck failed", ro.State, ro.Reason,
			ro.Counts, ro.FailedHosts)
	}
}
