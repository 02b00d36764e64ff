package syntax

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// ParseServer turns one control-server address into the base URL the
// client makes its requests against; the daemon configuration's servers,
// config jobs' svrlist and bootserver's job validation all use it, so an
// address is valid exactly when the client will use it. Accepted:
//
//   - "http(s)://host[:port][/prefix]", the configuration's form;
//   - a bare "host:port" (the wire protocol's svrlist form), taken as http.
//
// Refused: any other scheme, no host, an empty or out-of-range port, an
// IPv6 address without brackets, user info (credentials never sit in an
// address the daemon logs and shows in status), a query or fragment (the
// client appends the request path, they would end up in the middle), and a
// path on the bare form. The scheme and host are lower-cased and a trailing
// slash dropped, so the same server written twice is one server.
func ParseServer(s string) (string, error) {
	s = strings.TrimSpace(s)
	// Errors are logged and shown: a password written by mistake is not.
	shown := RedactURL(s)
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", fmt.Errorf("%q is not a server address", shown)
	}
	bare := !strings.Contains(s, "://")
	raw := s
	if bare {
		raw = "http://" + s
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a server address: %w", shown, urlCause(err))
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", fmt.Errorf("%q: scheme %q is not http or https", shown, u.Scheme)
	case u.User != nil:
		return "", fmt.Errorf("%q: a server address takes no user or password", shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("%q: a server address has no query or fragment", shown)
	case u.Hostname() == "":
		return "", fmt.Errorf("%q has no host", shown)
	case bare && u.Path != "":
		return "", fmt.Errorf("%q is not host:port", shown)
	}
	if err := checkHostPort(u.Host, bare); err != nil {
		return "", fmt.Errorf("%q %w", shown, err)
	}
	return scheme + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/"), nil
}

// checkHostPort checks the authority: a port, when there is one (always on
// the bare form), is 1-65535, and an IPv6 address is bracketed (url.Parse
// reads "::1:80" as host "::1", which no dialer would).
func checkHostPort(host string, bare bool) error {
	if !strings.Contains(host, ":") || (strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]")) {
		if bare {
			return fmt.Errorf("has no port (want host:port)")
		}
		return nil
	}
	h, port, err := net.SplitHostPort(host)
	if err != nil || h == "" {
		return fmt.Errorf("is not host:port (an IPv6 address needs brackets: [::1]:8600)")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not in 1-65535", port)
	}
	return nil
}

// ParseSvrlist parses a config job's svrlist: comma-separated addresses
// (ParseServer). Empty items, like the design note's trailing comma in
// "192.168.9.1:1234,", are ignored and duplicates dropped, keeping the first.
// Every invalid entry is named in the error; nothing is returned with it, so
// a config job with a typo fails as a whole rather than half-applying.
func ParseSvrlist(svrlist string) ([]string, error) {
	var out, bad []string
	seen := map[string]bool{}
	for _, item := range strings.Split(svrlist, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		u, err := ParseServer(item)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("svrlist %q: invalid entries: %s", svrlist, strings.Join(bad, "; "))
	}
	return out, nil
}
