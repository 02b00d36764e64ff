package server

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/syntax"
)

// Everything from the network or an operator is checked here, before it is
// stored: the server must never hand an agent a job the agent would refuse
// (SPEC §4's name syntax, §7's checksum form).

const (
	maxHostname = 255
	maxJobID    = 256
	maxTags     = 1024
)

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

func validateHostname(h string) error {
	switch {
	case h == "":
		return invalid("hostname is required")
	case len(h) > maxHostname:
		return invalid("hostname is %d bytes long (at most %d)", len(h), maxHostname)
	case hasControl(h) || strings.ContainsAny(h, " /"):
		return invalid("hostname %q contains spaces, slashes or control characters", h)
	}
	return nil
}

// validateAgentSN applies the agent's own rule: an agentsn the server
// registered but the agent cannot persist would make it register anew at
// every start.
func validateAgentSN(sn string) error {
	if sn == "" {
		return invalid("agentsn is required")
	}
	if err := api.ValidateAgentSN(sn); err != nil {
		return invalid("%v", err)
	}
	return nil
}

func validateTags(tags string) error {
	if len(tags) > maxTags || hasControl(tags) {
		return invalid("tags must be at most %d bytes without control characters", maxTags)
	}
	return nil
}

func validateReport(doc *api.StatusDoc) error {
	if err := validateAgentSN(doc.AgentSN); err != nil {
		return err
	}
	if err := validateHostname(doc.Hostname); err != nil {
		return err
	}
	return validateEvents(doc.Events)
}

func validateEvents(events []api.Event) error {
	for i, e := range events {
		if e.Type == "" {
			return invalid("event %d: type is required", i)
		}
	}
	return nil
}

func validateResults(results []api.JobResult) error {
	for i, r := range results {
		switch {
		case r.ID == "":
			return invalid("result %d: id is required", i)
		case len(r.ID) > maxJobID || hasControl(r.ID):
			return invalid("result %d: id %.40q is not a job id", i, r.ID)
		}
	}
	return nil
}

// jobFromRequest checks an operator's job and returns it in wire form
// (without its id). Which fields a job needs depends on its action; a field
// that means nothing for the action is refused rather than silently sent.
func jobFromRequest(r api.JobRequest) (api.Job, error) {
	j := api.Job{Action: r.Action, Name: r.Name, URL: r.URL, Envs: r.Envs, Limits: r.Limits,
		Svrlist: r.Svrlist, Step: r.Step, Signature: r.Signature, User: r.User, Group: r.Group, Install: r.Install, Command: r.Command}
	if err := syntax.SelfJob(r.Action, r.Name); err != nil {
		return j, invalid("%v", err)
	}
	switch r.Action {
	case api.ActionInstall, api.ActionUpgrade:
		if err := validateJobName(r.Name); err != nil {
			return j, err
		}
		sum, err := validatePackage(r.Action, r.Name, r.URL, r.Checksum)
		if err != nil {
			return j, err
		}
		j.Checksum = sum
		if err := validateJobExtensions(r); err != nil {
			return j, err
		}
	case api.ActionUninstall, api.ActionRestart, api.ActionStop, api.ActionStart:
		if err := validateJobName(r.Name); err != nil {
			return j, err
		}
		if r.URL != "" || r.Checksum != "" || r.Signature != "" || r.User != "" || r.Group != "" || r.Install != "" || r.Command != nil {
			return j, invalid("%s takes no url, checksum, signature, user, group or install (only install and upgrade do)", r.Action)
		}
	case api.ActionConfig:
		return j, validateConfigJob(r)
	case "":
		return j, invalid("action is required (install, upgrade, uninstall, restart, stop, start or config)")
	default:
		return j, invalid("unknown action %q (want install, upgrade, uninstall, restart, stop, start or config)", r.Action)
	}
	if r.Svrlist != "" || r.Step != 0 {
		return j, invalid("svrlist and step belong to config jobs, not %s", r.Action)
	}
	if err := validateEnvs(r.Envs); err != nil {
		return j, err
	}
	return j, validateLimits(r.Limits)
}

