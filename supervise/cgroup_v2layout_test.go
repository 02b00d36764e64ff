package supervise

// The v2 layout decisions (SPEC §5: the daemon in <own>/daemon, agents in
// <own>/<cgroup_parent>/<name>), checked on any host; the effects are
// exercised on a real v2 kernel by `make test-cgroup2`.

import (
	"errors"
	"slices"
	"testing"
)

func TestCgroupV2SelfPath(t *testing.T) {
	tests := []struct {
		name, content, want string
		wantErr             bool
	}{
		{name: "root", content: "0::/\n", want: ""},
		{name: "systemd service", content: "0::/system.slice/bootagent.service\n", want: "system.slice/bootagent.service"},
		{name: "hybrid lines around it", content: "12:memory:/x\n0::/user.slice\n1:name=systemd:/y\n", want: "user.slice"},
		{name: "v1 only", content: "12:memory:/x\n", wantErr: true},
		{name: "empty", content: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupV2SelfPath(tt.content)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("cgroupV2SelfPath(%q) = %q, %v; want %q (error %v)", tt.content, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCgroupV2Own(t *testing.T) {
	tests := []struct {
		name, self, want string
		inLeaf           bool
	}{
		{name: "started at the root", self: "", want: ""},
		{name: "restarted in the root's leaf", self: "daemon", want: "", inLeaf: true},
		{name: "started by systemd", self: "system.slice/bootagent.service", want: "system.slice/bootagent.service"},
		{name: "restarted in place after SIGKILL or upgrade: no second nesting", self: "system.slice/bootagent.service/daemon", want: "system.slice/bootagent.service", inLeaf: true},
		{name: "slashes", self: "/system.slice/bootagent.service/daemon/", want: "system.slice/bootagent.service", inLeaf: true},
		{name: "a name merely ending in daemon", self: "system.slice/mydaemon", want: "system.slice/mydaemon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, inLeaf := cgroupV2Own(tt.self)
			if got != tt.want || inLeaf != tt.inLeaf {
				t.Fatalf("cgroupV2Own(%q) = %q, %v; want %q, %v", tt.self, got, inLeaf, tt.want, tt.inLeaf)
			}
		})
	}
}

func TestCgroupV2AgentPath(t *testing.T) {
	tests := []struct {
		name, own, parent, agent, want string
		wantErr                        bool
	}{
		{name: "root", own: "", parent: "bootagent", agent: "a", want: "bootagent/a"},
		{name: "systemd service", own: "system.slice/bootagent.service", parent: "bootagent", agent: "a", want: "system.slice/bootagent.service/bootagent/a"},
		{name: "nested parent", own: "s.service", parent: "x/y", agent: "a", want: "s.service/x/y/a"},
		{name: "no parent", own: "s.service", parent: "", agent: "a", want: "s.service/a"},
		{name: "agent named daemon without parent is the daemon's leaf", own: "s.service", parent: "", agent: "daemon", wantErr: true},
		{name: "parent inside the daemon's leaf", own: "s.service", parent: "daemon/x", agent: "a", wantErr: true},
		{name: "agent named daemon under a parent is fine", own: "s.service", parent: "bootagent", agent: "daemon", want: "s.service/bootagent/daemon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupV2AgentPath(tt.own, tt.parent, tt.agent)
			if tt.wantErr {
				if !errors.Is(err, ErrCgroupInvalidName) {
					t.Fatalf("cgroupV2AgentPath(%q, %q, %q) = %q, %v; want ErrCgroupInvalidName", tt.own, tt.parent, tt.agent, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("cgroupV2AgentPath(%q, %q, %q) = %q, %v; want %q", tt.own, tt.parent, tt.agent, got, err, tt.want)
			}
		})
	}
}

func TestCgroupV2Chain(t *testing.T) {
	tests := []struct {
		name, own, rel string
		want           []string
	}{
		{name: "root", own: "", rel: "bootagent/a", want: []string{"", "bootagent", "bootagent/a"}},
		{name: "beneath own", own: "s.slice/b.service", rel: "s.slice/b.service/bootagent/a",
			want: []string{"s.slice/b.service", "s.slice/b.service/bootagent", "s.slice/b.service/bootagent/a"}},
		{name: "own itself", own: "b.service", rel: "b.service", want: []string{"b.service"}},
		{name: "recorded by an older daemon at the root", own: "b.service", rel: "bootagent/a", want: []string{"", "bootagent", "bootagent/a"}},
		{name: "a sibling sharing a prefix is outside", own: "b.service", rel: "b.service2/a", want: []string{"", "b.service2", "b.service2/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cgroupV2Chain(tt.own, tt.rel); !slices.Equal(got, tt.want) {
				t.Fatalf("cgroupV2Chain(%q, %q) = %q, want %q", tt.own, tt.rel, got, tt.want)
			}
		})
	}
}

func TestCgroupV2Missing(t *testing.T) {
	tests := []struct {
		name, have string
		want       []string
		line       string
	}{
		{name: "all delegated", have: "cpuset cpu io memory pids\n", want: nil},
		{name: "none", have: "", want: []string{"cpu", "memory"}, line: "+cpu +memory"},
		{name: "memory not delegated", have: "cpu pids", want: []string{"memory"}, line: "+memory"},
		{name: "no prefix matches", have: "cpuset memory_x", want: []string{"cpu", "memory"}, line: "+cpu +memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cgroupV2Missing(cgroupV2Needed, tt.have)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("cgroupV2Missing(%q) = %q, want %q", tt.have, got, tt.want)
			}
			if line := cgroupV2EnableLine(got); line != tt.line {
				t.Fatalf("cgroupV2EnableLine(%q) = %q, want %q", got, line, tt.line)
			}
		})
	}
}
