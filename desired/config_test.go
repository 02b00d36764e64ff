package desired

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	want := RestartPolicy{Delay: Duration(3 * time.Minute), Window: Duration(15 * time.Minute), MaxFailures: 3}
	switch {
	case c.StateDir != "/var/lib/bootagent", c.DesiredDir != "/etc/bootagent/agents.d":
		t.Errorf("dirs = %q, %q", c.StateDir, c.DesiredDir)
	case c.Step.D() != 600*time.Second, c.Restart != want, c.CgroupParent != "bootagent", c.LogFormat != "text":
		t.Errorf("defaults = %+v", c)
	case c.StopGrace.D() != 10*time.Second, c.LogMaxBytes() != 10<<20, c.LogKeep != 3:
		t.Errorf("extension defaults = %+v", c)
	case c.PackageMaxDownloadBytes() != 2<<30, c.PackageMaxUnpackedBytes() != 8<<30, c.PackageMaxEntries != 100000:
		t.Errorf("package limits = %q %q %d", c.PackageMaxDownload, c.PackageMaxUnpacked, c.PackageMaxEntries)
	case c.SocketPath() != "/var/lib/bootagent/bootagent.sock":
		t.Errorf("SocketPath() = %q", c.SocketPath())
	}
	if fes := c.fieldErrors(); len(fes) > 0 {
		t.Errorf("defaults do not validate: %v", fes)
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		check    func(t *testing.T, c Config, dir string)
		wantErrs []wantErr
	}{
		{
			name: "empty file is all defaults",
			yaml: "# nothing\n",
			check: func(t *testing.T, c Config, dir string) {
				want := DefaultConfig()
				want.Path = filepath.Join(dir, "bootagent.yaml")
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got %+v, want %+v", c, want)
				}
			},
		},
		{
			name: "every key",
			yaml: `state_dir: /srv/state
desired_dir: /srv/agents.d
control_socket: /run/ba.sock
servers: ["http://10.0.0.5:8600", "10.0.0.6:8600"]
step: 30
hostname: web-17
restart: {delay: 1s, window: 1m, max_failures: 5}
cgroup_parent: system.slice/bootagent
keep_agents_on_exit: true
log_format: json
stop_grace: 2s
log_max_size: 1G
log_keep: 0
`,
			check: func(t *testing.T, c Config, dir string) {
				if c.StateDir != "/srv/state" || c.DesiredDir != "/srv/agents.d" || c.SocketPath() != "/run/ba.sock" ||
					len(c.Servers) != 2 || c.Step.D() != 30*time.Second || c.Hostname != "web-17" ||
					c.Restart != (RestartPolicy{Duration(time.Second), Duration(time.Minute), 5}) ||
					c.CgroupParent != "system.slice/bootagent" || !c.KeepAgentsOnExit || c.LogFormat != "json" ||
					c.StopGrace.D() != 2*time.Second || c.LogMaxBytes() != 1<<30 || c.LogKeep != 0 {
					t.Errorf("got %+v", c)
				}
			},
		},
		{
			name: "package limits",
			yaml: "package_max_download: 512M\npackage_max_unpacked: 1.5G\npackage_max_entries: 20\n",
			check: func(t *testing.T, c Config, dir string) {
				if c.PackageMaxDownloadBytes() != 512<<20 || c.PackageMaxUnpackedBytes() != 1536<<20 || c.PackageMaxEntries != 20 {
					t.Errorf("package limits = %d %d %d", c.PackageMaxDownloadBytes(), c.PackageMaxUnpackedBytes(), c.PackageMaxEntries)
				}
			},
		},
		{
			name: "partial restart keeps the other defaults",
			yaml: "restart:\n  delay: 10s\n",
			check: func(t *testing.T, c Config, dir string) {
				want := RestartPolicy{Delay: Duration(10 * time.Second), Window: Duration(15 * time.Minute), MaxFailures: 3}
				if c.Restart != want {
					t.Errorf("restart = %+v, want %+v", c.Restart, want)
				}
			},
		},
		{
			name: "null values keep defaults",
			yaml: "restart:\nstep:\n",
			check: func(t *testing.T, c Config, dir string) {
				if c.Restart != DefaultConfig().Restart || c.Step != DefaultConfig().Step {
					t.Errorf("got %+v", c)
				}
			},
		},
		{
			name: "relative paths resolve against the file's directory",
			yaml: "state_dir: state\ndesired_dir: ./agents.d\ncontrol_socket: ../run/ba.sock\n",
			check: func(t *testing.T, c Config, dir string) {
				if c.StateDir != filepath.Join(dir, "state") || c.DesiredDir != filepath.Join(dir, "agents.d") ||
					c.ControlSocket != filepath.Join(filepath.Dir(dir), "run/ba.sock") {
					t.Errorf("got %q %q %q (dir %s)", c.StateDir, c.DesiredDir, c.ControlSocket, dir)
				}
			},
		},
		{
			name: "default socket follows state_dir",
			yaml: "state_dir: state\n",
			check: func(t *testing.T, c Config, dir string) {
				if c.SocketPath() != filepath.Join(dir, "state", "bootagent.sock") {
					t.Errorf("SocketPath() = %q", c.SocketPath())
				}
			},
		},
		{
			// Parse, don't just validate: the config holds the base URLs
			// the client will use, not the strings as written.
			name: "servers become the client's base URLs",
			yaml: "servers: [\"HTTP://Ctl.Example:8600/\", \"10.0.0.6:8600\"]\n",
			check: func(t *testing.T, c Config, dir string) {
				if want := []string{"http://ctl.example:8600", "http://10.0.0.6:8600"}; !reflect.DeepEqual(c.Servers, want) {
					t.Errorf("Servers = %q, want %q", c.Servers, want)
				}
			},
		},
		{name: "unknown key with its line", yaml: "step: 10\n\nstepp: 5\n", wantErrs: []wantErr{{3, `unknown key "stepp"`}}},
		{name: "unknown nested key", yaml: "restart:\n  delay: 1s\n  retries: 2\n", wantErrs: []wantErr{{3, `unknown key "retries" in restart`}}},
		{name: "path is not a key", yaml: "path: /x\n", wantErrs: []wantErr{{1, `unknown key "path"`}}},
		{name: "bad duration", yaml: "step: soon\n", wantErrs: []wantErr{{1, `invalid duration "soon"`}}},
		{name: "zero step", yaml: "step: 0\n", wantErrs: []wantErr{{1, "step: must be above 0"}}},
		{name: "log_format", yaml: "log_format: xml\n", wantErrs: []wantErr{{1, `log_format: "xml" is not "text" or "json"`}}},
		{name: "log_max_size", yaml: "log_max_size: big\n", wantErrs: []wantErr{{1, `log_max_size: memory size "big"`}}},
		{name: "bad package_max_download", yaml: "step: 1\npackage_max_download: lots\n", wantErrs: []wantErr{{2, `package_max_download: memory size "lots"`}}},
		{name: "zero package_max_unpacked", yaml: "package_max_unpacked: 0\n", wantErrs: []wantErr{{1, `package_max_unpacked: memory size "0" must be above 0`}}},
		{name: "zero package_max_entries", yaml: "\npackage_max_entries: 0\n", wantErrs: []wantErr{{2, "package_max_entries: 0 must be above 0"}}},
		{name: "package_max_entries not a number", yaml: "package_max_entries: many\n", wantErrs: []wantErr{{1, "cannot unmarshal"}}},
		{name: "negative log_keep", yaml: "log_keep: -1\n", wantErrs: []wantErr{{1, "log_keep: -1 is negative"}}},
		{name: "negative max_failures", yaml: "restart:\n  max_failures: -1\n", wantErrs: []wantErr{{2, "restart.max_failures: -1 is negative"}}},
		{name: "absolute cgroup_parent", yaml: "cgroup_parent: /sys/fs/cgroup\n", wantErrs: []wantErr{{1, "must be a relative path"}}},
		// Issue 9: this validated, then the client dropped it and the
		// daemon ran offline.
		{name: "server with user info", yaml: "servers: [\"http://user:pw@127.0.0.1:9\"]\n", wantErrs: []wantErr{{1, `servers.0: "http://user:xxxxx@127.0.0.1:9": a server address takes no user or password`}}},
		{name: "bare server without port", yaml: "servers: [ctl.example]\n", wantErrs: []wantErr{{1, `servers.0: "ctl.example" has no port`}}},
		{name: "cgroup_parent empty element, refused by the cgroup code", yaml: "cgroup_parent: a//b\n", wantErrs: []wantErr{{1, `element ""`}}},
		{name: "cgroup_parent escaping", yaml: "cgroup_parent: a/../../b\n", wantErrs: []wantErr{{1, `element ".." is not`}}},
		{name: "empty cgroup_parent", yaml: "cgroup_parent: ''\n", wantErrs: []wantErr{{1, "cgroup_parent: must not be empty"}}},
		{name: "bad server", yaml: "servers:\n  - http://ok:1\n  - ftp://x\n", wantErrs: []wantErr{{3, `servers.1: "ftp://x"`}}},
		{name: "wrong type", yaml: "servers: http://x\n", wantErrs: []wantErr{{1, "cannot unmarshal"}}},
		{name: "not a mapping", yaml: "- a\n", wantErrs: []wantErr{{1, "must be a mapping"}}},
		{name: "two documents", yaml: "step: 1\n---\nstep: 2\n", wantErrs: []wantErr{{2, "single YAML document"}}},
		{name: "malformed", yaml: "step: [1\n", wantErrs: []wantErr{{1, "invalid YAML"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bootagent.yaml")
			writeFile(t, path, tt.yaml)
			c, err := LoadConfig(path)
			if tt.wantErrs != nil {
				var errs Errors
				if !errors.As(err, &errs) {
					t.Fatalf("LoadConfig() error = %v, want Errors", err)
				}
				checkErrors(t, errs, path, tt.wantErrs)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Path != path {
				t.Errorf("Path = %q, want %q", c.Path, path)
			}
			tt.check(t, c, dir)
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	_, err := LoadConfig(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("LoadConfig(missing) = %v, want a not-exist error naming the file", err)
	}
}

func TestLoadConfigRelativePath(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.yaml"), "desired_dir: agents.d\n")
	t.Chdir(dir)
	c, err := LoadConfig("b.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != filepath.Join(dir, "b.yaml") || c.DesiredDir != filepath.Join(dir, "agents.d") {
		t.Errorf("Path %q DesiredDir %q, want both absolute under %s", c.Path, c.DesiredDir, dir)
	}
}

func TestLogMaxBytesFallback(t *testing.T) {
	c := Config{LogMaxSize: "garbage"}
	if c.LogMaxBytes() != 10<<20 {
		t.Errorf("LogMaxBytes() = %d, want the 10M default", c.LogMaxBytes())
	}
	if c.PackageMaxDownloadBytes() != 2<<30 || c.PackageMaxUnpackedBytes() != 8<<30 {
		t.Errorf("package limits of an unvalidated config = %d %d, want the defaults", c.PackageMaxDownloadBytes(), c.PackageMaxUnpackedBytes())
	}
}
