package webui

import (
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkRolloutPreview answers the new-rollout form's preview (the
// store's dry run over the fleet) with 10,000 hosts in the store, as
// BenchmarkPages does for the pages (ms/page).
func BenchmarkRolloutPreview(b *testing.B) {
	const hosts = 10_000
	f := newFixture(b, fixtureOpts{storeRollouts: true})
	seedFleet(b, f, hosts)
	br := f.signedIn(b, f.admin.Token)
	for _, c := range []struct{ name, pick, selector string }{
		{"selector-half", "selector", "role=web"},
		{"all", "all", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			form := url.Values{"csrf": {br.csrf}, "do": {"preview"}, "action": {"restart"}, "name": {"Agent1"},
				"pick": {c.pick}, "selector": {c.selector}}
			for b.Loop() {
				if resp, body := br.postBody("/rollouts/new", form); resp.StatusCode != http.StatusOK {
					b.Fatalf("preview: %d\n%s", resp.StatusCode, body)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
		// The store's dry run alone, without HTTP and the page: most of
		// the preview's cost, and `rollout create --dry-run`'s too.
		b.Run(c.name+"-store-only", func(b *testing.B) {
			req, err := readRolloutForm(url.Values{"action": {"restart"}, "name": {"Agent1"}, "pick": {c.pick},
				"selector": {c.selector}}).request()
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := (StoreRollouts{Store: f.store}).Plan(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/plan")
		})
	}
}
