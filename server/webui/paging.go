package webui

import (
	"net/url"
	"strconv"
)

// pager is offset pagination for a template: the links keep the page's
// other query parameters.
type pager struct {
	From, To, Total int    // 1-based rows shown; Total -1 when not counted
	Prev, Next      string // links, "" when there is none
}

// offsetParam reads ?offset=, 0 when absent or bad.
func offsetParam(q url.Values) int {
	n, err := strconv.Atoi(q.Get("offset"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// makePager says which rows of a listing a page shows and links to its
// neighbours: offset and size are the page's, shown how many it has, total
// all of them (-1 unknown: there is a next page when this one is full).
func makePager(path string, q url.Values, offset, size, shown, total int) pager {
	p := pager{From: offset + 1, To: offset + shown, Total: total}
	if shown == 0 {
		p.From = offset
	}
	link := func(off int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		} else {
			v.Del("offset")
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if offset > 0 {
		p.Prev = link(max(offset-size, 0))
	}
	if (total >= 0 && offset+shown < total) || (total < 0 && shown == size) {
		p.Next = link(offset + size)
	}
	return p
}
