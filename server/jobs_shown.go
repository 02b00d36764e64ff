package server

import (
	"maps"
	"slices"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/syntax"
)

// shown is a job as the admin API (and so the CLI) shows it: its env
// names without their values, and its URLs with their passwords redacted
// (SPEC §10: env values never appear in status output). The store keeps
// the job whole: the agent gets it whole in its status answer.
func shown(j api.JobInfo) api.JobInfo {
	if len(j.Envs) > 0 {
		j.EnvNames = slices.Sorted(maps.Keys(j.Envs))
		j.Envs = nil
	}
	j.URL = syntax.RedactURL(j.URL)
	j.Signature = syntax.RedactURL(j.Signature)
	return j
}
