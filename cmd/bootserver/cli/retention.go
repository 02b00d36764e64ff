package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bootagent/bootagent/server"
)

// Retention defaults: a month of events is plenty to look back on a crash
// loop; job history is kept longer, as rollbacks look it up.
const (
	defaultRetainEvents      = 30 * 24 * time.Hour
	defaultRetainJobs        = 90 * 24 * time.Hour
	defaultMaxEventsPerHost  = 10000
	defaultRetentionInterval = 10 * time.Minute
)

// retentionFlags are serve's --retain-* flags.
type retentionFlags struct {
	events, jobs, every *ageFlag
	perHost             *int
}

func addRetentionFlags(fs *flag.FlagSet) retentionFlags {
	r := retentionFlags{
		events:  &ageFlag{defaultRetainEvents},
		jobs:    &ageFlag{defaultRetainJobs},
		every:   &ageFlag{defaultRetentionInterval},
		perHost: new(int),
	}
	fs.Var(r.events, "retain-events", "delete events received longer ago (e.g. 30d, 12h; 0 keeps them forever)")
	fs.Var(r.jobs, "retain-jobs", "delete finished jobs and their results older than this (0 keeps them forever); queued and delivered jobs are never deleted")
	fs.IntVar(r.perHost, "max-events-per-host", defaultMaxEventsPerHost, "keep at most this many events per host, the newest (0: no cap)")
	fs.Var(r.every, "prune-every", "how often old records are pruned")
	return r
}

func (r retentionFlags) retention() (server.Retention, time.Duration, error) {
	if *r.perHost < 0 {
		return server.Retention{}, 0, fmt.Errorf("--max-events-per-host %d is negative", *r.perHost)
	}
	if r.every.d <= 0 {
		return server.Retention{}, 0, fmt.Errorf("--prune-every must be positive")
	}
	return server.Retention{Events: r.events.d, Jobs: r.jobs.d, EventsPerHost: *r.perHost}, r.every.d, nil
}

// ageFlag is a duration in Go syntax, or whole days as "30d"; 0 is zero.
type ageFlag struct{ d time.Duration }

func (a *ageFlag) String() string {
	if a == nil {
		return ""
	}
	if a.d > 0 && a.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(a.d/(24*time.Hour)), 10) + "d"
	}
	return a.d.String()
}

func (a *ageFlag) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	a.d = d
	return nil
}

func parseAge(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseUint(n, 10, 32)
		if err != nil || days > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days (e.g. 30d)", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (e.g. 30d, 12h, 0 for forever)", s)
	}
	return d, nil
}
