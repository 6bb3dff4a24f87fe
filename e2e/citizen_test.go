package e2e

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/skmkiosk/skm/survey"
)

// answers is one citizen's ratings, varied so that a swapped element shows.
var answers = map[survey.Element]int{
	survey.Persyaratan: 4, survey.Prosedur: 3, survey.Waktu: 4, survey.Biaya: 4, survey.Produk: 3,
	survey.Kompetensi: 4, survey.Perilaku: 4, survey.Pengaduan: 2, survey.Sarana: 3,
}

// tapAnswers taps the face label of each answer, as a citizen does.
func tapAnswers(ratings map[survey.Element]int) []chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for _, e := range survey.Elements {
		steps = append(steps, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="%s-%d"]`, e, ratings[e]))))
	}
	return steps
}

// MustDecodeQR fetches a QR code PNG from the kiosk and returns the text it encodes.
func MustDecodeQR(tb testing.TB, k *kioskServer, path string) string {
	tb.Helper()
	u := k.URL + path
	resp, err := k.HTTP.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		tb.Fatalf("GET %s: %d %s, want 200 image/png", u, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: %v", u, err)
	}
	return MustDecodeQRImage(tb, img)
}

// MustDecodeQRImage decodes the QR code in img, which holds the code alone
// with its quiet zone (a PNG from the kiosk, or a screenshot of its <img>).
// Without the PURE_BARCODE hint gozxing misreads about 3 in 1,000 of the
// kiosk's codes (measured over 3,000 random survey URLs); with it, none.
func MustDecodeQRImage(tb testing.TB, img image.Image) string {
	tb.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		tb.Fatal(err)
	}
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		tb.Fatalf("decode QR code: %v", err)
	}
	return res.GetText()
}

// MustCheckStored fails unless the kiosk holds exactly one response: answers
// for staff member nip, service, channel and comment.
func MustCheckStored(tb testing.TB, k *kioskServer, nip, service, channel, comment string) {
	tb.Helper()
	rs := k.MustResponses(tb)
	if len(rs) != 1 {
		tb.Fatalf("the kiosk stored %d responses, want 1", len(rs))
	}
	r := rs[0]
	if r.NIP != nip || r.Service != service || r.Channel != channel || r.Comment != comment {
		tb.Errorf("stored nip %s, service %s, channel %s, comment %q; want %s, %s, %s, %q",
			r.NIP, r.Service, r.Channel, r.Comment, nip, service, channel, comment)
	}
	for _, e := range survey.Elements {
		if got, want := r.Ratings.Get(e), answers[e]; got != want {
			tb.Errorf("stored %s = %d, want %d", e, got, want)
		}
	}
}

// TestCitizenScansQRAndRates is a citizen's whole path on a phone: the
// staff member's QR code, the survey, taps on the faces, the service, a
// comment, submit, thank-you; the row in the kiosk's SQLite file; then Back
// and Submit again, which stays one row.
func TestCitizenScansQRAndRates(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)

	surveyURL := MustDecodeQR(t, k, "/qr/"+siti.Code+".png")
	if want := k.URL + "/s/" + siti.Code; surveyURL != want {
		t.Fatalf("the QR code encodes %q, want %q", surveyURL, want)
	}
	MustOpen(t, ctx, phone, surveyURL, "form[data-survey]")
	if got := MustText(t, ctx, ".who .name"); got != "Siti Aminah" {
		t.Errorf("the survey names %q as the staff member, want Siti Aminah", got)
	}
	MustDo(t, ctx, tapAnswers(answers)...)
	const comment = "Petugas ramah <b>& cepat</b>"
	MustDo(t, ctx,
		chromedp.SetValue(chromedp.CSS("#service"), "KTPEL_BARU"),
		chromedp.SendKeys(chromedp.CSS("#comment"), comment),
	)
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	if loc, want := MustLocation(t, ctx), surveyURL+"/terima-kasih"; loc != want {
		t.Errorf("after submit the phone shows %s, want %s", loc, want)
	}
	if got := MustText(t, ctx, ".thanks h1"); !strings.Contains(got, "Terima kasih") {
		t.Errorf("thank-you heading %q", got)
	}
	MustCheckStored(t, k, nipSiti, "KTPEL_BARU", survey.ChannelQR, comment)

	MustResendAfterBack(t, ctx)
	MustCheckStored(t, k, nipSiti, "KTPEL_BARU", survey.ChannelQR, comment)
}

// MustResendAfterBack presses Back from the thank-you page to the filled
// form and submits it again, as a citizen unsure it went through does: the
// form's key makes it the same rating, and the thank-you page says so.
func MustResendAfterBack(tb testing.TB, ctx context.Context) {
	tb.Helper()
	ctx = MustGoBack(tb, ctx)
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	if loc := MustLocation(tb, ctx); !strings.HasSuffix(loc, "/terima-kasih?ulang=1") {
		tb.Errorf("a resent form leads to %s, want the thank-you page marked ulang=1", loc)
	}
}

// scriptingDisabled reports whether the page parses as a browser without
// JavaScript does: <noscript> content becomes elements only then.
const scriptingDisabled = `(() => { const n = document.createElement("noscript"); n.innerHTML = "<p></p>"; return n.children.length === 1; })()`

// TestCitizenWithoutJavaScript is the same path in a browser with JavaScript
// off.
func TestCitizenWithoutJavaScript(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t, noJavaScript)

	surveyURL := MustDecodeQR(t, k, "/qr/"+siti.Code+".png")
	MustOpen(t, ctx, phone, surveyURL, "form[data-survey]")
	if !MustEval[bool](t, ctx, scriptingDisabled) {
		t.Fatal("the browser runs scripts; this test needs JavaScript off")
	}
	MustDo(t, ctx, tapAnswers(answers)...)
	MustDo(t, ctx,
		chromedp.SetValue(chromedp.CSS("#service"), "KK_BARU"),
		chromedp.SendKeys(chromedp.CSS("#comment"), "Tanpa JavaScript"),
	)
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	MustCheckStored(t, k, nipSiti, "KK_BARU", survey.ChannelQR, "Tanpa JavaScript")

	MustResendAfterBack(t, ctx)
	MustCheckStored(t, k, nipSiti, "KK_BARU", survey.ChannelQR, "Tanpa JavaScript")
}

// activeElement describes the focused element for failure messages.
const activeElement = `(() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 120) : "none"; })()`

// MustTabTo presses Tab until the focused element matches sel, at most max
// times, and returns the elements focused on the way.
func MustTabTo(tb testing.TB, ctx context.Context, sel string, max int) []string {
	tb.Helper()
	var path []string
	for range max {
		MustDo(tb, ctx, chromedp.KeyEvent(kb.Tab))
		path = append(path, MustEval[string](tb, ctx, activeElement))
		if MustEval[bool](tb, ctx, "document.activeElement.matches(`"+sel+"`)") {
			return path
		}
	}
	tb.Fatalf("%d presses of Tab did not reach %s; focus went through:\n\t%s", max, sel, strings.Join(path, "\n\t"))
	return nil
}

// TestKeyboardOnlySurvey completes the survey without a pointer: Tab to
// each control, arrow keys in the service list and in each question's faces,
// Space to answer, typing the comment and Enter on the submit button. Focus
// must be visible on the faces.
func TestKeyboardOnlySurvey(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code, "form[data-survey]")

	path := MustTabTo(t, ctx, "a.skip", 1)
	if !MustEval[bool](t, ctx, `(() => { const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; })()`) {
		t.Errorf("the focused skip link stays off-screen: %s", path[0])
	}
	MustTabTo(t, ctx, "#service", 10)
	MustDo(t, ctx, chromedp.KeyEvent(kb.ArrowDown+kb.ArrowDown))
	if got := MustRun(t, ctx, chromedp.Value(chromedp.CSS("#service"))); got != "KTPEL_BARU" {
		t.Fatalf("two presses of ArrowDown in the service list chose %q, want KTPEL_BARU", got)
	}
	for _, e := range survey.Elements {
		// Each question's "Bacakan" button comes first (shown where the browser can speak).
		MustTabTo(t, ctx, fmt.Sprintf("#%s-1", e), 2)
		if e == survey.Persyaratan {
			outline := MustEval[string](t, ctx, `getComputedStyle(document.activeElement.labels[0]).outlineStyle`)
			if outline == "none" {
				t.Error("a focused face shows no focus outline")
			}
		}
		MustDo(t, ctx, chromedp.KeyEvent(" "))
		for range answers[e] - 1 {
			MustDo(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
		}
	}
	MustTabTo(t, ctx, "#comment", 1)
	MustDo(t, ctx, chromedp.KeyEvent("Lewat papan ketik"))
	MustTabTo(t, ctx, "button[type=submit]", 5)
	MustFollow(t, ctx, http.StatusOK, chromedp.KeyEvent(kb.Enter))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	MustCheckStored(t, k, nipSiti, "KTPEL_BARU", survey.ChannelQR, "Lewat papan ketik")
}

// TestTextZoom200 sets the browser's default text size to 200 % (32 px, as
// a citizen with low vision does) and checks that every citizen page still
// fits a phone's width: no horizontal scrolling.
func TestTextZoom200(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	MustDo(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetFontSizes, page.SetFontSizesParams{FontSizes: &page.FontSizes{Standard: 32}})
		return err
	}))
	for _, p := range []a11yPage{
		{"survey", "/s/" + siti.Code, "form[data-survey]"},
		{"survey in English", "/s/" + siti.Code + "?lang=en", "form[data-survey]"},
		{"thank-you", "/s/" + siti.Code + "/terima-kasih?lang=id", ".thanks"},
		{"privacy", "/privasi", "h1"},
		{"home", "/", "h1"},
	} {
		MustOpen(t, ctx, phone, k.URL+p.path, p.sel)
		if got := MustEval[string](t, ctx, `getComputedStyle(document.documentElement).fontSize`); got != "32px" {
			t.Fatalf("%s: root font size %s, want 32px (text zoom not applied)", p.name, got)
		}
		MustFitWidth(t, ctx, p.name)
	}
}

// overflowing lists the elements that stick out of the layout viewport on the right.
const overflowing = `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map(e => e.outerHTML.slice(0, 100))`

// MustFitWidth fails when the page scrolls sideways on the phone, naming
// what sticks out. It compares with the layout viewport (clientWidth): a
// mobile browser widens window.innerWidth to the content and zooms out.
func MustFitWidth(tb testing.TB, ctx context.Context, page string) {
	tb.Helper()
	width := MustEval[int](tb, ctx, `document.documentElement.scrollWidth`)
	viewport := MustEval[int](tb, ctx, `document.documentElement.clientWidth`)
	if viewport != int(phone.Width) {
		tb.Fatalf("%s: the layout viewport is %d px wide, want the phone's %d", page, viewport, phone.Width)
	}
	if width > viewport {
		tb.Errorf("%s scrolls sideways: %d px wide on a %d px phone; too wide:\n\t%s", page, width, viewport,
			strings.Join(MustEval[[]string](tb, ctx, overflowing), "\n\t"))
	}
}

// TestCitizenBackWithoutBackForwardCache is the Back-and-resend case in a
// browser that keeps no page in its back/forward cache (as on many cheap
// phones): Back then loads the form from the HTTP cache. The form posts to
// a path of its own, so the POST does not invalidate the cached form, and the
// resend carries the same key: still one rating.
func TestCitizenBackWithoutBackForwardCache(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t, chromedp.Flag("disable-back-forward-cache", true))
	surveyURL := k.URL + "/s/" + siti.Code
	MustOpen(t, ctx, phone, surveyURL, "form[data-survey]")
	fill := append(tapAnswers(answers), chromedp.SetValue(chromedp.CSS("#service"), "KIA"))
	MustDo(t, ctx, fill...)
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	MustCheckStored(t, k, nipSiti, "KIA", survey.ChannelQR, "")

	ctx = MustGoBack(t, ctx)
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	MustDo(t, ctx, fill...) // the answers again, whether or not the browser kept them
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	MustCheckStored(t, k, nipSiti, "KIA", survey.ChannelQR, "")
}
