package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/selfupgrade"
)

// cmdSelfUpgrade is `bootagent self-upgrade [--config F] --checksum C
// FILE|URL` (SPEC §14): the running daemon fetches and checks the binary
// and re-executes it in place; this waits for the trial's outcome (healthy,
// or the previous binary restored) and exits 0 or 1 accordingly.
func cmdSelfUpgrade(args []string) int {
	fs := newFlags("self-upgrade")
	cfgPath := fs.String("config", defaultConfigPath(), "configuration file (default $BOOTAGENT_CONFIG, else "+DefaultConfig+")")
	checksum := fs.String("checksum", "", "SHA256:<hex> of the new binary (required)")
	signature := fs.String("signature", "", "minisign signature text or URL (default FILE|URL + .minisig; checked with trusted_keys)")
	if !parse(fs, args) {
		return exitUsage
	}
	if fs.NArg() != 1 || *checksum == "" {
		return usageError("self-upgrade needs --checksum SHA256:<hex> and one FILE or URL")
	}
	src := fs.Arg(0)
	if !strings.Contains(src, "://") && !filepath.IsAbs(src) {
		abs, err := filepath.Abs(src)
		if err != nil {
			return fail("%v", err)
		}
		src = abs
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.DownloadTimeout.D()+time.Minute)
	defer cancel()
	a, err := api.NewControlClient(cfg.SocketPath()).SelfUpgrade(ctx, api.SelfUpgradeRequest{URL: src, Checksum: *checksum, Signature: *signature})
	if err != nil {
		return fail("self-upgrade: %v", err)
	}
	fmt.Fprintln(stdout, a.Message)
	if !a.Pending {
		return exitOK
	}
	rec, err := awaitTrial(selfupgrade.Path(cfg.StateDir))
	if err != nil {
		return fail("self-upgrade: %v", err)
	}
	if rec.State == selfupgrade.Healthy {
		fmt.Fprintln(stdout, rec.Upgraded())
		return exitOK
	}
	return fail("self-upgrade failed: %s", rec.Reason)
}

// awaitTrial polls the self-upgrade record until its trial is over: by the
// deadline and the guard's grace at the latest, plus a margin.
func awaitTrial(path string) (selfupgrade.Record, error) {
	var end time.Time
	for {
		rec, ok, err := selfupgrade.Load(path)
		if err != nil || !ok {
			return rec, fmt.Errorf("no self-upgrade record at %s: %v", path, err)
		}
		if rec.State != selfupgrade.Trying {
			return rec, nil
		}
		if end.IsZero() {
			end = rec.Deadline.Add(selfupgrade.GuardGrace(rec.Window) + 30*time.Second)
		}
		if time.Now().After(end) {
			return rec, fmt.Errorf("still on trial at %s (record %s): no outcome", end.Format(time.RFC3339), path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
