package webui

import (
	"net/url"
	"testing"
)

func TestMakePager(t *testing.T) {
	q := url.Values{"tag": {"role=web"}}
	tests := []struct {
		name                       string
		offset, size, shown, total int
		want                       pager
	}{
		{name: "first of many", offset: 0, size: 50, shown: 50, total: 120,
			want: pager{From: 1, To: 50, Total: 120, Next: "/hosts?offset=50&tag=role%3Dweb"}},
		{name: "middle", offset: 50, size: 50, shown: 50, total: 120,
			want: pager{From: 51, To: 100, Total: 120, Prev: "/hosts?tag=role%3Dweb", Next: "/hosts?offset=100&tag=role%3Dweb"}},
		{name: "last", offset: 100, size: 50, shown: 20, total: 120,
			want: pager{From: 101, To: 120, Total: 120, Prev: "/hosts?offset=50&tag=role%3Dweb"}},
		{name: "empty", offset: 0, size: 50, shown: 0, total: 0, want: pager{From: 0, To: 0, Total: 0}},
		{name: "uncounted full page has a next", offset: 0, size: 2, shown: 2, total: -1,
			want: pager{From: 1, To: 2, Total: -1, Next: "/hosts?offset=2&tag=role%3Dweb"}},
		{name: "uncounted short page is the last", offset: 2, size: 2, shown: 1, total: -1,
			want: pager{From: 3, To: 3, Total: -1, Prev: "/hosts?tag=role%3Dweb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := makePager("/hosts", q, tt.offset, tt.size, tt.shown, tt.total); got != tt.want {
				t.Fatalf("makePager = %+v, want %+v", got, tt.want)
			}
		})
	}
}
