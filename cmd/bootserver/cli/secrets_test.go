package cli

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/testlog"
	"github.com/bootagent/bootagent/server"
)

// A job's env values and URL password go to the agent only: job add, jobs
// and job show (table and --json) and the server's log show env names and
// the redacted URL (SPEC §10), while the agent still gets the job whole.
func TestJobSecretsNotShown(t *testing.T) {
	const secret = "s3cr3t-VALUE-1"
	const pw = "pw-SECRET"
	var logs testlog.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dir := t.TempDir()
	st, err := server.Open(filepath.Join(dir, "bootserver.db"), server.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := server.EnsureAdminTokenFile(t.Context(), st, dir); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.New(st, log).Handler())
	t.Cleanup(func() { hs.Close(); st.Close() })
	env := map[string]string{"BOOTSERVER_URL": hs.URL, "BOOTSERVER_DATA_DIR": dir}
	seed(t, st, "web-17", "sn-17")

	code, out, errs := run(t, env, "job", "add", "--json", "--host", "web-17", "--action", "install", "--name", "BasicAgent",
		"--url", "http://user:"+pw+"@repo.example/BasicAgent-1.5.6.tgz", "--checksum", sum64,
		"--env", "TOKEN="+secret, "--env", "MODE=fast")
	if code != 0 {
		t.Fatalf("job add: %d %s", code, errs)
	}
	var j api.JobInfo
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{"job add --json": out}
	for _, args := range [][]string{{"jobs"}, {"jobs", "--json"}, {"job", "show", j.ID}, {"job", "show", "--json", j.ID}} {
		code, out, errs := run(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
		outputs[strings.Join(args[:len(args)-1], " ")+" "+args[len(args)-1]] = out
	}
	outputs["server log"] = logs.String()
	for what, text := range outputs {
		if strings.Contains(text, secret) || strings.Contains(text, pw) {
			t.Errorf("%s shows a secret:\n%s", what, text)
		}
	}
	if show := outputs["job show "+j.ID]; !regexp.MustCompile(`envs +MODE,TOKEN\n`).MatchString(show) || !strings.Contains(show, "user:xxxxx@repo.example") {
		t.Errorf("job show does not name the envs and the URL:\n%s", show)
	}

	doc := &api.StatusDoc{Hostname: "web-17", AgentSN: "sn-17", Step: 60}
	raw, _ := json.Marshal(doc)
	jobs, err := st.Report(t.Context(), doc, raw, "127.0.0.1")
	if err != nil || len(jobs) != 1 || jobs[0].Envs["TOKEN"] != secret || !strings.Contains(jobs[0].URL, pw) {
		t.Fatalf("the agent's job = %+v, %v: want it whole", jobs, err)
	}
}
