package api

import (
	"errors"
	"fmt"
	"github.com/bootagent/bootagent/syntax"
	"strings"
	"unicode"
)

// A job comes from the network: its name becomes a directory and a cgroup,
// so it is checked here, before anything else sees it (SPEC §9). The
// patterns are desired/'s, so a job is valid exactly when its desired-state
// document can be.
var ()

// maxJobIDLen bounds ids: they are echoed in results and kept in the ledger.
const maxJobIDLen = 256

// ValidateJob checks what a job must carry for its action. Limit values
// (cpu, memory) are parsed and judged by desired/, which owns their syntax;
// their keys were already checked by JobLimits.UnmarshalJSON.
func ValidateJob(j Job) error {
	if err := validateJobID(j.ID); err != nil {
		return err
	}
	switch j.Action {
	case ActionConfig:
		return validateConfigJob(j)
	case ActionInstall, ActionUpgrade:
		if err := ValidateJobName(j.Name); err != nil {
			return err
		}
		if strings.TrimSpace(j.URL) == "" {
			return fmt.Errorf("%s %s: url is required", j.Action, j.Name)
		}
		if _, ok := syntax.ChecksumHex(j.Checksum); !ok {
			if j.Checksum == "" {
				return fmt.Errorf("%s %s: checksum is required (SHA256:<64 hex digits>)", j.Action, j.Name)
			}
			return fmt.Errorf("%s %s: checksum %q is not SHA256:<64 hex digits>", j.Action, j.Name, j.Checksum)
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
	return validateJobEnvs(j.Envs)
}

// ValidateJobName checks a sub-agent name from the network: it must be one
// plain path element ("../x", "a/b" and "." are refused).
func ValidateJobName(name string) error {
	if name == "" {
		return errors.New("name is required")
	}
	if !syntax.AgentName(name) {
		return fmt.Errorf("name %q is invalid (want 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)", name)
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

func validateConfigJob(j Job) error {
	if strings.TrimSpace(j.Svrlist) == "" && j.Step <= 0 {
		return errors.New("config: needs svrlist or a step > 0")
	}
	if j.Step < 0 {
		return fmt.Errorf("config: step %d is negative", j.Step)
	}
	if j.Svrlist != "" {
		if _, err := ParseSvrlist(j.Svrlist); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}

// validateJobEnvs refuses what cannot be an environment variable: a name
// with "=" or NUL would corrupt the child's environment.
func validateJobEnvs(envs map[string]string) error {
	for k, v := range envs {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("envs: %q is not a variable name", k)
		}
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("envs: %s contains a NUL byte", k)
		}
	}
	return nil
}
