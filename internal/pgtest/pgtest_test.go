package pgtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bootagent/bootagent/internal/testdeadline"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testdeadline.Scale(10*time.Second))
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestStartGivesAWorkingDatabase(t *testing.T) {
	ctx := context.Background()
	dsnA, dsnB := Start(t), Start(t)
	if dsnA == dsnB {
		t.Fatalf("two Start calls gave the same DSN %s", dsnA)
	}
	a, b := connect(t, dsnA), connect(t, dsnB)

	if _, err := a.Exec(ctx, `CREATE TABLE hosts (id text PRIMARY KEY, n int NOT NULL)`); err != nil {
		t.Fatalf("CREATE TABLE: %v", err)
	}
	if _, err := a.Exec(ctx, `INSERT INTO hosts VALUES ($1, $2), ($3, $4)`, "h1", 1, "h2", 2); err != nil {
		t.Fatalf("INSERT: %v", err)
	}
	var sum int
	if err := a.QueryRow(ctx, `SELECT sum(n) FROM hosts`).Scan(&sum); err != nil || sum != 3 {
		t.Fatalf("SELECT sum(n) = %d, %v; want 3", sum, err)
	}

	// The second database is independent: the table is not there, and the
	// same name can be created afresh.
	_, err := b.Exec(ctx, `SELECT * FROM hosts`)
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
		t.Fatalf("SELECT from the second database = %v, want undefined_table (42P01)", err)
	}
	if _, err := b.Exec(ctx, `CREATE TABLE hosts (id text PRIMARY KEY)`); err != nil {
		t.Fatalf("CREATE TABLE in the second database: %v", err)
	}
}
