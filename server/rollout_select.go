package server

import (
	"strings"
)

// A selector picks hosts by their tags (SPEC §11): terms joined by commas,
// all of which must hold. k=v (tag k has value v), k!=v (tag k is absent
// or has another value), k (has tag k), !k (has no tag k).
type selector []selTerm

type selTerm struct {
	key, val string
	op       byte // '=' equals, '!' not equals, 'h' has, 'n' has not
}

// parseSelector checks and parses s; an empty selector is refused (use
// --all to mean every host).
func parseSelector(s string) (selector, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalid("selector is empty (use --all for every host)")
	}
	var sel selector
	for _, raw := range strings.Split(s, ",") {
		t := strings.TrimSpace(raw)
		var term selTerm
		switch {
		case strings.Contains(t, "!="):
			k, v, _ := strings.Cut(t, "!=")
			term = selTerm{key: strings.TrimSpace(k), val: strings.TrimSpace(v), op: '!'}
		case strings.Contains(t, "="):
			k, v, _ := strings.Cut(t, "=")
			term = selTerm{key: strings.TrimSpace(k), val: strings.TrimSpace(v), op: '='}
		case strings.HasPrefix(t, "!"):
			term = selTerm{key: strings.TrimSpace(t[1:]), op: 'n'}
		default:
			term = selTerm{key: t, op: 'h'}
		}
		if term.key == "" || strings.ContainsAny(term.key, "=! ") || strings.ContainsAny(term.val, "=!") {
			return nil, invalid("selector term %q is not k=v, k!=v, k or !k", t)
		}
		sel = append(sel, term)
	}
	return sel, nil
}

// parseTags reads a host's tags ("k=v,flag,k2=v2") into a map; a bare tag
// has the value "".
func parseTags(tags string) map[string]string {
	m := map[string]string{}
	for _, raw := range strings.Split(tags, ",") {
		t := strings.TrimSpace(raw)
		if t == "" {
			continue
		}
		k, v, _ := strings.Cut(t, "=")
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m
}

// matches says whether a host with tags satisfies every term.
func (sel selector) matches(tags string) bool {
	m := parseTags(tags)
	for _, t := range sel {
		v, has := m[t.key]
		ok := false
		switch t.op {
		case '=':
			ok = has && v == t.val
		case '!':
			ok = !has || v != t.val
		case 'h':
			ok = has
		case 'n':
			ok = !has
		}
		if !ok {
			return false
		}
	}
	return true
}
