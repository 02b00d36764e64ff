package server

import (
	"context"
	"fmt"
)

// FleetCounts is what /metrics reports from the database at each scrape.
type FleetCounts struct {
	JobsByState map[string]int // queued, delivered, succeeded, failed
	Hosts, Live int
}

// jobStates are the states a job can be in (the jobs table's CHECK): each
// is reported, 0 included, so that a series does not vanish.
var jobStates = []string{"queued", "delivered", "succeeded", "failed"}

// FleetCounts counts jobs by state and hosts, live ones apart (live(), the
// rule the admin lists use).
func (s *Store) FleetCounts(ctx context.Context) (FleetCounts, error) {
	c := FleetCounts{JobsByState: map[string]int{}}
	for _, st := range jobStates {
		c.JobsByState[st] = 0
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT state, count(*) FROM jobs GROUP BY state`)
	if err != nil {
		return c, fmt.Errorf("count jobs: %w", err)
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return c, fmt.Errorf("count jobs: %w", err)
		}
		c.JobsByState[st] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("count jobs: %w", err)
	}
	rows, err = s.rdb.QueryContext(ctx, `SELECT last_seen, step FROM hosts`)
	if err != nil {
		return c, fmt.Errorf("count hosts: %w", err)
	}
	defer rows.Close()
	now := s.unix()
	for rows.Next() {
		var seen, step int64
		if err := rows.Scan(&seen, &step); err != nil {
			return c, fmt.Errorf("count hosts: %w", err)
		}
		c.Hosts++
		if live(seen, step, now) {
			c.Live++
		}
	}
	return c, rows.Err()
}
