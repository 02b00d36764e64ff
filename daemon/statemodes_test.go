package daemon

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
)

func TestStateModeMax(t *testing.T) {
	tests := []struct {
		name  string
		rel   string
		isDir bool
		max   fs.FileMode
		walk  bool
		ok    bool
	}{
		{name: "state dir: search only for others", rel: ".", isDir: true, max: 0o711, walk: true, ok: true},
		{name: "run records hold env", rel: "run", isDir: true, max: 0o700, walk: true, ok: true},
		{name: "a run record", rel: "run/a.json", max: 0o600, ok: true},
		{name: "server docs at the top", rel: "server-desired.json", max: 0o600, ok: true},
		{name: "outbox items, nested", rel: "outbox/events/00000000000000000001.json", max: 0o600, ok: true},
		{name: "logs", rel: "logs", isDir: true, max: 0o700, walk: true, ok: true},
		{name: "agents dir: agents must reach their own", rel: "agents", isDir: true, max: 0o711, ok: true},
		{name: "an agent's working dir is its own", rel: "agents/low", isDir: true},
		{name: "packages belong to the store", rel: "packages", isDir: true},
		{name: "so does tmp", rel: "tmp/x", isDir: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max, walk, ok := stateModeMax(tt.rel, tt.isDir)
			if max != tt.max || walk != tt.walk || ok != tt.ok {
				t.Fatalf("stateModeMax(%q) = %o, %v, %v; want %o, %v, %v", tt.rel, max, walk, ok, tt.max, tt.walk, tt.ok)
			}
		})
	}
}

func TestTightened(t *testing.T) {
	tests := []struct {
		name   string
		mode   fs.FileMode
		max    fs.FileMode
		want   fs.FileMode
		change bool
	}{
		{name: "world-readable file", mode: 0o644, max: 0o600, want: 0o600, change: true},
		{name: "already private", mode: 0o600, max: 0o600, want: 0o600},
		{name: "stricter kept", mode: 0o400, max: 0o600, want: 0o400},
		{name: "open state dir", mode: fs.ModeDir | 0o755, max: 0o711, want: 0o711, change: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, change := tightened(tt.mode, tt.max)
			if got != tt.want || change != tt.change {
				t.Fatalf("tightened(%o, %o) = %o, %v; want %o, %v", tt.mode, tt.max, got, change, tt.want, tt.change)
			}
		})
	}
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// What holds env or identity is 0600 in 0700 directories, whether the
// daemon writes it now or an older version left it world-readable.
func TestStateFilesArePrivate(t *testing.T) {
	root := t.TempDir()
	state := filepath.Join(root, "state")
	// As an older version left them.
	for _, dir := range []string{state, filepath.Join(state, "run"), filepath.Join(state, "logs"), filepath.Join(state, "agents", "low")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(state, "agentsn"), []byte("bfdcc18c-0000-4000-8000-000000000001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "logs", "a.log"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := "state_dir: " + state + "\ndesired_dir: " + filepath.Join(root, "agents.d") + "\n"
	if err := os.WriteFile(filepath.Join(root, "bootagent.yaml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	d := newTestDaemonAt(t, filepath.Join(root, "bootagent.yaml"))
	// Written now.
	if err := (actual.Records{Dir: filepath.Join(state, "run")}).Save(actual.Record{Name: "new", Pid: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.server.Apply(api.Job{ID: "j1", Action: api.ActionInstall, Name: "x", URL: "http://127.0.0.1:9/x.tar.gz",
		Checksum: "SHA256:" + strings.Repeat("a", 64), Envs: map[string]string{"TOKEN": "secret"}}); err != nil {
		t.Fatal(err)
	}
	if err := api.SaveServerConfig(state, api.ServerConfig{Step: 5}); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{
		".": 0o711, "agents": 0o711, "agents/low": 0o755, "run": 0o700, "logs": 0o700,
		"run/new.json": 0o600, "logs/a.log": 0o600, "bootagent.sock": 0o600, "outbox": 0o700, "outbox/events": 0o700, "jobs": 0o700,
		// The secrets are in private/, the old top-level agentsn moved there.
		"private": 0o700, "private/server-desired.json": 0o600, "private/agentsn": 0o600, "private/server-config.json": 0o600,
	}
	if _, err := os.Lstat(filepath.Join(state, "agentsn")); err == nil {
		t.Error("agentsn left on top of the 0711 state dir")
	}
	for rel, mode := range want {
		if got := perm(t, filepath.Join(state, rel)); got != mode {
			t.Errorf("%s: mode %o, want %o", rel, got, mode)
		}
	}
}
