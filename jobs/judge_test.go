package jobs

import (
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
)

func TestJudge(t *testing.T) {
	now := time.Unix(10000, 0)
	since := now.Add(-time.Minute)
	startup := 10 * time.Second
	running := func(mut ...func(*actual.Agent)) *actual.Agent {
		a := &actual.Agent{Name: "a", Status: actual.Running, Pid: 7, AppliedHash: "H", StartedAt: now.Add(-30 * time.Second), Version: "2.0"}
		for _, m := range mut {
			m(a)
		}
		return a
	}
	job := func(action, hash string) PendingJob {
		return PendingJob{ID: "j", Action: action, Name: "a", DesiredHash: hash, Since: since}
	}
	tests := []struct {
		name      string
		job       PendingJob
		obs       *actual.Agent
		wantState string
		wantCode  int
		wantMsg   string
		wantAt    time.Time
	}{
		{"install: running past start-up", job("install", "H"), running(), JobDone, 0, "version 2.0 running (pid 7) for 30s", time.Time{}},
		{"install: nothing observed yet", job("install", "H"), nil, JobPending, 0, "", time.Time{}},
		{"install: downloading", job("install", "H"), running(func(a *actual.Agent) { a.Pid = 0; a.Installing = true; a.Message = "fetching x" }), JobDownloading, 0, "fetching x", time.Time{}},
		{"install: in start-up", job("install", "H"), running(func(a *actual.Agent) { a.StartedAt = now.Add(-2 * time.Second) }), JobPending, 0, "started, in its start-up period", now.Add(8 * time.Second)},
		{"install: checksum failure is fatal", job("install", "H"), running(func(a *actual.Agent) {
			a.Pid, a.Status, a.BlockedHash, a.Message = 0, actual.Fatal, "H", "install failed: checksum mismatch: want A, got B"
		}), JobFailed, 1, "install failed: checksum mismatch: want A, got B", time.Time{}},
		{"upgrade: rolled back", job("upgrade", "H"), running(func(a *actual.Agent) {
			a.AppliedHash, a.BadHash, a.Version, a.Message = "OLD", "H", "1.0", "target 2.0 failed (exited with code 2), running 1.0"
		}), JobFailed, 1, "target 2.0 failed (exited with code 2), running 1.0", time.Time{}},
		{"upgrade: old version still running", job("upgrade", "H"), running(func(a *actual.Agent) { a.AppliedHash = "OLD" }), JobPending, 0, "", time.Time{}},
		{"start: crash loop ends fatal", job("start", "H"), running(func(a *actual.Agent) {
			a.Pid, a.Status, a.BlockedHash, a.Message = 0, actual.Fatal, "H", "fatal after 4 abnormal exits (last: exited with code 1)"
		}), JobFailed, 1, "fatal after 4 abnormal exits (last: exited with code 1)", time.Time{}},
		{"fatal for another doc does not fail this job", job("start", "H"), running(func(a *actual.Agent) {
			a.Pid, a.Status, a.BlockedHash = 0, actual.Fatal, "OTHER"
		}), JobPending, 0, "", time.Time{}},
		{"restart of a fatal agent: pending until it happened", job("restart", "H"), running(func(a *actual.Agent) {
			a.Pid, a.Status, a.BlockedHash, a.RestartRequested = 0, actual.Fatal, "H", true
		}), JobPending, 0, "", time.Time{}},
		{"restart: process from before the job", job("restart", "H"), running(func(a *actual.Agent) { a.StartedAt = since.Add(-time.Second) }), JobPending, 0, "", time.Time{}},
		{"restart: new process past start-up", job("restart", "H"), running(), JobDone, 0, "version 2.0 running (pid 7) for 30s", time.Time{}},
		{"stop: stopped", job("stop", "S"), &actual.Agent{Name: "a", Status: actual.Stopped, AppliedHash: "S"}, JobDone, 0, "stopped", time.Time{}},
		{"stop: still running", job("stop", "S"), running(), JobPending, 0, "", time.Time{}},
		{"upgrade of a stopped agent: package staged", job("upgrade", "S"), &actual.Agent{Name: "a", Status: actual.Stopped, AppliedHash: "S", PackageHash: "S", Version: "2.0"},
			JobDone, 0, "version 2.0 installed, stopped as desired", time.Time{}},
		{"upgrade of a stopped agent: still staging", job("upgrade", "S"), &actual.Agent{Name: "a", Status: actual.Stopped, AppliedHash: "S", Installing: true, Message: "x"},
			JobDownloading, 0, "x", time.Time{}},
		{"upgrade of a stopped agent: package not staged yet", job("upgrade", "S"), &actual.Agent{Name: "a", Status: actual.Stopped, AppliedHash: "S", PackageHash: "OLD"},
			JobPending, 0, "", time.Time{}},
		{"uninstall: gone", job("uninstall", ""), nil, JobDone, 0, "uninstalled", time.Time{}},
		{"uninstall: still there", job("uninstall", ""), running(), JobPending, 0, "", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Judge(tc.job, tc.obs, startup, now)
			if v.State != tc.wantState || v.Errcode != tc.wantCode || v.Message != tc.wantMsg || !v.RecheckAt.Equal(tc.wantAt) {
				t.Fatalf("Judge = %+v, want state %s code %d msg %q at %v", v, tc.wantState, tc.wantCode, tc.wantMsg, tc.wantAt)
			}
		})
	}
}
