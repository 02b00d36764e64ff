package webui

import (
	"net/http"
	"strings"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

type hostsBody struct {
	Q, Tag string
	Hosts  []api.HostInfo
	Page   pager
}

func (u *UI) handleHosts(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	hq := server.HostQuery{Search: strings.TrimSpace(q.Get("q")), Tag: strings.TrimSpace(q.Get("tag")),
		Offset: offsetParam(q), Limit: server.DefaultPageSize}
	page, err := u.store.SearchHosts(r.Context(), hq)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	u.render(w, v, http.StatusOK, "hosts", pageData{Title: "Hosts", Nav: "hosts"}, hostsBody{Q: hq.Search, Tag: hq.Tag,
		Hosts: page.Hosts, Page: makePager("/hosts", q, hq.Offset, hq.Limit, len(page.Hosts), page.Total)})
}
