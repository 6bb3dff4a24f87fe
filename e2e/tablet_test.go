package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// Short tablet timings keep the suite fast. kiosk.return_after may be 1 s in
// a configuration file; kiosk.idle_reset is at least 10 s there, and only a
// test can go below it (kiosk.NewServer does not validate the configuration).
// The idle reset leaves a loaded machine time to tap the first answer.
const (
	returnAfter = time.Second
	idleReset   = 5 * time.Second
)

// colorSkin fills the test photos.
var colorSkin = color.RGBA{0x84, 0x5e, 0x3c, 0xff}

// MustJPEG returns a small portrait photo, as an admin's upload would be.
func MustJPEG(tb testing.TB, c color.Color) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 120; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// MustSetPhoto gives a staff member a photo through the store.
func (k *kioskServer) MustSetPhoto(tb testing.TB, nip string, jpg []byte) {
	tb.Helper()
	p, err := web.ShrinkPhoto(jpg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := k.DB.SetStaffPhoto(context.Background(), nip, *p); err != nil {
		tb.Fatal(err)
	}
}

// MustEnrollBrowser enrolls the browser as the kiosk's desk tablet, as an
// office does: the admin (set up here if the kiosk has no account yet) logs
// in on it and presses "enroll this device", which ends that session and
// shows the tablet's start screen.
func MustEnrollBrowser(tb testing.TB, ctx context.Context, k *kioskServer) {
	tb.Helper()
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if link != "" {
		MustSetUpAdmin(tb, ctx, link)
	} else {
		MustLogIn(tb, ctx, k.URL)
	}
	MustOpen(tb, ctx, desktop, k.URL+"/admin/tablets", `form[action="/admin/tablets"]`)
	MustDo(tb, ctx, chromedp.SendKeys(chromedp.CSS("#tablet-name"), "Tablet meja"))
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/admin/tablets"] button[type=submit]`)))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS(".staff-grid")))
	if loc := MustLocation(tb, ctx); loc != k.URL+"/kiosk?terdaftar=1" {
		tb.Errorf("after enrolling the browser shows %s, want the tablet's start screen", loc)
	}
}

// MustChooseOnTablet opens the tablet's start screen and taps the staff
// member's photo; it fails unless the photo loaded.
func MustChooseOnTablet(tb testing.TB, ctx context.Context, k *kioskServer, st survey.Staff) {
	tb.Helper()
	MustOpen(tb, ctx, tablet, k.URL+"/kiosk", ".staff-grid")
	card := `.staff-grid a[href="/kiosk/s/` + st.Code + `"]`
	if !MustEval[bool](tb, ctx, `document.querySelector('`+card+` img').naturalWidth > 0`) {
		tb.Errorf("the tablet shows no photo for %s", st.Name)
	}
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(card)))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	if got := MustText(tb, ctx, ".who .name"); got != st.Name {
		tb.Errorf("the tablet survey is for %q, want %q", got, st.Name)
	}
}

// MustReturnToStart waits until the tablet shows its start screen again by
// itself, and fails if that came sooner than after.
func MustReturnToStart(tb testing.TB, ctx context.Context, k *kioskServer, since time.Time, after time.Duration) {
	tb.Helper()
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS(".staff-grid")))
	if waited := time.Since(since); waited < after {
		tb.Errorf("the tablet returned to the start after %s, want not before %s", waited, after)
	}
	// A reset between citizens returns to Bahasa Indonesia.
	if loc := MustLocation(tb, ctx); loc != k.URL+"/kiosk?lang=id" {
		tb.Errorf("the tablet returned to %s, want %s/kiosk?lang=id", loc, k.URL)
	}
}

// MustRateOnTablet answers, chooses the service and submits on the tablet,
// and checks that the thank-you page came. It returns when it pressed submit:
// the thank-you page's timer starts later.
func MustRateOnTablet(tb testing.TB, ctx context.Context, k *kioskServer) time.Time {
	tb.Helper()
	MustDo(tb, ctx, tapAnswers(answers)...)
	MustDo(tb, ctx, chromedp.SetValue(chromedp.CSS("#service"), "KIA"))
	submitted := time.Now()
	// The page goes away by itself after return_after, so its address is
	// taken from the navigation rather than read from the tab afterwards.
	if got := MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]"))); got != k.URL+"/kiosk/terima-kasih" {
		tb.Errorf("after submit the tablet shows %s, want %s/kiosk/terima-kasih", got, k.URL)
	}
	return submitted
}

// tabletFlow is the shared tablet at the desk: choose the staff member by
// photo, rate, thank-you, and back to the start by itself; then a citizen who
// walks away mid-way, and the start screen returns after the idle reset
// (with JavaScript, through "Perlu waktu lagi?" answered "start over"; the
// prompt's own wait is TestTabletAsksBeforeReset's).
// Two kiosks keep the timings apart: the first returns 1 s after thank-you
// (its idle reset is the default 90 s, so a slow machine cannot reset it
// mid-survey); the second resets a survey after 5 s without a touch.
func tabletFlow(t *testing.T, js bool, browser ...chromedp.ExecAllocatorOption) {
	k := MustStartKiosk(t, kioskOptions{Configure: func(c *kiosk.Config) { c.Kiosk.ReturnAfter = survey.Duration(returnAfter) }})
	idle := MustStartKiosk(t, kioskOptions{Configure: func(c *kiosk.Config) { c.Kiosk.IdleReset = survey.Duration(idleReset) }})
	ctx := MustBrowser(t, browser...)
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	k.MustAddStaff(t, nipBudi, "Budi Santoso", "2")
	k.MustSetPhoto(t, nipSiti, MustJPEG(t, colorSkin))

	MustEnrollBrowser(t, ctx, k)
	MustChooseOnTablet(t, ctx, k, siti)
	submitted := MustRateOnTablet(t, ctx, k)
	MustReturnToStart(t, ctx, k, submitted, returnAfter)
	MustCheckStored(t, k, nipSiti, "KIA", survey.ChannelKiosk, "")

	budi := idle.MustAddStaff(t, nipBudi, "Budi Santoso", "2")
	idle.MustSetPhoto(t, nipBudi, MustJPEG(t, colorSkin))
	MustEnrollBrowser(t, ctx, idle) // both kiosks are on 127.0.0.1: the browser now holds idle's credential
	// The survey page's timer starts when it loads, after this.
	chosen := time.Now()
	MustChooseOnTablet(t, ctx, idle, budi)
	MustDo(t, ctx, chromedp.Click(chromedp.CSS(`label[for="persyaratan-2"]`)))
	if js {
		MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("dialog#more-time")))
		MustDo(t, ctx, chromedp.Click(chromedp.CSS("dialog#more-time [data-reset-now]")))
	}
	MustReturnToStart(t, ctx, idle, chosen, idleReset)
	if n := len(idle.MustResponses(t)); n != 0 {
		t.Errorf("after the idle reset the kiosk holds %d responses, want none (a half-filled survey is not stored)", n)
	}
}

// TestTabletFlow runs the tablet flow with the kiosk's script.
func TestTabletFlow(t *testing.T) {
	tabletFlow(t, true)
}

// TestTabletFlowWithoutJavaScript runs it again with JavaScript off, where
// <meta http-equiv="refresh"> brings the start screen back.
func TestTabletFlowWithoutJavaScript(t *testing.T) {
	tabletFlow(t, false, noJavaScript)
}
