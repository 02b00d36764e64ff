package supervise

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// threadMove is one v1 hierarchy the forking thread visits: its tid is
// written to to/tasks before the fork and to back/tasks after.
type threadMove struct {
	to, back string // cgroup directories
}

// threadMoves computes the moves for the agent cgroup rel whose directories
// are paths (subsystem -> dir, as the cgroup library lists them; "" is the
// unified tree of a hybrid host, which a thread cannot be moved in alone and
// is left out), given the thread's own /proc/thread-self/cgroup. Co-mounted
// controllers share a directory, visited once. The thread's cgroup in a
// hierarchy is found under the same mount point as the agent's, which is
// the agent's directory without rel.
func threadMoves(paths map[string]string, rel string, self string) ([]threadMove, error) {
	own := map[string]string{} // subsystem -> the thread's cgroup path
	for _, line := range strings.Split(self, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[1] == "" {
			continue // blank, or the unified tree ("0::/...")
		}
		for _, sub := range strings.Split(parts[1], ",") {
			own[sub] = parts[2]
		}
	}
	suffix := "/" + strings.Trim(rel, "/")
	seen := map[string]bool{}
	var moves []threadMove
	for sub, dir := range paths {
		if sub == "" || seen[dir] {
			continue
		}
		seen[dir] = true
		mount, ok := strings.CutSuffix(dir, suffix)
		if !ok {
			return nil, fmt.Errorf("cgroup %s: %s directory %s does not end in the cgroup's path", rel, sub, dir)
		}
		mine, ok := own[sub]
		if !ok {
			return nil, fmt.Errorf("cgroup %s: the daemon's own %s cgroup is not in /proc/thread-self/cgroup", rel, sub)
		}
		moves = append(moves, threadMove{to: dir, back: path.Join(mount, mine)})
	}
	// A fixed order: easier to read in errors and tests.
	sort.Slice(moves, func(i, j int) bool { return moves[i].to < moves[j].to })
	return moves, nil
}
