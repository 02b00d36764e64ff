package webui

import (
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// Names and texts from hosts are hostile until shown otherwise: every page
// must show them as text.
func TestHostileTextIsEscaped(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	// A hostname may not hold spaces or slashes, so its payload has none.
	const hostname = `x"><script>alert(1)<`
	d := doc(hostname, sn(7),
		api.AgentStatus{Name: `<script>alert("agent")</script>`, Status: "fatal", Message: `<img src=x onerror=alert("msg")>`,
			Limits: map[string]string{"cpu": `<b>10%</b>`}})
	d.Events = []api.Event{{Time: 1, Agent: `<script>alert("ev")</script>`, Type: "fatal", Message: "m",
		LogTail: "line 1\n<script>alert('log')</script>\n"}}
	f.report(t, d)
	if _, err := f.store.SetTags(t.Context(), sn(7), `<script>alert('tag')</script>`); err != nil {
		t.Fatal(err)
	}
	b := f.signedIn(t, f.admin.Token)
	for _, p := range []string{"/", "/hosts", "/hosts?tag=%3Cscript%3E", "/hosts/" + sn(7), "/events", "/jobs"} {
		t.Run(p, func(t *testing.T) {
			resp, body := b.get(p)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", p, resp.StatusCode)
			}
			for _, bad := range []string{"<script>alert", "<img src=x", "<b>10%"} {
				if strings.Contains(body, bad) {
					t.Errorf("GET %s carries %q unescaped", p, bad)
				}
			}
		})
	}
	_, body := b.get("/hosts/" + sn(7))
	for _, want := range []string{
		"x&#34;&gt;&lt;script&gt;alert(1)&lt;",                // hostname
		"&lt;script&gt;alert(&#34;agent&#34;)&lt;/script&gt;", // agent name
		"&lt;img src=x onerror=alert(&#34;msg&#34;)&gt;",      // message
		"&lt;script&gt;alert(&#39;tag&#39;)&lt;/script&gt;",   // tag
		"&lt;script&gt;alert(&#39;log&#39;)&lt;/script&gt;",   // log tail
		"&lt;b&gt;10%&lt;/b&gt;",                              // limit
	} {
		if !strings.Contains(body, want) {
			t.Errorf("host page lacks the escaped text %q", want)
		}
	}
}
