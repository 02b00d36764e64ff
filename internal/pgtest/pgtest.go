// Package pgtest gives tests a real, throwaway PostgreSQL: one cluster per
// test binary, made with Debian's postgresql package (initdb, pg_ctl) in a
// directory of its own under os.TempDir(), run as an unprivileged user, and
// a fresh database for each Start.
//
// The cluster listens on a unix socket in its directory and on no TCP port:
// no free port to pick and race for with the other test binaries running at
// the same time, nothing reachable from the network, and any process of the
// test (bootserver instances included) reaches it through the DSN.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bootagent/bootagent/internal/testdeadline"
	"github.com/bootagent/bootagent/internal/testtools"
	"github.com/jackc/pgx/v5"
)

// shared is the binary's cluster, started by the first Start; a failure to
// start is remembered, so later tests do not wait for it again.
var shared = sync.OnceValues(startCluster)

// Start returns the DSN (a postgres:// URL) of a new, empty database on the
// binary's cluster, dropped at t's cleanup. Without PostgreSQL, or when it
// will not start, t is skipped with the reason (failed under
// BOOTAGENT_REQUIRE_TOOLS=1).
func Start(t testing.TB) (dsn string) {
	t.Helper()
	c, err := shared()
	if err != nil {
		testtools.Unavailable(t, err.Error())
	}
	db := "t_" + randomHex(8)
	if err := c.admin(fmt.Sprintf("CREATE DATABASE %s", db)); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		// FORCE: a connection the test left open must not keep it alive.
		if err := c.admin(fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", db)); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return c.dsn(db)
}

// admin runs one statement on the cluster's maintenance database.
func (c *cluster) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), testdeadline.Scale(30*time.Second))
	defer cancel()
	conn, err := pgx.Connect(ctx, c.dsn("postgres"))
	if err != nil {
		return fmt.Errorf("connecting to the cluster in %s: %w", c.dir, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s on the cluster in %s: %w", sql, c.dir, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
