package desired

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/statedir"
)

func TestOpenServerSource(t *testing.T) {
	const valid = `[{"name": "web", "command": ["sleep", "300"]}]`
	tests := []struct {
		name         string
		files        map[string]string // in the state dir
		wantDocs     string
		wantDegraded string // substring of Degraded(); "" for none
		wantAside    string // content expected in server-desired.json.corrupt
	}{
		{name: "no file yet: an empty set", wantDocs: ""},
		{name: "a valid file", files: map[string]string{serverStateName: valid}, wantDocs: "web"},
		{
			name:         "not JSON: degraded, moved aside",
			files:        map[string]string{serverStateName: `[{"name": "web"`},
			wantDegraded: "is corrupt: unexpected end of JSON input (moved aside to ",
			wantAside:    `[{"name": "web"`,
		},
		{
			name:         "an invalid doc: degraded, moved aside",
			files:        map[string]string{serverStateName: `[{"name": "../etc", "command": ["x"]}]`},
			wantDegraded: "is corrupt:",
			wantAside:    `[{"name": "../etc", "command": ["x"]}]`,
		},
		{
			name:         "missing since an earlier start found it corrupt: still degraded",
			files:        map[string]string{serverStateName + ".corrupt": "{"},
			wantDegraded: "is missing since it was found corrupt",
			wantAside:    "{",
		},
		{
			name:     "restored next to its corrupt copy: the file is the truth",
			files:    map[string]string{serverStateName: valid, serverStateName + ".corrupt": "{"},
			wantDocs: "web",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, content := range tt.files {
				if err := statedir.EnsurePrivate(dir); err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(statedir.Private(dir), f), content)
			}
			s := OpenServerSource(dir)
			snap := s.Snapshot()
			if got := names(snap); got != tt.wantDocs {
				t.Errorf("docs = %q, want %q", got, tt.wantDocs)
			}
			err := s.Degraded()
			switch {
			case tt.wantDegraded == "" && (err != nil || snap.Degraded || len(snap.Problems) > 0):
				t.Errorf("degraded: %v, snapshot %+v; want a healthy source", err, snap)
			case tt.wantDegraded != "" && (err == nil || !strings.Contains(err.Error(), tt.wantDegraded)):
				t.Errorf("Degraded() = %v, want it to contain %q", err, tt.wantDegraded)
			case tt.wantDegraded != "" && (!snap.Degraded || len(snap.Problems) != 1 || !strings.Contains(snap.Problems[0].String(), statedir.ServerDesired(dir))):
				t.Errorf("snapshot = %+v, want Degraded with one problem naming the file", snap)
			}
			if tt.wantAside != "" {
				if b, err := os.ReadFile(statedir.ServerDesired(dir) + ".corrupt"); err != nil || string(b) != tt.wantAside {
					t.Errorf("corrupt copy = %q (%v), want %q", b, err, tt.wantAside)
				}
			}
		})
	}
}

// While degraded: rebuilt docs are supervised, jobs that would rewrite the
// state are refused (nothing only the corrupt file knew is lost), restart
// still works; a valid file and a re-read end it.
func TestServerSourceDegradedLifecycle(t *testing.T) {
	dir := t.TempDir()
	path := statedir.ServerDesired(dir)
	if err := statedir.EnsurePrivate(dir); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "not json")
	s := OpenServerSource(dir)
	if s.Degraded() == nil {
		t.Fatal("a corrupt file did not degrade the source")
	}

	web := Doc{Name: "web", Command: []string{"sleep", "300"}, Env: map[string]string{"TOKEN": "x"}}
	added, err := s.Recover([]Doc{web, {Name: "../bad", Command: []string{"x"}}})
	if err != nil || !slices.Equal(added, []string{"web"}) {
		t.Fatalf("Recover = %v, %v; want web only (an invalid doc is skipped)", added, err)
	}
	snap := s.Snapshot()
	if names(snap) != "web" || snap.Docs[0].Source != SourceServer || !snap.Degraded {
		t.Fatalf("snapshot = %+v, want the rebuilt web, degraded", snap)
	}
	if p := snap.Problems[0]; !slices.Equal(p.Agents, []string{"web"}) || !strings.Contains(p.Msg, "rebuilt from run records") {
		t.Errorf("problem = %+v, want one naming the rebuilt agent", p)
	}
	fi, err := os.Stat(path + ".rebuilt")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("rebuilt copy: %v, %v; want a 0600 file", fi, err)
	}

	for _, job := range []api.Job{
		{ID: "1", Action: api.ActionInstall, Name: "db", URL: "http://127.0.0.1:9/db.tar.gz"},
		{ID: "2", Action: api.ActionUninstall, Name: "web"},
		{ID: "3", Action: api.ActionStop, Name: "web"},
	} {
		if _, err := s.Apply(job); !errors.Is(err, ErrServerStateDegraded) || !strings.Contains(err.Error(), "SIGHUP") {
			t.Errorf("%s while degraded: err = %v, want ErrServerStateDegraded saying how to end it", job.Action, err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a refused job wrote %s: %v", path, err)
	}
	if d, err := s.Apply(api.Job{ID: "4", Action: api.ActionRestart, Name: "web"}); err != nil || d == nil || d.Name != "web" {
		t.Errorf("restart while degraded = %v, %v; want web", d, err)
	}

	s.Reload()
	if s.Degraded() == nil || names(s.Snapshot()) != "web" {
		t.Fatal("a re-read with the file still missing ended the degraded state")
	}
	if err := os.Rename(path+".rebuilt", path); err != nil { // the operator accepts the rebuilt set
		t.Fatal(err)
	}
	if !s.Reload() || s.Degraded() != nil {
		t.Fatalf("a re-read of a valid file did not end the degraded state: %v", s.Degraded())
	}
	if snap := s.Snapshot(); names(snap) != "web" || snap.Degraded || len(snap.Problems) != 0 || snap.Docs[0].Env["TOKEN"] != "x" {
		t.Errorf("snapshot after the re-read = %+v", snap)
	}
	if _, err := s.Apply(api.Job{ID: "5", Action: api.ActionStop, Name: "web"}); err != nil {
		t.Errorf("a job after recovery: %v", err)
	}
}

const serverStateName = "server-desired.json"
