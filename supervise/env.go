package supervise

import (
	"sort"
)

// DefaultPath is the PATH a sub-agent gets when its desired env sets none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// BuildEnv is the whole environment of a sub-agent: a clean base (as
// systemd gives services: nothing leaks from the daemon's own environment)
// with layers applied in order, later ones winning. The result is sorted so
// that the same inputs always give the same environment.
func BuildEnv(name string, ident Identity, layers ...map[string]string) []string {
	m := map[string]string{
		"PATH":            DefaultPath,
		"HOME":            ident.Home,
		"USER":            ident.User,
		"LOGNAME":         ident.User,
		"BOOTAGENT_AGENT": name,
	}
	for _, l := range layers {
		for k, v := range l {
			m[k] = v
		}
	}
	env := make([]string, 0, len(m))
	for k, v := range m {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}
