package cli

import (
	"strings"
	"testing"
)

func TestTokenAndHostCommands(t *testing.T) {
	url, st, env := startServer(t)
	seed(t, st, "web-17", "sn-17")
	code, out, errs := run(t, env, "token", "create", "--server", url, "--ttl", "2h", "--uses", "3", "--tags", "role=web")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errs)
	}
	fields := strings.Fields(out)
	tok := fields[len(fields)-1]
	if !strings.HasPrefix(tok, "bse_") || !strings.Contains(out, "(3 uses") {
		t.Fatalf("token create printed %q: want the token last", out)
	}
	id := strings.Split(tok, "_")[1]
	if code, out, errs := run(t, env, "token", "list", "--server", url); code != 0 || !strings.Contains(out, id) ||
		!strings.Contains(out, "role=web") || strings.Contains(out, tok) {
		t.Fatalf("token list: %d %q %s", code, out, errs)
	}
	if code, out, errs := run(t, env, "token", "revoke", "--server", url, id); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("token revoke: %d %q %s", code, out, errs)
	}
	if code, _, errs := run(t, env, "token", "create", "--server", url, "--uses", "0"); code != exitUsage {
		t.Fatalf("token create --uses 0: %d %s, want a usage error", code, errs)
	}
	if code, out, errs := run(t, env, "host", "revoke", "--server", url, "web-17"); code != 0 || !strings.Contains(out, "host sn-17 revoked") {
		t.Fatalf("host revoke: %d %q %s", code, out, errs)
	}
	if code, out, errs := run(t, env, "host", "unrevoke", "--server", url, "web-17"); code != 0 || !strings.Contains(out, "unrevoked") {
		t.Fatalf("host unrevoke: %d %q %s", code, out, errs)
	}
	if code, _, errs := run(t, env, "host", "revoke", "--server", url, "nobody"); code != exitFail {
		t.Fatalf("host revoke of an unknown host: %d %s, want exit 1", code, errs)
	}
}
