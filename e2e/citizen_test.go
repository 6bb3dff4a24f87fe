package e2e

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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

// MustDecodeQR fetches a QR code PNG and returns the text it encodes.
func MustDecodeQR(tb testing.TB, u string) string {
	tb.Helper()
	resp, err := http.Get(u)
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

// MustDecodeQRImage decodes the QR code in img.
func MustDecodeQRImage(tb testing.TB, img image.Image) string {
	tb.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
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

	surveyURL := MustDecodeQR(t, k.URL+"/qr/"+siti.Code+".png")
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

	surveyURL := MustDecodeQR(t, k.URL+"/qr/"+siti.Code+".png")
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
