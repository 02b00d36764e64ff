package api

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/internal/statedir"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAgentSNCreatedOnceAndStable(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state") // does not exist yet
	sn, err := LoadOrCreateAgentSN(state)
	if err != nil {
		t.Fatal(err)
	}
	if !uuidRE.MatchString(sn) {
		t.Fatalf("agentsn %q is not a version 4 UUID", sn)
	}
	for range 3 {
		again, err := LoadOrCreateAgentSN(state)
		if err != nil || again != sn {
			t.Fatalf("reload = %q, %v; want %q", again, err, sn)
		}
	}
	other, _ := LoadOrCreateAgentSN(t.TempDir())
	if other == sn {
		t.Fatal("two state dirs got the same agentsn")
	}
	if n := countFiles(t, state); n != 1 {
		t.Fatalf("%d files in the state dir, want only agentsn (no temp left)", n)
	}
}

func TestAgentSNReassigned(t *testing.T) {
	state := t.TempDir()
	if _, err := LoadOrCreateAgentSN(state); err != nil {
		t.Fatal(err)
	}
	const assigned = "dcb886e9-04ed-41bb-9c12-4d2de12cd59b"
	if err := SaveAgentSN(state, assigned); err != nil {
		t.Fatal(err)
	}
	if sn, err := LoadOrCreateAgentSN(state); err != nil || sn != assigned {
		t.Fatalf("after re-assignment: %q, %v", sn, err)
	}
}

func TestAgentSNInvalid(t *testing.T) {
	tests := []struct {
		name string
		sn   string
	}{
		{name: "empty", sn: ""},
		{name: "space", sn: "a b"},
		{name: "newline", sn: "a\nb"},
		{name: "slash", sn: "../x"},
		{name: "backslash", sn: `a\b`},
		{name: "too long", sn: strings.Repeat("a", 129)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			if err := SaveAgentSN(state, tt.sn); err == nil {
				t.Fatalf("SaveAgentSN(%q) accepted", tt.sn)
			}
			if _, err := os.Stat(statedir.AgentSN(state)); err == nil {
				t.Fatal("an invalid agentsn was written")
			}
		})
	}
	if err := SaveAgentSN(t.TempDir(), strings.Repeat("a", 128)); err != nil {
		t.Fatalf("128 chars refused: %v", err)
	}
}

func TestAgentSNFileStates(t *testing.T) {
	state := t.TempDir()
	p := statedir.AgentSN(state)
	if err := statedir.EnsurePrivate(state); err != nil {
		t.Fatal(err)
	}

	os.WriteFile(p, []byte("  hand-written-sn \n"), 0o644)
	if sn, err := LoadOrCreateAgentSN(state); err != nil || sn != "hand-written-sn" {
		t.Fatalf("hand-written: %q, %v", sn, err)
	}

	os.WriteFile(p, []byte("\n"), 0o644) // an operator asking for a new identity
	if sn, err := LoadOrCreateAgentSN(state); err != nil || !uuidRE.MatchString(sn) {
		t.Fatalf("empty file: %q, %v", sn, err)
	}

	os.WriteFile(p, []byte("has a/slash"), 0o644)
	if _, err := LoadOrCreateAgentSN(state); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("invalid file: err = %v, want one naming %s", err, p)
	}
	if data, _ := os.ReadFile(p); string(data) != "has a/slash" {
		t.Fatal("an invalid agentsn file was silently replaced")
	}
}

func TestServerConfig(t *testing.T) {
	state := t.TempDir()
	if c, err := LoadServerConfig(state); err != nil || c != (ServerConfig{}) {
		t.Fatalf("none saved: %+v, %v", c, err)
	}
	c := ServerConfig{}.Apply(Job{Action: ActionConfig, Svrlist: "192.168.9.1:1234,"})
	c = c.Apply(Job{Action: ActionConfig, Step: 60}) // keeps the svrlist
	if err := SaveServerConfig(state, c); err != nil {
		t.Fatal(err)
	}
	got, err := LoadServerConfig(state)
	if err != nil || got != (ServerConfig{Svrlist: "192.168.9.1:1234,", Step: 60}) {
		t.Fatalf("reloaded %+v, %v", got, err)
	}

	if err := SaveServerConfig(state, ServerConfig{Svrlist: "bad:port"}); err == nil {
		t.Fatal("invalid svrlist saved")
	}
	if err := SaveServerConfig(state, ServerConfig{Step: -1}); err == nil {
		t.Fatal("negative step saved")
	}
	if got, _ := LoadServerConfig(state); got.Step != 60 {
		t.Fatalf("a refused save changed the file: %+v", got)
	}

	p := statedir.ServerConfig(state)
	if err := statedir.EnsurePrivate(state); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte(`{"svrlist":1}`), 0o644)
	if _, err := LoadServerConfig(state); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("wrong type: err = %v, want one naming %s", err, p)
	}
}

// A corrupt server-config.json does not stop the daemon: the zero config
// with an error naming the file, the file kept aside where a later config
// job cannot overwrite it.
func TestServerConfigCorruptMovedAside(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{name: "not JSON", content: `{"svrlist": "10.0.0.1:80"`},
		{name: "wrong type", content: `{"svrlist": 1}`},
		{name: "invalid value", content: `{"step": -5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			p := statedir.ServerConfig(state)
			if err := statedir.EnsurePrivate(state); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadServerConfig(state)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), p+".corrupt") {
				t.Fatalf("err = %v, want one naming %s and where it was moved", err, p)
			}
			if c != (ServerConfig{}) {
				t.Errorf("config = %+v, want none", c)
			}
			if err := SaveServerConfig(state, ServerConfig{Step: 30}); err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(p + ".corrupt"); err != nil || string(b) != tt.content {
				t.Errorf("corrupt copy = %q, %v; want the original content", b, err)
			}
			if c, err := LoadServerConfig(state); err != nil || c.Step != 30 {
				t.Errorf("after a new save: %+v, %v", c, err)
			}
		})
	}
}
