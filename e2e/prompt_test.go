package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
)

// promptIdle is the idle time before "Perlu waktu lagi?" in this test (a
// test may go below the 10 s a configuration file allows); the prompt
// itself waits the shortest the configuration allows, 20 s (WCAG 2.2.1).
const promptIdle = 3 * time.Second

// MustNavigationHistory returns the addresses of the tab's session history and the current index.
func MustNavigationHistory(tb testing.TB, ctx context.Context) ([]string, int64) {
	tb.Helper()
	var urls []string
	var current int64
	MustDo(tb, ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		h, err := cdp.Call(ctx, t, page.GetNavigationHistory, cdp.Empty{})
		if err != nil {
			return err
		}
		current = h.CurrentIndex
		for _, e := range h.Entries {
			urls = append(urls, e.URL)
		}
		return err
	}))
	return urls, current
}

// MustWaitPrompt waits until the tablet shows "Perlu waktu lagi?" and
// checks it as a screen reader meets it: a modal dialog with its title as
// name, and the countdown starting at wait.
func MustWaitPrompt(tb testing.TB, ctx context.Context, wait time.Duration) time.Time {
	tb.Helper()
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS("dialog#more-time")))
	shown := time.Now()
	tree := MustAXTree(tb, ctx)
	d := MustFindAX(tb, tree, "dialog", "Perlu waktu lagi?")
	if d.Props["modal"] != "true" {
		tb.Errorf("the prompt is not a modal dialog to a screen reader: %+v", d)
	}
	MustFindAX(tb, tree, "button", "Ya, saya perlu waktu")
	MustFindAX(tb, tree, "button", "Tidak, mulai dari awal")
	if got := MustText(tb, ctx, "dialog#more-time [data-countdown]"); got != "20" && got != "19" {
		tb.Errorf("the prompt counts down from %s, want %d seconds", got, int(wait.Seconds()))
	}
	return shown
}

// TestTabletAsksBeforeReset: an idle survey on the tablet asks "Perlu
// waktu lagi?"; "yes" keeps every answer; unanswered for 20 s it resets,
// keeping the partial answers apart ([kiosk] unfinished = "keep_partial"),
// and leaves nothing of the citizen in the page, the form or the history.
func TestTabletAsksBeforeReset(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{Configure: func(c *kiosk.Config) {
		c.Kiosk.IdleReset = survey.Duration(promptIdle)
		c.Kiosk.PromptWait = survey.Duration(kiosk.MinPromptWait)
		c.Kiosk.Unfinished = kiosk.UnfinishedKeep
		c.Kiosk.ReturnAfter = survey.Duration(returnAfter)
	}})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	MustEnrollBrowser(t, ctx, k)
	MustOpen(t, ctx, tablet, k.URL+"/kiosk", ".staff-grid") // from here on only taps, as on the tablet
	_, startIndex := MustNavigationHistory(t, ctx)
	startLen := MustEval[int](t, ctx, `history.length`)
	choose := chromedp.Click(chromedp.CSS(`.staff-grid a[href="/kiosk/s/` + siti.Code + `"]`))

	// One citizen rates completely; the tablet returns to the start by itself.
	MustDo(t, ctx, choose, chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	MustDo(t, ctx, tapAnswers(answers)...)
	MustDo(t, ctx, chromedp.SetValue(chromedp.CSS("#service"), "KIA"), chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".thanks")))
	MustReturnToStart(t, ctx, k, time.Now(), 0)

	// The next walks away mid-way.
	MustDo(t, ctx, choose, chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	MustDo(t, ctx, chromedp.Click(chromedp.CSS(`label[for="persyaratan-2"]`)), chromedp.Click(chromedp.CSS(`label[for="waktu-1"]`)),
		chromedp.SendKeys(chromedp.CSS("#comment"), "Antre dua jam"))
	MustWaitPrompt(t, ctx, kiosk.MinPromptWait)
	MustDo(t, ctx, chromedp.Click(chromedp.CSS("dialog#more-time [data-more-time]")),
		chromedp.WaitNotVisible(chromedp.CSS("dialog#more-time")))
	if !MustEval[bool](t, ctx, `document.getElementById("persyaratan-2").checked && document.getElementById("waktu-1").checked && document.getElementById("comment").value === "Antre dua jam"`) {
		t.Fatal("\"yes, I need more time\" lost the answers given")
	}
	shown := MustWaitPrompt(t, ctx, kiosk.MinPromptWait)
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".staff-grid"))) // nobody taps: the reset
	if waited := time.Since(shown); waited < kiosk.MinPromptWait {
		t.Errorf("the prompt reset the survey after %s, want at least %s", waited, kiosk.MinPromptWait)
	}

	// Nothing of either citizen in the page, the form or the history.
	if loc := MustLocation(t, ctx); loc != k.URL+"/kiosk?lang=id" {
		t.Errorf("after the reset the tablet shows %s", loc)
	}
	if n := MustEval[int](t, ctx, `history.length`); n != startLen {
		t.Errorf("history.length went from %d to %d: the flow added to the history", startLen, n)
	}
	urls, current := MustNavigationHistory(t, ctx)
	for _, u := range urls[startIndex:] {
		if strings.Contains(u, "/kiosk/s/") || strings.Contains(u, "terima-kasih") {
			t.Errorf("the history keeps %s", u)
		}
	}
	if current != startIndex {
		t.Errorf("the history's current entry moved from %d to %d", startIndex, current)
	}
	if MustEval[bool](t, ctx, `!!document.querySelector("form[data-survey], textarea, input[type=radio]")`) {
		t.Error("the start screen holds a form")
	}
	MustDo(t, ctx, choose, chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	if MustEval[bool](t, ctx, `!!document.querySelector("input[type=radio]:checked") || document.getElementById("comment").value !== "" || document.getElementById("service").value !== ""`) {
		t.Error("the next survey came back with the previous citizen's answers")
	}
	if MustEval[int](t, ctx, `sessionStorage.length + localStorage.length`) != 0 {
		t.Error("the page keeps something in web storage")
	}

	// The one completed rating is a response; the walk-away is kept apart.
	MustCheckStored(t, k, nipSiti, "KIA", survey.ChannelKiosk, "")
	day := time.Now().Add(-time.Hour)
	if n, err := k.DB.CountPartials(context.Background(), day, day.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("%d unfinished surveys kept (%v), want 1", n, err)
	}
}

// TestTabletPromptStartOver: "no, start over" resets at once, dropping the
// answers when the office keeps no partial surveys (the default).
func TestTabletPromptStartOver(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{Configure: func(c *kiosk.Config) { c.Kiosk.IdleReset = survey.Duration(promptIdle) }})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	MustEnrollBrowser(t, ctx, k)
	MustChooseOnTablet(t, ctx, k, siti)
	MustDo(t, ctx, chromedp.Click(chromedp.CSS(`label[for="sarana-1"]`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("dialog#more-time")))
	if got := MustText(t, ctx, "dialog#more-time [data-countdown]"); got != "30" && got != "29" {
		t.Errorf("the default prompt counts down from %s, want 30", got)
	}
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("dialog#more-time [data-reset-now]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".staff-grid")))
	if n := len(k.MustResponses(t)); n != 0 {
		t.Errorf("%d responses after a reset", n)
	}
	day := time.Now().Add(-time.Hour)
	if n, _ := k.DB.CountPartials(context.Background(), day, day.Add(2*time.Hour)); n != 0 {
		t.Errorf("%d partial surveys kept with unfinished = drop", n)
	}
}
