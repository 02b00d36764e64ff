package syntax

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ParsePin reads a server_ca_pin (SPEC §10): "sha256:" and the 64 hex
// digits of the SHA-256 of the server certificate's SubjectPublicKeyInfo,
// as `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
// sha256sum` prints it. Colons between byte pairs (the fingerprint form
// tools print) are accepted; case does not matter.
func ParsePin(s string) ([]byte, error) {
	hexPart, ok := strings.CutPrefix(strings.TrimSpace(s), "sha256:")
	if !ok {
		return nil, fmt.Errorf("%q is not sha256:<64 hex digits>", s)
	}
	b, err := hex.DecodeString(strings.ReplaceAll(hexPart, ":", ""))
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%q is not sha256:<64 hex digits> (the SHA-256 of the certificate's public key)", s)
	}
	return b, nil
}

// ParseSvrlistTLS parses a config job's svrlist for a client that speaks
// only TLS (a configured https server, or require_tls): a bare host:port
// becomes https://host:port, and an explicit http:// entry is refused, so
// a config job can never make the agent talk to a server with less
// protection than the one that sent it.
func ParseSvrlistTLS(svrlist string) ([]string, error) {
	var items, bad []string
	for _, item := range strings.Split(svrlist, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			continue
		case strings.HasPrefix(strings.ToLower(item), "http://"):
			bad = append(bad, fmt.Sprintf("%q is plain http, refused: the agent talks to its servers over https only", item))
			continue
		case !strings.Contains(item, "://"):
			if _, err := ParseServer(item); err != nil {
				bad = append(bad, err.Error()) // the bare form's own checks (port required)
				continue
			}
			item = "https://" + item
		}
		items = append(items, item)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("svrlist %q: invalid entries: %s", svrlist, strings.Join(bad, "; "))
	}
	return ParseSvrlist(strings.Join(items, ","))
}
