package syntax

import (
	"fmt"
	"regexp"
	"strings"
)

// CgroupParentRule is one element of cgroup_parent, as written in errors.
const CgroupParentRule = "[A-Za-z0-9_][A-Za-z0-9._@-]{0,254}"

// cgroupParentPart allows systemd-like slice names ("system.slice") but no
// "." or ".." and nothing that could leave the cgroup tree.
var cgroupParentPart = regexp.MustCompile(`^` + CgroupParentRule + `$`)

// CgroupParent checks cgroup_parent (SPEC §3): a relative path of one or
// more elements, each CgroupParentRule, separated by single slashes. A
// leading slash is refused rather than trimmed: it reads as "from the
// root", which on v2 it is not (agents sit under the daemon's own cgroup),
// and ".." or an empty element could put agents in someone else's cgroup.
func CgroupParent(p string) error {
	if p == "" {
		return fmt.Errorf("must not be empty")
	}
	if strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must be a relative path", p)
	}
	for _, part := range strings.Split(p, "/") {
		if !cgroupParentPart.MatchString(part) {
			return fmt.Errorf("%q: element %q is not %s", p, part, CgroupParentRule)
		}
	}
	return nil
}
