package webui

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

// pageNames are the page templates; each is parsed with layout.html.
var pageNames = []string{"login", "overview", "hosts", "host", "jobs", "events", "rollouts", "rollout", "rolloutnew", "error"}

type pages struct{ t map[string]*template.Template }

func mustParsePages(now func() time.Time) *pages {
	p := &pages{t: map[string]*template.Template{}}
	for _, name := range pageNames {
		t := template.New("layout.html").Funcs(funcs(now))
		p.t[name] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return p
}

// pageData is what every page template gets: the layout's fields and the
// page's own in Body.
type pageData struct {
	Title string
	Nav   string // the active menu entry
	V     *viewer
	CSRF  string
	Flash string
	Body  any
}

// render writes page name with status. It renders into a buffer first, so
// a template error answers 500 rather than half a page.
func (u *UI) render(w http.ResponseWriter, v *viewer, status int, name string, d pageData, body any) {
	d.V, d.Body = v, body
	if v != nil {
		d.CSRF = v.s.csrf
	}
	var buf bytes.Buffer
	t := u.pages.t[name]
	if t == nil {
		panic(fmt.Sprintf("webui: no page template %q", name))
	}
	if err := t.Execute(&buf, d); err != nil {
		u.log.Error("web UI page failed to render", "page", name, "err", err)
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage answers status with a page saying msg.
func (u *UI) errorPage(w http.ResponseWriter, r *http.Request, v *viewer, status int, msg string) {
	u.render(w, v, status, "error", pageData{Title: http.StatusText(status)},
		struct {
			Status int
			Msg    string
		}{status, msg})
}
