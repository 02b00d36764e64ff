package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// job cancel withdraws a queued job, which then never reaches its host; a
// job already delivered (perhaps running on the host) is refused, and so
// is an unknown id.
func TestJobCancel(t *testing.T) {
	url, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")
	add := func() string {
		t.Helper()
		code, out, errs := run(t, env, "job", "add", "--server", url, "--host", "web-17", "--action", "restart", "--name", "mon")
		if code != 0 {
			t.Fatalf("job add: %d %s", code, errs)
		}
		f := strings.Fields(out)
		return f[len(f)-1]
	}
	queued := add()
	code, out, errs := run(t, env, "job", "cancel", queued)
	if code != 0 || !strings.Contains(out, "cancelled job "+queued) {
		t.Fatalf("job cancel: %d %q %q", code, out, errs)
	}
	code, out, _ = run(t, env, "job", "show", "--json", queued)
	var j api.JobInfo
	if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.State != api.JobFailed || j.Errcode != -1 ||
		!strings.Contains(j.Message, "cancelled") {
		t.Fatalf("cancelled job: %d %s", code, out)
	}
	delivered := add()
	raw, _ := json.Marshal(&api.StatusDoc{Hostname: "web-17", AgentSN: "sn-17"})
	jobs, err := st.Report(t.Context(), &api.StatusDoc{Hostname: "web-17", AgentSN: "sn-17"}, raw, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].ID != delivered {
		t.Fatalf("the host got %+v, want only job %s (not the cancelled %s)", jobs, delivered, queued)
	}
	if code, _, errs = run(t, env, "job", "cancel", delivered); code != 1 || !strings.Contains(errs, "only a queued job can be cancelled") {
		t.Errorf("cancel a delivered job: %d %q, want 1 and why", code, errs)
	}
	if code, _, errs = run(t, env, "job", "cancel", queued); code != 1 {
		t.Errorf("cancel a cancelled job: %d %q, want 1", code, errs)
	}
	if code, _, errs = run(t, env, "job", "cancel", "2b1c7f0e-0000-4000-8000-000000000000"); code != 1 || !strings.Contains(errs, "2b1c7f0e") {
		t.Errorf("cancel an unknown job: %d %q, want 1 naming it", code, errs)
	}
	if code, _, _ = run(t, env, "job", "cancel"); code != 2 {
		t.Errorf("job cancel with no id: exit %d, want 2", code)
	}
}
