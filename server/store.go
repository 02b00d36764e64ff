package server

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options tune a Store; the zero value is usable.
type Options struct {
	Logger *slog.Logger     // default slog.Default()
	Now    func() time.Time // default time.Now; tests move time
	// ReadConns is the size of the read-only pool serving the admin API;
	// default 4.
	ReadConns int
	// MaxBatch bounds how many writes share one transaction; default 512.
	MaxBatch int
	// QueueSize bounds the writes waiting for the writer; beyond it writes
	// fail with ErrBusy (answered 503 + Retry-After). Default 8192.
	QueueSize int
	// CredentialTTL is how long a host credential lasts (SPEC §10); default
	// DefaultCredentialTTL.
	CredentialTTL time.Duration
}

// Store is the server's database: one SQLite file in WAL mode. All writes
// run on one writer goroutine (see writer.go); reads use a pool of
// read-only connections. A Store is safe for concurrent use.
type Store struct {
	path string
	log  *slog.Logger
	now  func() time.Time

	wdb   *sql.DB // holds exactly one connection: wconn
	wconn *sql.Conn
	st    *stmts // prepared on wconn
	rdb   *sql.DB

	maxBatch int
	credTTL  time.Duration
	ops      chan *op
	stats    writerStats
	syncFull bool // the writer connection's synchronous setting; writer-owned

	cdb      *sql.DB       // the checkpointer's connection
	ckpt     chan struct{} // wakes the checkpointer
	ckptDone chan struct{}
	ckptQuit chan struct{}
	stopped  chan struct{} // closed when the writer has exited

	newEvents notifier  // wakes live event views (ui_notify.go)
	ro        rolloutRT // the rollout engine's statements and wake-up (rollout_rows.go)

	mu     sync.RWMutex // guards closed against sends on ops
	closed bool
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date.
func Open(path string, opts Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := privateDB(abs); err != nil {
		return nil, err
	}
	s := &Store{path: abs, log: opts.Logger, now: opts.Now, maxBatch: opts.MaxBatch, credTTL: opts.CredentialTTL}
	if s.credTTL <= 0 {
		s.credTTL = DefaultCredentialTTL
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBatch <= 0 {
		s.maxBatch = 512
	}
	queue := opts.QueueSize
	if queue <= 0 {
		queue = 8192
	}
	readers := opts.ReadConns
	if readers <= 0 {
		readers = 4
	}
	if err := s.openWriter(); err != nil {
		return nil, err
	}
	if err := s.openReaders(readers); err != nil {
		s.wconn.Close()
		s.wdb.Close()
		return nil, err
	}
	if err := s.openCheckpointer(); err != nil {
		s.rdb.Close()
		s.wconn.Close()
		s.wdb.Close()
		return nil, err
	}
	s.ops = make(chan *op, queue)
	s.stopped = make(chan struct{})
	go s.runWriter()
	return s, nil
}

// dsn builds a SQLite URI for path with pragmas applied to each new
// connection.
func dsn(path string, pragmas ...string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// openWriter opens the writer's connection. synchronous starts FULL (a
// commit is fsynced before it returns) and is lowered per batch only for
// writes whose loss would be harmless, see write.
func (s *Store) openWriter() error {
	ctx := context.Background()
	db, err := sql.Open("sqlite", dsn(s.path, "journal_mode(WAL)", "synchronous(FULL)",
		fmt.Sprintf("wal_autocheckpoint(%d)", walSafetyNet), "journal_size_limit(67108864)"))
	if err != nil {
		return fmt.Errorf("open database %s: %w", s.path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return fmt.Errorf("open database %s: %w", s.path, err)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		conn.Close()
		db.Close()
		return fmt.Errorf("open database %s: journal mode is %q, not wal: %v", s.path, mode, err)
	}
	from, err := migrate(ctx, conn)
	if err != nil {
		conn.Close()
		db.Close()
		return fmt.Errorf("open database %s: %w", s.path, err)
	}
	if from != schemaVersion {
		s.log.Info("database schema migrated", "db", s.path, "from", from, "to", schemaVersion)
	}
	st, err := prepare(ctx, conn)
	if err != nil {
		conn.Close()
		db.Close()
		return fmt.Errorf("open database %s: %w", s.path, err)
	}
	s.wdb, s.wconn, s.st, s.syncFull = db, conn, st, true
	return nil
}

func (s *Store) openReaders(n int) error {
	db, err := sql.Open("sqlite", dsn(s.path, "query_only(1)"))
	if err != nil {
		return fmt.Errorf("open database %s for reading: %w", s.path, err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.Ping(); err != nil {
		db.Close()
		return fmt.Errorf("open database %s for reading: %w", s.path, err)
	}
	s.rdb = db
	return nil
}

// Path is the database file's absolute path.
func (s *Store) Path() string { return s.path }

// Close waits for the writes already queued to commit, then closes the
// database. Writes submitted after Close starts fail with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	<-s.stopped

	var errs []error
	if err := s.stopCheckpointer(); err != nil {
		errs = append(errs, err)
	}
	if err := s.rdb.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := s.st.close(); err != nil {
		errs = append(errs, err)
	}
	// A final checkpoint folds the WAL into the database file so a copy of
	// the .db alone is complete.
	if _, err := s.wconn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		errs = append(errs, fmt.Errorf("checkpoint: %w", err))
	}
	for _, c := range []interface{ Close() error }{s.wconn, s.wdb} {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("close database %s: %w", s.path, errs[0])
	}
	return nil
}

// unix is the store's clock in Unix seconds.
func (s *Store) unix() int64 { return s.now().Unix() }
