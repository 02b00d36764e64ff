package testscripts

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdAgentpost: agentpost PATH CREDFILE|- BODYFILE — what a forger would
// send: POSTs BODYFILE to $BOOTSERVER_URL/PATH as an agent request, with
// `Authorization: Bearer` and the credential in CREDFILE (a host's
// state_dir/private/host-credential; "-" sends none), trusting
// $BOOTSERVER_CA. Prints "HTTP <code>" and the answer to stdout, so the
// script asserts the refusal.
func cmdAgentpost(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: agentpost PATH CREDFILE|- BODYFILE")
	}
	base := ts.Getenv("BOOTSERVER_URL")
	if base == "" {
		ts.Fatalf("agentpost: no $BOOTSERVER_URL (bootserverd start first)")
	}
	body, err := os.ReadFile(ts.MkAbs(args[2]))
	ts.Check(err)
	req, err := http.NewRequest(http.MethodPost, base+"/"+strings.TrimPrefix(args[0], "/"), bytes.NewReader(body))
	ts.Check(err)
	req.Header.Set("Content-Type", "application/json")
	if args[1] != "-" {
		cred, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(cred)))
	}
	scheme := "https"
	if strings.HasPrefix(base, "http://") {
		scheme = "http"
	}
	hc, err := probeClient(scheme, filepath.Join(ts.Getenv("WORK"), "ca.pem"))
	ts.Check(err)
	resp, err := hc.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "HTTP %d\n%s\n", resp.StatusCode, answer)
}
