// Package e2e drives the kiosk and central web applications in Debian's
// Chromium through chromedp: each test starts real servers on 127.0.0.1:0
// over SQLite files in a temporary directory, and its own headless browser.
// Nothing is downloaded at test time; axe-core comes from testdata/node_modules
// (`npm ci --prefix e2e/testdata`).
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium package (`apt-get install -y chromium`).
const chromiumPath = "/usr/bin/chromium"

// testBudget bounds each browser test once its browser has started: every
// action runs under a context derived from the browser's with this deadline,
// so a missing element fails the test instead of hanging the suite.
const testBudget = 2 * time.Minute

// viewport is the screen of the person who uses a page.
type viewport struct {
	Name          string
	Width, Height int64
	Mobile        bool
}

// The three screens of the product's users.
var (
	phone   = viewport{Name: "phone", Width: 360, Height: 740, Mobile: true}     // a citizen's cheap phone
	tablet  = viewport{Name: "tablet", Width: 800, Height: 1280, Mobile: true}   // the shared desk tablet
	desktop = viewport{Name: "desktop", Width: 1280, Height: 900, Mobile: false} // an admin's office PC
)

// emulate sets the page's viewport; a mobile viewport also honours the
// page's <meta name="viewport">.
func (v viewport) emulate() chromedp.Action[chromedp.Void] {
	if v.Mobile {
		return chromedp.EmulateViewport(v.Width, v.Height, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(v.Width, v.Height)
}

// allocatorOptions are the flags Debian's chromium needs when run as root
// on a machine without outside network (background networking refused).
func allocatorOptions(extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	return append(opts, extra...)
}

// noJavaScript turns script execution off in the whole browser.
var noJavaScript = chromedp.Flag("blink-settings", "scriptEnabled=false")

// MustHaveChromium skips the test when chromium is not installed, except in
// CI (CI=true), where a missing browser fails the test: .ci/run installs it.
func MustHaveChromium(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is missing: CI must install it (apt-get install -y chromium)", chromiumPath)
	}
	tb.Skipf("%s is missing; install Debian's chromium (apt-get install -y chromium) to run the browser tests", chromiumPath)
}

// browsers holds each test's browser closer, so that a server started
// after the browser still shuts down after it (see closeBrowser).
var browsers sync.Map // testing.TB → func()

// MustBrowser starts a headless chromium for this test alone and returns a
// context for its first tab, bounded by testBudget. The browser and its
// temporary profile go away in the test's cleanup, before its servers stop.
func MustBrowser(tb testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	MustHaveChromium(tb)
	if _, ok := browsers.Load(tb); ok {
		tb.Fatal("one browser per test")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocatorOptions(extra...)...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	ctx, cancel := context.WithTimeout(browserCtx, testBudget)
	closeAll := sync.OnceFunc(func() {
		cancel()
		cancelBrowser()
		cancelAlloc() // waits for chromium to exit and removes its profile
	})
	browsers.Store(tb, closeAll)
	tb.Cleanup(func() {
		closeAll()
		browsers.Delete(tb)
	})
	// The first Run starts the browser and binds its life to browserCtx, so
	// it has no deadline (chromedp: a timeout there would end the browser); the deadline is on ctx, derived from it.
	if err := chromedp.Do(browserCtx); err != nil {
		tb.Fatalf("start %s: %v", chromiumPath, err)
	}
	return ctx
}

// closeBrowser closes the test's browser, if it has one, so that no
// keep-alive connection or page timer holds a server's shutdown.
func closeBrowser(tb testing.TB) {
	if f, ok := browsers.Load(tb); ok {
		f.(func())()
	}
}

// MustDo runs value-less steps in the tab of ctx.
func MustDo(tb testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("browser: %v%s", err, where(ctx))
	}
}

// MustRun runs one action in the tab of ctx and returns its value.
func MustRun[T any](tb testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.Fatalf("browser: %v%s", err, where(ctx))
	}
	return v
}

// where names the tab's current address for a failure message.
func where(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf(" (the test's %s browser budget ran out)", testBudget)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return " (at " + loc + ")"
}

// MustOpen shows u on viewport v and waits until sel is visible. It fails
// unless the document answered 200.
func MustOpen(tb testing.TB, ctx context.Context, v viewport, u, sel string) {
	tb.Helper()
	MustOpenStatus(tb, ctx, v, u, sel, 200)
}

// MustOpenStatus is MustOpen for a page that answers with status want.
func MustOpenStatus(tb testing.TB, ctx context.Context, v viewport, u, sel string, want int64) {
	tb.Helper()
	MustDo(tb, ctx, v.emulate())
	resp := MustRun(tb, ctx, chromedp.NavigateResponse(u))
	if resp.Status != want {
		tb.Fatalf("GET %s: status %d, want %d", u, resp.Status, want)
	}
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// MustFollow runs steps that make the tab navigate (a click on a link or a
// submit button), waits for the new document to load and fails unless its
// status is want. It returns the document's address.
func MustFollow(tb testing.TB, ctx context.Context, want int64, steps ...chromedp.Action[chromedp.Void]) string {
	tb.Helper()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		tb.Fatalf("browser: %v%s", err, where(ctx))
	}
	if resp.Status != want {
		tb.Fatalf("%s: status %d, want %d", resp.URL, resp.Status, want)
	}
	return resp.URL
}

// MustText returns the visible text of the first element matching sel.
func MustText(tb testing.TB, ctx context.Context, sel string) string {
	tb.Helper()
	return MustRun(tb, ctx, chromedp.Text(chromedp.CSS(sel)))
}

// MustLocation returns the tab's current URL.
func MustLocation(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	return MustRun(tb, ctx, chromedp.Location())
}

// MustEval evaluates a JavaScript expression in the page.
func MustEval[T any](tb testing.TB, ctx context.Context, expr string) T {
	tb.Helper()
	return MustRun(tb, ctx, chromedp.Evaluate[T](expr))
}

// emulateMedia switches the page between "screen" ("") and "print" styles.
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}

// MustGoBack presses the browser's Back button and returns the context to
// use from then on. Chromium restores the page from its back/forward cache,
// with the answers the citizen gave, as phone browsers do. chromedp does not
// see a restored document (no DOM.documentUpdated follows the restore), so the
// helper waits for the navigation and attaches a new session to the same tab.
func MustGoBack(tb testing.TB, ctx context.Context) context.Context {
	tb.Helper()
	back := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		h, err := cdp.Call(ctx, t, page.GetNavigationHistory, cdp.Empty{})
		if err != nil {
			return err
		}
		if h.CurrentIndex < 1 {
			return errors.New("no page to go back to")
		}
		_, err = cdp.Call(ctx, t, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: h.Entries[h.CurrentIndex-1].ID})
		return err
	})
	mainFrame := func(ev page.EventFrameNavigated) bool { return ev.Frame.ParentID == "" }
	MustRun(tb, ctx, chromedp.WaitEvent(page.FrameNavigated, mainFrame, back))
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(chromedp.FromContext(ctx).Target.TargetID))
	tb.Cleanup(cancel)
	MustDo(tb, tab)
	return tab
}
