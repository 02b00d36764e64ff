// Package testscripts holds BootAgent's scenario tests (testdata/*.txtar,
// one behaviour each, named area__behaviour.txtar) and the custom commands
// they use. Each script runs the real bootagent binary against real
// processes under its own $WORK.
//
// Conventions: $BOOTAGENT_CONFIG is $WORK/bootagent.yaml (the CLI reads it
// when --config is not given); a script provides that file, usually with
// state_dir: state and desired_dir: agents.d.
package testscripts

import (
	"fmt"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bootagent/bootagent/internal/testtools"
	"github.com/bootagent/bootagent/supervise"
	"github.com/rogpeppe/go-internal/testscript"
)

// Params are the testscript parameters for the scenarios in dir.
func Params(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("BOOTAGENT_CONFIG", filepath.Join(env.WorkDir, "bootagent.yaml"))
			// Agents running as another user must be able to reach $WORK.
			for dir := env.WorkDir; dir != "/" && dir != os.TempDir(); dir = filepath.Dir(dir) {
				if err := os.Chmod(dir, 0o755); err != nil {
					return err
				}
			}
			env.Defer(func() { stopAllDaemons(env); stopStrayDaemon(env) })
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Getuid() == 0, nil
			case "cgroups":
				// On CI cgroups are required: a script that needs them then
				// runs (and fails) rather than skipping.
				return supervise.CgroupsAvailable() == nil || os.Getenv("BOOTAGENT_REQUIRE_CGROUPS") == "1", nil
			case "cgroupv1":
				return !supervise.IsCgroupV2(), nil
			}
			// [tool:NAME] and [aptdeb:PKG] hold when the tool is in $PATH
			// (the package can be downloaded), and always under
			// BOOTAGENT_REQUIRE_TOOLS=1 (CI after make deps): the script
			// then runs, and fails, rather than skipping.
			if tool, ok := strings.CutPrefix(cond, "tool:"); ok {
				return testtools.Missing(tool) == "" || testtools.Required(), nil
			}
			if pkg, ok := strings.CutPrefix(cond, "aptdeb:"); ok {
				return aptDebAvailable(pkg) || testtools.Required(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"daemon":        cmdDaemon,
			"waitfor":       cmdWaitfor,
			"countlines":    cmdCountlines,
			"agentpid":      cmdAgentpid,
			"cpurate":       cmdCpurate,
			"pidalive":      cmdPidalive,
			"mkpkg":         cmdMkpkg,
			"expand":        cmdExpand,
			"pkgserve":      cmdPkgserve,
			"ftpserve":      cmdFtpserve,
			"ctlserver":     cmdCtlserver,
			"countmatch":    cmdCountmatch,
			"bootserverd":   cmdBootserverd,
			"minisign-key":  cmdMinisignKey,
			"minisign-sign": cmdMinisignSign,
			"capture":       cmdCapture,
			"agentpost":     cmdAgentpost,
			"aptdownload":   cmdAptdownload,
			"mksyspkg":      cmdMksyspkg,
			"freeport":      cmdFreeport,
			"notifysock":    cmdNotifysock,
			"selfbin":       cmdSelfbin,
			"sha256":        cmdSha256,
			"agentpids":     cmdAgentpids,
		},
	}
}

// deadline is how long waitfor polls by default: 15 s, times
// $BOOTAGENT_TEST_SCALE for slow machines.
func deadline() time.Duration { return testdeadline.Scale(15 * time.Second) }
