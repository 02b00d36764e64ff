package supervise

import (
	"reflect"
	"strings"
	"testing"
)

func TestThreadMoves(t *testing.T) {
	hybridSelf := "9:name=systemd:/\n8:pids:/\n4:memory:/svc/x\n2:cpu,cpuacct:/\n0::/\n"
	tests := []struct {
		name    string
		paths   map[string]string
		rel     string
		self    string
		want    []threadMove
		wantErr string
	}{
		{
			name: "each hierarchy, back to the thread's own cgroup, unified left out",
			paths: map[string]string{
				"":             "/sys/fs/cgroup/unified/ba/a",
				"memory":       "/sys/fs/cgroup/memory/ba/a",
				"pids":         "/sys/fs/cgroup/pids/ba/a",
				"name=systemd": "/sys/fs/cgroup/systemd/ba/a",
			},
			rel:  "ba/a",
			self: hybridSelf,
			want: []threadMove{
				{to: "/sys/fs/cgroup/memory/ba/a", back: "/sys/fs/cgroup/memory/svc/x"},
				{to: "/sys/fs/cgroup/pids/ba/a", back: "/sys/fs/cgroup/pids"},
				{to: "/sys/fs/cgroup/systemd/ba/a", back: "/sys/fs/cgroup/systemd"},
			},
		},
		{
			name: "co-mounted controllers share one directory, visited once",
			paths: map[string]string{
				"cpu":     "/sys/fs/cgroup/cpu,cpuacct/a",
				"cpuacct": "/sys/fs/cgroup/cpu,cpuacct/a",
			},
			rel:  "a",
			self: hybridSelf,
			want: []threadMove{{to: "/sys/fs/cgroup/cpu,cpuacct/a", back: "/sys/fs/cgroup/cpu,cpuacct"}},
		},
		{
			name:    "a controller the thread is not in",
			paths:   map[string]string{"blkio": "/sys/fs/cgroup/blkio/a"},
			rel:     "a",
			self:    hybridSelf,
			wantErr: "own blkio cgroup",
		},
		{
			name:    "a directory not ending in the cgroup's path",
			paths:   map[string]string{"memory": "/sys/fs/cgroup/memory/other"},
			rel:     "a",
			self:    hybridSelf,
			wantErr: "does not end in",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := threadMoves(tt.paths, tt.rel, tt.self)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
