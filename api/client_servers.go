package api

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ParseServer turns one server address into the base URL requests are made
// against. It accepts "http(s)://host[:port][/prefix]" (the daemon
// configuration's form) and a bare "host:port" (the wire protocol's svrlist
// form), for which http is assumed. The scheme and host are lower-cased and a
// trailing slash dropped so that the same server written twice is recognised
// as a duplicate.
func ParseServer(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", fmt.Errorf("%q is not a server address", s)
	}
	bare := !strings.Contains(s, "://")
	raw := s
	if bare {
		raw = "http://" + s
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a server address: %w", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q: scheme %q is not http or https", s, u.Scheme)
	case u.Hostname() == "":
		return "", fmt.Errorf("%q has no host", s)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("%q: a server address has no user, query or fragment", s)
	case bare && u.Path != "":
		return "", fmt.Errorf("%q is not host:port", s)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("%q has an empty port", s)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q: port %s is not in 1-65535", s, p)
		}
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/"), nil
}

// ParseSvrlist parses a config job's svrlist: comma-separated addresses
// (see ParseServer). Empty items, like the design note's trailing comma in
// "192.168.9.1:1234,", are ignored and duplicates dropped, keeping the first.
// Every invalid entry is named in the error; nothing is returned with it, so
// a config job with a typo fails as a whole rather than half-applying.
func ParseSvrlist(svrlist string) ([]string, error) {
	var out []string
	var bad []string
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
