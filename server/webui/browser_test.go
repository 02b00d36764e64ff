package webui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"github.com/bootagent/bootagent/internal/testtools"
	"github.com/bootagent/bootagent/server"
)

// Browser tests: a real headless Chromium (Debian's chromium package)
// driven through the DevTools protocol against the real server. Each test
// saves screenshots of the pages it visits in its artifact directory
// (go test -artifacts -outputdir DIR keeps them).

// chrome starts a headless Chromium with a viewport of w×h (mobile: a
// phone's touch viewport) and returns its context.
func chrome(t *testing.T, w, h int, mobile bool) context.Context {
	t.Helper()
	testtools.Need(t, "apt-get install chromium (make deps)", "chromium")
	path, _ := exec.LookPath("chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI, where Chromium's sandbox refuses to start
		chromedp.DisableGPU, chromedp.WindowSize(w, h))
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, testdeadline.Scale(60*time.Second))
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if mobile {
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(int64(w), int64(h), chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
			t.Fatalf("emulate a phone: %v", err)
		}
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a full-page screenshot as name.png in the test's artifacts.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(&png, 100))
	path := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

func signInBrowser(t *testing.T, ctx context.Context, f *fixture, tok string) {
	t.Helper()
	run(t, ctx, "sign in",
		chromedp.Navigate(f.ts.URL+"/"),
		chromedp.WaitVisible(`input[name=token]`),
		chromedp.SendKeys(`input[name=token]`, tok),
		chromedp.Click(`form[action="/login"] button`),
		chromedp.WaitVisible(`//h1[contains(., "Fleet overview")]`, chromedp.BySearch),
	)
}

func TestBrowserAdmin(t *testing.T) {
	f := newFixture(t, fixtureOpts{rollouts: true})
	seed(t, f)
	ctx := chrome(t, 1280, 900, false)
	run(t, ctx, "sign-in page", chromedp.Navigate(f.ts.URL+"/"), chromedp.WaitVisible(`input[name=token]`))
	shot(t, ctx, "login")
	signInBrowser(t, ctx, f, f.admin.Token)
	run(t, ctx, "overview shows the failing agent", chromedp.WaitVisible(`//table[@id="failing"]//td[contains(., "Crashy")]`, chromedp.BySearch))
	shot(t, ctx, "overview")

	run(t, ctx, "find a host by tag",
		chromedp.Click(`nav a[href="/hosts"]`),
		chromedp.WaitVisible(`input[name=tag]`),
		chromedp.SendKeys(`input[name=tag]`, "role=web"),
		chromedp.Click(`form.search button`),
		chromedp.WaitVisible(`//p[@class="pager"]/span[normalize-space(.)="1–1 of 1"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//table[@id="hosts"]//a[text()="web-2"]`, chromedp.BySearch),
	)
	var rows int
	run(t, ctx, "count hosts", chromedp.Evaluate(`document.querySelectorAll("#hosts tbody tr").length`, &rows))
	if rows != 1 {
		t.Fatalf("tag role=web shows %d hosts, want 1 (web-2)", rows)
	}
	shot(t, ctx, "hosts-by-tag")

	run(t, ctx, "open the host and queue a job",
		chromedp.Click(`//table[@id="hosts"]//a[text()="web-2"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//table[@id="agents"]//td[text()="BasicAgent"]`, chromedp.BySearch),
		chromedp.SetValue(`form.jobform select[name=action]`, "restart"),
		chromedp.SendKeys(`form.jobform input[name=name]`, "BasicAgent"),
	)
	shot(t, ctx, "host")
	run(t, ctx, "submit the job", chromedp.Click(`form.jobform button[type=submit]`), chromedp.WaitVisible(`p.flash`),
		chromedp.WaitVisible(`//table[@id="host-jobs"]//td[text()="restart"]`, chromedp.BySearch))
	shot(t, ctx, "host-job-queued")
	jobs, err := f.store.JobsPage(t.Context(), server.JobPage{Host: "web-2"})
	if err != nil || len(jobs) != 1 || jobs[0].Action != "restart" || jobs[0].Name != "BasicAgent" || jobs[0].TokenID != f.admin.ID {
		t.Fatalf("jobs of web-2 = %+v, %v; want restart BasicAgent by token %s", jobs, err, f.admin.ID)
	}

	run(t, ctx, "jobs page", chromedp.Click(`nav a[href="/jobs"]`), chromedp.WaitVisible(`#jobs`))
	shot(t, ctx, "jobs")

	run(t, ctx, "pause a rollout",
		chromedp.Navigate(f.ts.URL+"/rollouts"),
		chromedp.WaitVisible(`#rollouts`),
		chromedp.Click(`a[href="/rollouts/r-1"]`),
		chromedp.WaitVisible(`#waves`),
	)
	shot(t, ctx, "rollout-running")
	run(t, ctx, "pause, then resume",
		chromedp.Click(`button.act-pause`),
		chromedp.WaitVisible(`button.act-resume`),
		chromedp.WaitVisible(`//p/span[contains(., "paused")]`, chromedp.BySearch),
	)
	shot(t, ctx, "rollout-paused")
	run(t, ctx, "resume", chromedp.Click(`button.act-resume`), chromedp.WaitVisible(`button.act-pause`))
	if got := f.rollouts.actions(); strings.Join(got, ";") != "r-1 pause "+f.admin.ID+";r-1 resume "+f.admin.ID {
		t.Fatalf("rollout actions %v", got)
	}
}

func TestBrowserReadSeesNoActions(t *testing.T) {
	f := newFixture(t, fixtureOpts{rollouts: true})
	seed(t, f)
	ctx := chrome(t, 1280, 900, false)
	signInBrowser(t, ctx, f, f.read.Token)
	for _, p := range []string{"/hosts/" + sn(1), "/jobs", "/rollouts/r-1"} {
		var n int
		run(t, ctx, "open "+p, chromedp.Navigate(f.ts.URL+p), chromedp.WaitVisible(`main h1`),
			chromedp.Evaluate(`document.querySelectorAll("form[method=post]:not(.who)").length`, &n))
		if n != 0 {
			t.Errorf("%s as read shows %d action forms", p, n)
		}
	}
	shot(t, ctx, "host-as-read")
	// The server refuses anyway: a form forged in the page by hand.
	var status int
	run(t, ctx, "forged POST", chromedp.Evaluate(`(async () => {
		const csrf = document.querySelector("form.who input[name=csrf]").value;
		const r = await fetch("/jobs", {method: "POST", body: new URLSearchParams({csrf, host: "web-1", action: "restart", name: "Crashy"})});
		return r.status; })()`, &status, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if status != 403 {
		t.Fatalf("POST /jobs as read from the page: %d, want 403", status)
	}
}

func TestBrowserLiveEvents(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	seed(t, f)
	ctx := chrome(t, 1280, 900, false)
	signInBrowser(t, ctx, f, f.read.Token)
	run(t, ctx, "open events",
		chromedp.Navigate(f.ts.URL+"/events"),
		chromedp.WaitVisible(`//span[@id="live-status"][contains(., "live")]`, chromedp.BySearch),
		chromedp.Evaluate(`window.notReloaded = 42`, nil),
	)
	d := doc("web-2", sn(2), api.AgentStatus{Name: "BasicAgent", Status: "running"})
	d.Events = []api.Event{{Time: 1764170500, Agent: "BasicAgent", Type: "exited", Message: "arrived live",
		LogTail: "<script>window.pwned=1</script>\nexit status 3"}}
	f.report(t, d)
	var marker, pwned int
	run(t, ctx, "the event appears without a reload",
		chromedp.WaitVisible(`//table[@id="events"]//td[contains(., "arrived live")]`, chromedp.BySearch),
		chromedp.Evaluate(`window.notReloaded`, &marker),
		chromedp.Evaluate(`window.pwned || 0`, &pwned),
		chromedp.Click(`//table[@id="events"]//tr[contains(., "arrived live")]//summary`, chromedp.BySearch),
	)
	if marker != 42 || pwned != 0 {
		t.Fatalf("page reloaded (marker %d) or ran the log tail (pwned %d)", marker, pwned)
	}
	shot(t, ctx, "events-live")
}

func TestBrowserPhone(t *testing.T) {
	f := newFixture(t, fixtureOpts{rollouts: true})
	seed(t, f)
	ctx := chrome(t, 390, 844, true)
	signInBrowser(t, ctx, f, f.admin.Token)
	for _, p := range []struct{ path, name string }{{"/", "phone-overview"}, {"/hosts/" + sn(1), "phone-host"}, {"/events", "phone-events"},
		{"/rollouts/new", "phone-rollout-new"}} {
		var overflow bool
		run(t, ctx, "open "+p.path, chromedp.Navigate(f.ts.URL+p.path), chromedp.WaitVisible(`main h1`),
			chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow))
		if overflow {
			t.Errorf("%s is wider than a phone's screen", p.path)
		}
		shot(t, ctx, p.name)
	}
}
