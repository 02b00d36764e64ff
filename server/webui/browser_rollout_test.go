package webui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin creates a rollout in a real browser on the real rollout
// engine: opens the form from the rollouts page, fills it, previews the
// plan (nothing created yet), creates it and lands on its page with the
// per-wave progress.
func TestBrowserCreateRollout(t *testing.T) {
	f := newFixture(t, fixtureOpts{storeRollouts: true})
	seedRolloutFleet(t, f)
	ctx := chrome(t, 1280, 900, false)
	signInBrowser(t, ctx, f, f.admin.Token)
	run(t, ctx, "open the form",
		chromedp.Navigate(f.ts.URL+"/rollouts"),
		chromedp.Click(`#new-rollout`),
		chromedp.WaitVisible(`form.rolloutform`),
		chromedp.SetValue(`form.rolloutform select[name=action]`, "upgrade"),
		chromedp.SendKeys(`form.rolloutform input[name=name]`, "mon"),
		chromedp.SendKeys(`form.rolloutform input[name=url]`, "https://repo.example/mon-2.0.tar.gz"),
		chromedp.SendKeys(`form.rolloutform input[name=checksum]`, "SHA256:"+strings.Repeat("ab", 32)),
		chromedp.SendKeys(`form.rolloutform textarea[name=envs]`, "TOKEN=s3cret-value"),
		chromedp.SendKeys(`form.rolloutform input[name=selector]`, "role=web"),
		chromedp.SendKeys(`form.rolloutform input[name=waves]`, "1,100%"),
	)
	shot(t, ctx, "rollout-new")
	run(t, ctx, "preview",
		chromedp.Click(`button.do-preview`),
		chromedp.WaitVisible(`#plan-waves`),
		chromedp.WaitVisible(`//table[@id="plan-waves"]//span[@class="planhost"][text()="web-2"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//section[@id="plan"]//p[contains(., "halts at failure 1")]`, chromedp.BySearch),
	)
	shot(t, ctx, "rollout-preview")
	if n := rolloutCount(t, f); n != 0 {
		t.Fatalf("preview created %d rollouts", n)
	}
	var html string
	run(t, ctx, "page source", chromedp.OuterHTML(`html`, &html))
	if strings.Contains(html, "s3cret") {
		t.Fatal("the preview page carries the env value")
	}
	run(t, ctx, "type the env value again and create",
		chromedp.SendKeys(`form.rolloutform textarea[name=envs]`, "TOKEN=s3cret-value"),
		chromedp.Click(`button.do-create`),
		chromedp.WaitVisible(`#waves`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.WaitVisible(`//table[@id="waves"]//tr[td[1][text()="2"]]//progress`, chromedp.BySearch),
		// The summary counts the hosts (RolloutSummary.Hosts, not the
		// detail's host list of the same name).
		chromedp.WaitVisible(`//main//p[contains(., "upgrade mon on 2 hosts")]`, chromedp.BySearch),
	)
	shot(t, ctx, "rollout-created")
	ros, err := f.store.Rollouts(t.Context())
	if err != nil || len(ros) != 1 || ros[0].TokenID != f.admin.ID || ros[0].Total != 2 {
		t.Fatalf("rollouts %+v, %v: want one on 2 hosts by token %s", ros, err, f.admin.ID)
	}
	var h1 string
	run(t, ctx, "title", chromedp.Text(`main h1`, &h1))
	if h1 != "Rollout "+ros[0].ID {
		t.Fatalf("landed on %q, want the page of rollout %s", h1, ros[0].ID)
	}
}
