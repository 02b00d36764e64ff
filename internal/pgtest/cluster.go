package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bootagent/bootagent/internal/testdeadline"
	"github.com/jackc/pgx/v5"
)

// port only names the socket file (.s.PGSQL.5432): the cluster listens on
// no TCP port at all, so nothing to pick, race for or expose.
const port = 5432

// superuser is the role initdb creates; local connections are trusted.
const superuser = "postgres"

// maxSocketPath is sun_path's size on Linux, less its NUL.
const maxSocketPath = 107

// cluster is one running PostgreSQL: its top directory (0755, owned by the
// cluster's user, holding the socket, the log and data/) and its user.
type cluster struct {
	dir string
	as  identity
}

// startCluster makes a cluster under a new directory in os.TempDir() (not
// t.TempDir(): its parents are 0700 root's, which the postgres user cannot
// traverse), arranges its removal when this process exits (watch), then
// initdb, configure, pg_ctl start and wait until a real connection works.
func startCluster() (*cluster, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	as, err := lookupIdentity()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bootagent-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: cluster directory: %w", err)
	}
	c := &cluster{dir: dir, as: as}
	if err := c.prepareDir(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// From here on the watcher removes dir, whatever fails next.
	if err := watch(bins, c); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.run(testdeadline.Scale(60*time.Second), bins.initdb,
		"--pgdata", c.dataDir(), "--username", superuser, "--auth", "trust",
		"--encoding", "UTF8", "--locale", "C", "--no-sync"); err != nil {
		return nil, err
	}
	if err := c.configure(); err != nil {
		return nil, err
	}
	// -W: return at once; readiness is judged below by a real connection.
	if err := c.run(testdeadline.Scale(30*time.Second), bins.pgCtl,
		"start", "-W", "--pgdata", c.dataDir(), "--log", c.logPath()); err != nil {
		return nil, err
	}
	if err := c.waitReady(testdeadline.Scale(30 * time.Second)); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *cluster) dataDir() string { return filepath.Join(c.dir, "data") }
func (c *cluster) logPath() string { return filepath.Join(c.dir, "postgres.log") }

// prepareDir makes the top directory traversable by anyone (clients reach
// the socket in it) and owned by the cluster's user (who writes data/ and
// the log in it, and removes it at the end).
func (c *cluster) prepareDir() error {
	socket := filepath.Join(c.dir, fmt.Sprintf(".s.PGSQL.%d", port))
	if len(socket) > maxSocketPath {
		return fmt.Errorf("pgtest: socket path %s is longer than %d bytes: set TMPDIR to a shorter directory", socket, maxSocketPath)
	}
	if strings.ContainsAny(c.dir, `'\`) {
		return fmt.Errorf("pgtest: cluster directory %s has a quote or backslash postgresql.conf would misread", c.dir)
	}
	if err := os.Chmod(c.dir, 0o755); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if c.as.cred != nil {
		if err := os.Chown(c.dir, c.as.uid, c.as.gid); err != nil {
			return fmt.Errorf("pgtest: giving %s to %s: %w", c.dir, c.as.name, err)
		}
	}
	return nil
}

// settings are appended to initdb's postgresql.conf (the last one wins).
// Durability is traded for speed: the cluster is thrown away.
func (c *cluster) settings() string {
	return strings.Join([]string{
		"listen_addresses = ''",
		fmt.Sprintf("unix_socket_directories = '%s'", c.dir),
		fmt.Sprintf("port = %d", port),
		"fsync = off",
		"synchronous_commit = off",
		"full_page_writes = off",
		"",
	}, "\n")
}

func (c *cluster) configure() error {
	conf := filepath.Join(c.dataDir(), "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	_, err = f.WriteString("\n# bootagent pgtest\n" + c.settings())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgtest: writing %s: %w", conf, err)
	}
	return nil
}

// run runs one PostgreSQL program as the cluster's user, in the cluster's
// directory (the user may not be able to enter ours), bounded by timeout.
func (c *cluster) run(timeout time.Duration, prog string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := c.command(ctx, prog, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s %s in %s: %w\n%s", filepath.Base(prog), args[0], c.dir, err, out)
	}
	return nil
}

func (c *cluster) command(ctx context.Context, prog string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = c.dir
	// A fixed, small environment: the C locale for initdb, no PG* variable
	// of the developer's steering the programs elsewhere.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + c.dir}
	if c.as.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.as.cred}
	}
	return cmd
}

// dsn is the URL of database db on this cluster, for pgx and for
// `bootserver serve --db`.
func (c *cluster) dsn(db string) string {
	q := url.Values{"host": {c.dir}, "port": {fmt.Sprint(port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User(superuser), Path: "/" + db, RawQuery: q.Encode()}).String()
}

// waitReady polls with a real connection (what pg_isready checks, and then
// some: authentication and the database too) until it works or the deadline
// passes; the error carries the server's log.
func (c *cluster) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.dsn("postgres"))
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		if c.exitedEarly() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	logText, _ := os.ReadFile(c.logPath())
	return fmt.Errorf("pgtest: PostgreSQL in %s not accepting connections within %v: %w\nlog:\n%s", c.dir, timeout, last, logText)
}

// exitedEarly reports whether the server has already given up: its log
// ends in a FATAL line and no postmaster.pid is left (it removes it on
// exit), so waiting longer is pointless.
func (c *cluster) exitedEarly() bool {
	if _, err := os.Stat(filepath.Join(c.dataDir(), "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		return false
	}
	logText, _ := os.ReadFile(c.logPath())
	return strings.Contains(string(logText), "FATAL")
}
