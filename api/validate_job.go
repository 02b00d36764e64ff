package api

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/bootagent/bootagent/syntax"
)

// A job comes from the network: its name becomes a directory and a cgroup,
// so it is checked here, before anything else sees it (SPEC §9). Every
// value is checked with the syntax/ rule the daemon later applies (and
// bootserver checked with), so a job passes exactly when it can be done.

// maxJobIDLen bounds ids: they are echoed in results and kept in the ledger.
const maxJobIDLen = 256

// ValidateJob checks what a job must carry for its action.
func ValidateJob(j Job) error {
	if err := validateJobID(j.ID); err != nil {
		return err
	}
	if err := syntax.SelfJob(j.Action, j.Name); err != nil {
		return err
	}
	switch j.Action {
	case ActionConfig:
		return validateConfigJob(j)
	case ActionInstall, ActionUpgrade:
		if err := ValidateJobName(j.Name); err != nil {
			return err
		}
		if err := validateJobPackage(j); err != nil {
			return err
		}
	case ActionUninstall, ActionRestart, ActionStop, ActionStart:
		if err := ValidateJobName(j.Name); err != nil {
			return err
		}
	case "":
		return errors.New("action is required")
	default:
		return fmt.Errorf("unknown action %q (want install, upgrade, uninstall, restart, stop, start or config)", j.Action)
	}
	if err := validateJobEnvs(j.Envs); err != nil {
		return fmt.Errorf("%s %s: %w", j.Action, j.Name, err)
	}
	if err := validateJobLimits(j.Limits); err != nil {
		return fmt.Errorf("%s %s: %w", j.Action, j.Name, err)
	}
	if err := validateJobAccount(j); err != nil {
		return fmt.Errorf("%s %s: %w", j.Action, j.Name, err)
	}
	return nil
}

func validateJobAccount(j Job) error {
	if err := syntax.Account(j.User); err != nil {
		return fmt.Errorf("user: %w", err)
	}
	if err := syntax.Account(j.Group); err != nil {
		return fmt.Errorf("group: %w", err)
	}
	return nil
}

// CheckServerJob applies what a job from the network may not do however
// well formed (SPEC §10), with the agent's allow_local_packages: name a
// local package or signature (file://, absolute path), or set env LD_*,
// GCONV_PATH, BASH_ENV or ENV. The daemon checks it when it applies the
// job, so the refusal is the job's failed result; bootserver applies the
// env rule (syntax.ServerJobEnv) before queuing.
func CheckServerJob(j Job, allowLocal bool) error {
	return CheckServerJobPolicy(j, allowLocal, false)
}

// CheckServerJobPolicy is CheckServerJob that also knows the agent's
// allow_system_packages: a job may ask for install system only where
// the host allows it.
func CheckServerJobPolicy(j Job, allowLocal, allowSystem bool) error {
	if j.Install == syntax.InstallSystem && !allowSystem && (j.Action == ActionInstall || j.Action == ActionUpgrade) {
		return fmt.Errorf("%s %s: install: system is refused: the agent does not set allow_system_packages: true", j.Action, j.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(j.Envs)) {
		if err := syntax.ServerJobEnv(k); err != nil {
			return fmt.Errorf("%s %s: envs: %w", j.Action, j.Name, err)
		}
	}
	if j.Action != ActionInstall && j.Action != ActionUpgrade {
		return nil
	}
	if u, err := syntax.ParseJobURL(j.Name, j.URL); err == nil {
		if err := syntax.ServerJobURL("url", u, allowLocal); err != nil {
			return fmt.Errorf("%s %s: %w", j.Action, j.Name, err)
		}
	}
	if syntax.InlineSignature(j.Signature) {
		return nil
	}
	if u, err := syntax.SignatureURL(j.URL, j.Signature); err == nil {
		if err := syntax.ServerJobURL("signature", u, allowLocal); err != nil {
			return fmt.Errorf("%s %s: %w", j.Action, j.Name, err)
		}
	}
	return nil
}

// ValidateJobName checks a sub-agent name from the network: it must be one
// plain path element ("../x", "a/b" and "." are refused).
func ValidateJobName(name string) error {
	if name == "" {
		return errors.New("name is required")
	}
	if !syntax.AgentName(name) {
		return fmt.Errorf("name %q is invalid (want %s)", name, syntax.AgentNameRule)
	}
	return nil
}

func validateJobID(id string) error {
	switch {
	case id == "":
		return errors.New("id is required")
	case len(id) > maxJobIDLen:
		return fmt.Errorf("id is %d bytes long (at most %d)", len(id), maxJobIDLen)
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return fmt.Errorf("id %q contains control characters", id)
	}
	return nil
}

func validateJobPackage(j Job) error {
	if strings.TrimSpace(j.URL) == "" {
		return fmt.Errorf("%s %s: url is required", j.Action, j.Name)
	}
	if _, err := syntax.ParseJobURL(j.Name, j.URL); err != nil {
		return fmt.Errorf("%s %s: url: %w", j.Action, j.Name, err)
	}
	if _, ok := syntax.ChecksumHex(j.Checksum); !ok {
		if j.Checksum == "" {
			return fmt.Errorf("%s %s: checksum is required (%s)", j.Action, j.Name, syntax.ChecksumRule)
		}
		return fmt.Errorf("%s %s: checksum %q is not %s", j.Action, j.Name, j.Checksum, syntax.ChecksumRule)
	}
	if err := syntax.CheckSignature(j.Signature); err != nil {
		return fmt.Errorf("%s %s: signature: %w", j.Action, j.Name, err)
	}
	return validateJobInstall(j)
}

// validateJobInstall checks the install mode against the package's
// format; whether the host allows system is CheckServerJob's.
func validateJobInstall(j Job) error {
	u, err := syntax.ParsePackageURL(j.URL)
	if err != nil {
		return nil // the url check said why
	}
	if err := syntax.InstallMode(j.Install, u.Archive, true); err != nil {
		return fmt.Errorf("%s %s: %w", j.Action, j.Name, err)
	}
	if err := syntax.JobCommand(u.Archive, j.Command); err != nil {
		return fmt.Errorf("%s %s: %w", j.Action, j.Name, err)
	}
	return nil
}

func validateConfigJob(j Job) error {
	if strings.TrimSpace(j.Svrlist) == "" && j.Step <= 0 {
		return errors.New("config: needs svrlist or a step > 0")
	}
	if j.Step < 0 {
		return fmt.Errorf("config: step %d is negative", j.Step)
	}
	if j.Svrlist != "" {
		if _, err := syntax.ParseSvrlist(j.Svrlist); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}

func validateJobEnvs(envs map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(envs)) {
		if err := syntax.Env(k, envs[k]); err != nil {
			return fmt.Errorf("envs: %w", err)
		}
	}
	return nil
}

// validateJobLimits parses the limits as the cgroup code will: a job whose
// limits cannot be applied fails here, with its result, not at start.
func validateJobLimits(l JobLimits) error {
	if l.CPU != "" {
		if _, err := syntax.ParseCPU(l.CPU); err != nil {
			return fmt.Errorf("limits: %w", err)
		}
	}
	if l.Memory != "" {
		if _, err := syntax.ParseMemory(l.Memory); err != nil {
			return fmt.Errorf("limits: %w", err)
		}
	}
	return nil
}
