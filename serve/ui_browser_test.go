package serve

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/schemaguard/guard/internal/pgtest"
)

// screenshotDir is where GUARD_SCREENSHOTS=1 writes the pages (make
// screenshots): the README shows them.
const screenshotDir = "../docs/screenshots"

// newBrowser starts one headless Chromium (Debian's chromium package) for
// the test, and returns a tab in it. Without the binary the test is
// skipped, except under CI=true where it fails.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/chromium"); serr != nil {
			pgtest.SkipOrFail(t, "no chromium binary (apt-get install chromium)")
		}
		path = "/usr/bin/chromium"
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(1280, 900))
	tab, cancelTab := chromedp.NewContext(alloc)
	tab, cancelTimeout := context.WithTimeout(tab, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	// The first run on the tab starts the browser: on this context, so
	// that the tab lives as long as the test (not one bounded step).
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return tab
}

// browser is a tab driven by a test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu      sync.Mutex
	dialogs []string
}

// step bounds one browser action: a selector that never matches fails
// the test instead of waiting for the whole test's deadline.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 30*time.Second)
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func (b *browser) eval(js string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", js, err)
	}
	return v
}

func (b *browser) open(path string) { b.t.Helper(); b.do(chromedp.Navigate(b.base + path)) }

// text is the text of the first element sel matches ("" when none).
func (b *browser) text(sel string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent`, sel))
}

// waitText polls until the element sel matches holds want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	eventually(b.t, fmt.Sprintf("%q in %s", want, sel), func() bool { return strings.Contains(b.text(sel), want) })
}

func (b *browser) disabled(sel string) bool {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`String(document.querySelector(%q).disabled)`, sel)) == "true"
}

// watchDialogs records (and dismisses) every JavaScript dialog the tab
// opens: an escaped name must never open one.
func (b *browser) watchDialogs() {
	dialogs := chromedp.Events(b.ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(b.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}

func (b *browser) dialogCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.dialogs)
}

// shot writes the page at 1280 and 390 pixels wide when GUARD_SCREENSHOTS=1.
func (b *browser) shot(name string) {
	b.t.Helper()
	if os.Getenv("GUARD_SCREENSHOTS") != "1" {
		return
	}
	assert.NoError(b.t, os.MkdirAll(screenshotDir, 0o755))
	for _, w := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(w, 900))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		assert.NoError(b.t, err)
		assert.NoError(b.t, os.WriteFile(filepath.Join(screenshotDir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644))
	}
	b.do(chromedp.EmulateViewport(1280, 900))
}

// fits checks that the page needs no sideways scrolling at a phone's
// width (390 px; wide tables scroll inside their own box) nor at a
// laptop's (1280 px).
func (b *browser) fits() {
	b.t.Helper()
	for _, w := range []int64{390, 1280} {
		b.do(chromedp.EmulateViewport(w, 900))
		eventually(b.t, fmt.Sprintf("a %d px viewport", w), func() bool {
			return b.eval(`String(window.innerWidth) + " " + String(matchMedia("(max-width: 760px)").matches)`) == fmt.Sprintf("%d %v", w, w <= 760)
		})
		got := b.eval(`String(document.documentElement.scrollWidth)`)
		wide := b.eval(fmt.Sprintf(`Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > %d && (!e.parentElement.closest('.scroll'))).slice(0, 5).map(e => e.tagName + '.' + e.className).join(' ')`, w))
		assert.Equal(b.t, fmt.Sprint(w), got, "%s: page width at a %d px viewport; too wide: %s", b.eval(`location.pathname`), w, wide)
	}
}

// press focuses sel and presses Enter on it: a real link or button works
// from the keyboard, and shows a focus ring.
func (b *browser) press(sel string) {
	b.t.Helper()
	b.do(chromedp.Focus(chromedp.CSS(sel)))
	assert.NotEqual(b.t, "none", b.eval(fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).outlineStyle`, sel)), "%s shows focus", sel)
	b.do(chromedp.KeyEvent("\r"))
}

