package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
)

// tools runs the project's own binaries (from make build) the way an
// operator does.
type tools struct {
	bin       string // directory of bootagent and bootserver
	serverURL string // bootserver, direct (the daemon goes through the proxy)
	dataDir   string // bootserver's data directory, holding the admin.token its admin commands send
	config    string // the daemon's config file
}

// runCLI runs a bin/ command and returns its stdout.
func (t tools) runCLI(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(t.bin, name), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// jobAdd queues a job with `bootserver job add` and returns its id (the
// last word of the output).
func (t tools) jobAdd(host, action, name string, extra ...string) (string, error) {
	args := append([]string{"job", "add", "--server", t.serverURL, "--data-dir", t.dataDir, "--host", host, "--action", action, "--name", name}, extra...)
	out, err := t.runCLI("bootserver", args...)
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return "", fmt.Errorf("bootserver job add printed no id")
	}
	return f[len(f)-1], nil
}

// jobs lists every job of host with `bootserver jobs --json`.
func (t tools) jobs(host string) ([]api.JobInfo, error) {
	out, err := t.runCLI("bootserver", "jobs", "--json", "--server", t.serverURL, "--data-dir", t.dataDir, "--host", host, "--limit", "1000000")
	if err != nil {
		return nil, err
	}
	var list []api.JobInfo
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("bootserver jobs --json: %w", err)
	}
	return list, nil
}

// status reads the daemon's agents with `bootagent status --json`.
func (t tools) status() (map[string]*agentView, error) {
	out, err := t.runCLI("bootagent", "status", "--json", "--config", t.config)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Agents []agentView `json:"agents"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("bootagent status --json: %w", err)
	}
	m := make(map[string]*agentView, len(doc.Agents))
	for i := range doc.Agents {
		m[doc.Agents[i].Name] = &doc.Agents[i]
	}
	return m, nil
}

// startBootserver runs `bootserver serve` on a free loopback port with its
// database (and so its data directory, with admin.token) in dir and waits
// until /healthz answers. It serves plain HTTP (--insecure-http): the
// daemon reaches it through the soak's result proxy, which must read every
// result the daemon sends to count them exactly once; TLS is what the
// e2e__tls_* scenarios test, the soak tests delivery.
func startBootserver(bin, dir string) (*bgProc, string, error) {
	addrFile := filepath.Join(dir, "bootserver.addr")
	p, err := startProc("bootserver", filepath.Join(dir, "bootserver.log"), filepath.Join(bin, "bootserver"), "serve",
		"--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "bootserver.db"), "--addr-file", addrFile, "--insecure-http", "--open-enrollment")
	if err != nil {
		return nil, "", err
	}
	end := time.Now().Add(30 * time.Second)
	for time.Now().Before(end) && !p.exited() {
		if b, err := os.ReadFile(addrFile); err == nil && len(bytes.TrimSpace(b)) > 0 {
			url := "http://" + strings.TrimSpace(string(b))
			if resp, err := http.Get(url + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return p, url, nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop(5 * time.Second)
	return nil, "", fmt.Errorf("bootserver not ready within 30s (see %s)", filepath.Join(dir, "bootserver.log"))
}