func validateJobName(name string) error {
	if name == "" {
		return invalid("name is required")
	}
	if !syntax.AgentName(name) {
		return invalid("name %q is invalid (want %s)", name, syntax.AgentNameRule)
	}
	return nil
}

// validatePackage checks an install's url and checksum with the rules the
// agent applies (syntax/), and returns the checksum in its wire form,
// SHA256:<lower-case hex>.
func validatePackage(action, name, rawURL, checksum string) (string, error) {
	if strings.TrimSpace(rawURL) == "" {
		return "", invalid("%s needs a url", action)
	}
	if _, err := syntax.ParseJobURL(name, rawURL); err != nil {
		return "", invalid("url: %v", err)
	}
	if checksum == "" {
		return "", invalid("%s needs a checksum (%s)", action, syntax.ChecksumRule)
	}
	hex, ok := syntax.ChecksumHex(checksum)
	if !ok {
		return "", invalid("checksum %.80q is not %s", checksum, syntax.ChecksumRule)
	}
	return syntax.FormatChecksum(hex), nil
}

// validateJobExtensions checks an install's signature, user and group
// with the agent's rules. A local package URL is not refused here: only
// the agent knows whether its config allows them (allow_local_packages).
func validateJobExtensions(r api.JobRequest) error {
	if err := syntax.CheckSignature(r.Signature); err != nil {
		return invalid("signature: %v", err)
	}
	if err := syntax.Account(r.User); err != nil {
		return invalid("user: %v", err)
	}
	if err := syntax.Account(r.Group); err != nil {
		return invalid("group: %v", err)
	}
	// Whether the host allows system packages only the agent knows.
	if u, err := syntax.ParsePackageURL(r.URL); err == nil {
		if err := syntax.InstallMode(r.Install, u.Archive, true); err != nil {
			return invalid("%v", err)
		}
		if err := syntax.JobCommand(u.Archive, r.Command); err != nil {
			return invalid("%v", err)
		}
	}
	return nil
}

func validateConfigJob(r api.JobRequest) error {
	if r.URL != "" || r.Checksum != "" || len(r.Envs) > 0 || r.Limits != (api.JobLimits{}) ||
		r.Signature != "" || r.User != "" || r.Group != "" || r.Install != "" || r.Command != nil {
		return invalid("config takes only svrlist and step")
	}
	if r.Name != "" {
		if err := validateJobName(r.Name); err != nil {
			return err
		}
	}
	if r.Step < 0 {
		return invalid("step %d is negative", r.Step)
	}
	// Any whitespace, not only spaces: the agent refuses a config job whose
	// svrlist is blank (TrimSpace) and whose step is 0.
	blank := strings.TrimFunc(r.Svrlist, func(c rune) bool { return c == ',' || unicode.IsSpace(c) }) == ""
	if blank && r.Step == 0 {
		return invalid("config needs a svrlist or a step")
	}
	return validateSvrlist(r.Svrlist)
}

// validateSvrlist checks a svrlist exactly as the agent will parse it
// (syntax.ParseSvrlist); empty items are allowed, as in the design note's
// "192.168.9.1:1234,".
func validateSvrlist(list string) error {
	if _, err := syntax.ParseSvrlist(list); err != nil {
		return invalid("%v", err)
	}
	return nil
}

func validateEnvs(envs map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(envs)) {
		if err := syntax.Env(k, envs[k]); err != nil {
			return invalid("env: %v", err)
		}
		// Agents refuse these in any server job (SPEC §10): never queue one.
		if err := syntax.ServerJobEnv(k); err != nil {
			return invalid("env: %v", err)
		}
	}
	return nil
}

func validateLimits(l api.JobLimits) error {
	if l.CPU != "" {
		if _, err := syntax.ParseCPU(l.CPU); err != nil {
			return invalid("%v", err)
		}
	}
	if l.Memory != "" {
		if _, err := syntax.ParseMemory(l.Memory); err != nil {
			return invalid("%v", err)
		}
	}
	return nil
}