func (b *browser) login(key string) {
	b.t.Helper()
	b.open("/ui/login")
	if b.eval(`location.pathname`) != "/ui/login" {
		// Still signed in: an earlier subtest failed before its logout.
		b.logout()
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#key"), key), chromedp.Click(chromedp.CSS("#signin")))
	b.waitText("h1", "Targets")
}

func (b *browser) logout() {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS("#logout")))
	b.waitText("h1", "Sign in")
	b.open("/ui/")
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	assert.NoError(b.t, err)
	assert.Equal(b.t, b.base+"/ui/login", loc, "signed out: the pages send to the login")
}

// TestServeUIInABrowser drives the Schema Explorer in headless Chromium:
// an admin signs in, sees a target with breaking drift as a red dot first,
// opens its report, promotes with a confirmation that shows the diff,
// asks for the next check and sees the dot turn green; a read key sees the
// buttons disabled and its forged POST refused; a table named
// <script>alert(1)</script> is shown literally and runs nothing.
func TestServeUIInABrowser(t *testing.T) {
	tab := newBrowser(t)
	s, state, base := apiServer(t, fastSchedule())
	ctx := t.Context()
	adminKey, _, err := s.CreateKey(ctx, "ops", ScopeAdmin)
	assert.NoError(t, err)
	readKey, _, err := s.CreateKey(ctx, "dashboard", ScopeRead)
	assert.NoError(t, err)

	app := pgtest.DB(t)
	pgtest.Exec(t, app, `CREATE TYPE mood AS ENUM ('happy', 'sad');
		CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, mood mood);
		CREATE TABLE notes (id int PRIMARY KEY, body text);
		CREATE VIEW user_emails AS SELECT id, email FROM users`)
	calm := pgtest.DB(t)
	pgtest.Exec(t, calm, `CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) NOT NULL)`)
	xss := pgtest.DB(t)
	pgtest.Exec(t, xss, `CREATE TABLE "<script>alert(1)</script>" (id int PRIMARY KEY, "<img src=x onerror=alert(2)>" text)`)
	for name, url := range map[string]string{"app": app, "calm": calm, "xss": xss,
		"gone": strings.Replace(app, "/guard_test_", "/guard_missing_", 1)} {
		_, err := s.RegisterTarget(ctx, TargetSpec{Name: name, URL: url, IntervalSeconds: 3600})
		assert.NoError(t, err)
	}
	for name, tables := range map[string][]string{"app": {"users"}, "calm": nil, "xss": nil} {
		_, err := s.LockTables(ctx, name, tables, "auto")
		assert.NoError(t, err)
	}
	rcv := newReceiver(t, ok200)
	_, err = s.CreateWebhook(ctx, WebhookSpec{Target: "app", URL: rcv.srv.URL, AllowPrivate: true})
	assert.NoError(t, err)
	run(t, s)
	checked := func(name string, n int64) func() bool {
		return func() bool { tg, err := s.Target(ctx, name); return err == nil && tg.Checks >= n }
	}
	for _, n := range []string{"app", "calm", "xss", "gone"} {
		eventually(t, n+" checked", checked(n, 1))
	}
	// Breaking drift on app (a rename) and on xss (a dropped column).
	pgtest.Exec(t, app, `ALTER TABLE users RENAME COLUMN email TO email_address`)
	pgtest.Exec(t, xss, `ALTER TABLE "<script>alert(1)</script>" DROP COLUMN "<img src=x onerror=alert(2)>"`)
	due(t, state)
	for _, n := range []string{"app", "xss"} {
		eventually(t, n+" breaking", func() bool {
			tg, err := s.Target(ctx, n)
			return err == nil && tg.ContractDrift != nil && *tg.ContractDrift == "breaking"
		})
	}
	eventually(t, "the drift webhook delivered", func() bool { return len(rcv.received()) >= 1 })

	b := &browser{t: t, ctx: tab, base: base}
	b.open("/ui/")
	b.watchDialogs()

	t.Run("admin promotes and the dot turns green", func(t *testing.T) {
		b.t = t
		b.waitText("h1", "Sign in")
		b.fits()
		b.shot("login")
		b.login(adminKey)
		first := b.eval(`document.querySelector('table.targets tbody tr').dataset.target`)
		assert.True(t, first == "app" || first == "xss", "breaking drift sorts first, got %s", first)
		assert.Contains(t, b.eval(`document.querySelector('tr[data-target="app"] .dot').className`), "dot-breaking")
		assert.Equal(t, "breaking drift", b.text(`tr[data-target="app"] .dot-label`), "the dot has a text label")
		assert.Equal(t, "unreachable", b.text(`tr[data-target="gone"] .dot-label`))
		assert.Equal(t, "locked, no drift", b.text(`tr[data-target="calm"] .dot-label`))
		b.fits()
		b.shot("targets")

		b.do(chromedp.Click(chromedp.CSS(`tr[data-target="app"] a`)))
		b.waitText("h1", "app")
		b.do(chromedp.Click(chromedp.CSS(`li[data-name="public.users"] a`)))
		b.waitText("#detail-title", "public.users")
		report := b.text(".detail .report")
		assert.Contains(t, report, "BREAKING")
		assert.Contains(t, report, "column_renamed")
		assert.Contains(t, b.text(`li[data-name="public.users"]`), "breaking drift")
		assert.Contains(t, b.text(`li[data-name="public.mood"]`), "locked, no drift", "the enum users uses is locked with it")
		assert.Contains(t, b.text(`li[data-name="public.user_emails"]`), "view")
		b.fits()
		b.shot("explorer")
		// The filter box hides what does not match (the script's live filter).
		b.do(chromedp.SendKeys(chromedp.CSS("#filter"), "note"))
		eventually(t, "the filter", func() bool {
			return b.eval(`String(document.querySelector('li[data-name="public.user_emails"]').hidden)`) == "true"
		})
		assert.Equal(t, "false", b.eval(`String(document.querySelector('li[data-name="public.notes"]').hidden)`))
		assert.Equal(t, "false", b.eval(`String(document.querySelector('li[data-name="public.users"]').hidden)`), "the selected table stays")

		b.press("#promote")
		b.waitText("h1", "Promote")
		confirm := b.text("main")
		assert.Contains(t, confirm, "column_renamed", "the confirmation shows the resulting diff")
		assert.Contains(t, confirm, "email_address")
		b.fits()
		b.shot("confirm")
		b.press("#confirm")
		b.waitText(".notice", "Promoted")
		d, err := s.DiffContract(ctx, "app", nil, true)
		assert.NoError(t, err)
		assert.Equal(t, "none", d.Drift, "promoted")
		assert.Contains(t, b.eval(`document.querySelector('h1 .dot').className`), "dot-breaking", "until the next check")

		before := count(t, s, `SELECT checks::int FROM guard_serve.targets WHERE name = 'app'`)
		b.do(chromedp.Click(chromedp.CSS("#check-now")))
		b.waitText(".notice", "check is due")
		eventually(t, "the next check", func() bool {
			return count(t, s, `SELECT checks::int FROM guard_serve.targets WHERE name = 'app'`) > before
		})
		b.open("/ui/")
		assert.Contains(t, b.eval(`document.querySelector('tr[data-target="app"] .dot').className`), "dot-ok")
		assert.Equal(t, "locked, no drift", b.text(`tr[data-target="app"] .dot-label`))

		b.open("/ui/targets/app/history")
		b.waitText("h1", "History of app")
		assert.Contains(t, b.text(".timeline"), "v2")
		assert.Contains(t, b.text(".history"), "Diff v1 → v2")
		assert.Contains(t, b.text(".history .report"), "column_renamed")
		assert.Contains(t, b.text(".event .deliveries"), "succeeded")
		b.fits()
		b.shot("history")
		b.open("/ui/webhooks")
		b.waitText("h1", "Webhooks")
		assert.Contains(t, b.text(".webhook"), rcv.srv.URL)
		assert.Contains(t, b.text(".webhook .deliveries"), "succeeded")
		b.fits()
		b.shot("webhooks")
		sent := len(rcv.received())
		b.press(".webhook .redeliver")
		b.waitText(".notice", "Redelivery queued")
		eventually(t, "the redelivery", func() bool { return len(rcv.received()) > sent })
		got := rcv.received()
		assert.Equal(t, got[0].header.Get("webhook-id"), got[len(got)-1].header.Get("webhook-id"), "the same message, again")
		b.logout()
	})

	// New breaking drift, for the read key to (fail to) promote.
	pgtest.Exec(t, app, `ALTER TABLE users DROP COLUMN name`)
	due(t, state)
	eventually(t, "app breaking again", func() bool {
		tg, err := s.Target(ctx, "app")
		return err == nil && tg.ContractDrift != nil && *tg.ContractDrift == "breaking"
	})

	t.Run("a read key cannot promote", func(t *testing.T) {
		b.t = t
		b.login(readKey)
		assert.Contains(t, b.text(".readonly"), "Read-only")
		b.open("/ui/targets/app?table=public.users")
		b.waitText("#detail-title", "public.users")
		assert.Contains(t, b.text(".detail .report"), "column_removed", "a read key sees everything")
		assert.True(t, b.disabled("#promote"))
		assert.True(t, b.disabled("#unlock"))
		assert.True(t, b.disabled("#set-mode"))
		assert.True(t, b.disabled("#check-now"))
		b.open("/ui/targets/app/confirm?action=promote&table=public.users")
		b.waitText("h1", "Promote")
		assert.True(t, b.disabled("#confirm"))
		// Forged: the page's own form, enabled by hand, and a fetch with the
		// session's token.
		status, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`fetch('/ui/targets/app/promote', {method: 'POST',
			body: new URLSearchParams({csrf: document.querySelector('input[name=csrf]').value, table: 'public.users'})}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		assert.NoError(t, err)
		assert.Equal(t, 403, status)
		b.eval(`document.querySelector('#confirm').disabled = false; document.querySelector('#confirm').click(); ""`)
		b.waitText("h1", "403")
		assert.Contains(t, b.text("main"), "admin key")
		d, err := s.DiffContract(ctx, "app", nil, true)
		assert.NoError(t, err)
		assert.Equal(t, "breaking", d.Drift, "nothing promoted")
		b.logout()
	})

	t.Run("a table named <script> is escaped", func(t *testing.T) {
		b.t = t
		b.login(adminKey)
		const name = `<script>alert(1)</script>`
		assert.Contains(t, b.text(`tr[data-target="xss"]`), "breaking drift")
		b.open("/ui/targets/xss")
		b.waitText(".objects", name)
		b.do(chromedp.Click(chromedp.CSS(`.objects a.object-link`)))
		b.waitText("#detail-title", name)
		assert.Contains(t, b.text(".detail .report"), "<img src=x onerror=alert(2)>", "the dropped column's name, literally")
		b.do(chromedp.Click(chromedp.CSS("#promote")))
		b.waitText("h1", name)
		for _, page := range []string{"/ui/targets/xss?table=" + strings.ReplaceAll(`public."<script>alert(1)</script>"`, `"`, "%22"),
			"/ui/targets/xss/history", "/ui/targets/xss/confirm?action=promote&table=public.%22%3Cscript%3Ealert(1)%3C%2Fscript%3E%22"} {
			b.open(page)
			assert.Equal(t, "1", b.eval(`String(document.querySelectorAll('script').length)`), "%s: only ui.js", page)
			assert.Equal(t, "0", b.eval(`String(document.querySelectorAll('img').length)`), page)
			assert.Contains(t, b.text("main"), name, page)
		}
		assert.Equal(t, 0, b.dialogCount(), "no dialog opened")
		b.logout()
	})
}
