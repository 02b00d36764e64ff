package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/bootagent/bootagent/server"
	"github.com/bootagent/bootagent/server/webui"
)

func (c *CLI) cmdServe(ctx context.Context, args []string) int {
	fs := newFlags("serve")
	listen := fs.String("listen", "127.0.0.1:8600", "address to listen on")
	db := fs.String("db", "bootserver.db", "SQLite database file (created if missing)")
	dataDir := fs.String("data-dir", "", "directory of admin.token, ca.pem and the server certificate (default the directory of --db)")
	var sans listFlag
	fs.Var(&sans, "san", "another name or IP address for the self-made server certificate (repeatable)")
	tlsCert := fs.String("tls-cert", "", "PEM certificate (chain) to serve instead of the self-made one; needs --tls-key")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	insecure := fs.Bool("insecure-http", false, "serve plain HTTP (the design note's protocol; labs only)")
	addrFile := fs.String("addr-file", "", "write the address actually listened on to this file (for --listen with port 0)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	open := fs.Bool("open-enrollment", false, "let hosts register without an enrollment token (labs only; they still get a credential)")
	credTTL := fs.Duration("credential-ttl", server.DefaultCredentialTTL, "how long a host credential lasts; renewed in its last third")
	retain := addRetentionFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError("serve takes no arguments, got %q", fs.Args())
	}
	retention, every, err := retain.retention()
	if err != nil {
		return c.usageError("serve: %v", err)
	}
	if err := checkTLSFlags(*tlsCert, *tlsKey, *insecure, len(sans) > 0); err != nil {
		return c.usageError("serve: %v", err)
	}
	log, err := c.logger(*logFormat, *logLevel)
	if err != nil {
		return c.usageError("serve: %v", err)
	}
	store, err := server.Open(*db, server.Options{Logger: log, CredentialTTL: *credTTL})
	if err != nil {
		return c.fail(err)
	}
	if *dataDir == "" {
		*dataDir = filepath.Dir(*db)
	}
	if err := server.EnsureAdminTokenFile(ctx, store, *dataDir); err != nil {
		store.Close()
		return c.fail(err)
	}
	tlsCfg, err := serverTLS(log, *dataDir, *tlsCert, *tlsKey, *insecure, sans)
	if err != nil {
		store.Close()
		return c.fail(err)
	}
	// Pruning and the rollout engine stop before the store closes: their
	// writes would fail.
	pruneCtx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan struct{})
	go func() { defer close(pruned); store.RunRetention(pruneCtx, retention, every) }()
	stepped := make(chan struct{})
	go func() { defer close(stepped); store.RunRollouts(pruneCtx, server.DefaultRolloutTick) }()
	code := c.serve(ctx, log, store, tlsCfg, *listen, *addrFile, *open)
	stopPruning()
	<-pruned
	<-stepped
	if err := store.Close(); err != nil {
		log.Error("closing the database failed", "err", err)
		return exitFail
	}
	log.Info("bootserver stopped")
	return code
}

func (c *CLI) serve(ctx context.Context, log *slog.Logger, store *server.Store, tlsCfg *tls.Config, listen, addrFile string, open bool) int {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return c.fail(fmt.Errorf("listen on %s: %w", listen, err))
	}
	if addrFile != "" {
		if err := writeAddrFile(addrFile, ln.Addr().String()); err != nil {
			ln.Close()
			return c.fail(fmt.Errorf("write --addr-file: %w", err))
		}
	}
	srv := server.New(store, log)
	srv.SetUI(webui.New(ctx, store, webui.Options{Log: log, Guesses: srv.AdminGuesses(), Rollouts: webui.StoreRollouts{Store: store}}))
	srv.SetRolloutCounter(store.RolloutsByState)
	srv.SetTLS(tlsCfg)
	srv.SetOpenEnrollment(open)
	if open {
		log.Warn("open enrollment: any host that reaches this server may register (--open-enrollment)")
	}
	notifySystemd(ctx, log) // listening: connections queue until Serve takes them
	if err := srv.Serve(ctx, ln); err != nil {
		return c.fail(err)
	}
	return exitOK
}

func (c *CLI) logger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q is not debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(c.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(c.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q is not text or json", format)
}

// writeAddrFile writes atomically: a script polling for the file never
// reads half an address.
func writeAddrFile(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
