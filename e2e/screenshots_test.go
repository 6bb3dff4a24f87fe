package e2e

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// screenshotDir holds the README's screenshots. Refresh them with
//
//	UPDATE_SCREENSHOTS=1 go test ./e2e -run TestScreenshots
var screenshotDir = filepath.Join("..", "docs", "screenshots")

// shot is one screenshot: a page at the viewport of the person who uses it.
type shot struct {
	file string // under screenshotDir; the prefix names the viewport
	v    viewport
	url  string
	sel  string                           // visible once the page is ready
	prep []chromedp.Action[chromedp.Void] // after loading, before the picture
}

// MustShoot opens s and takes a picture of the viewport. Without
// UPDATE_SCREENSHOTS it checks the picture and that the committed file
// exists; with it, it writes the file.
func MustShoot(tb testing.TB, ctx context.Context, s shot) {
	tb.Helper()
	if !strings.HasPrefix(s.file, s.v.Name+"-") {
		tb.Fatalf("screenshot %s is taken on the %s viewport; name it %s-…", s.file, s.v.Name, s.v.Name)
	}
	MustOpen(tb, ctx, s.v, s.url, s.sel)
	MustDo(tb, ctx, s.prep...)
	data := MustRun(tb, ctx, chromedp.CaptureScreenshot())
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("%s: %v", s.file, err)
	}
	if b := img.Bounds(); int64(b.Dx()) != s.v.Width || int64(b.Dy()) != s.v.Height {
		tb.Errorf("%s is %dx%d, want the %s viewport %dx%d", s.file, b.Dx(), b.Dy(), s.v.Name, s.v.Width, s.v.Height)
	}
	path := filepath.Join(screenshotDir, s.file)
	if os.Getenv("UPDATE_SCREENSHOTS") != "" {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	if _, err := os.Stat(path); err != nil {
		tb.Errorf("%s is missing: run UPDATE_SCREENSHOTS=1 go test ./e2e -run TestScreenshots", path)
	}
}

// TestScreenshots takes the README's pictures of each page at its user's
// viewport, and fails when docs/screenshots lacks one or holds one no page makes.
func TestScreenshots(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{Configure: queueSystem})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	k.MustAddStaff(t, nipBudi, "Budi Santoso, S.H.", "2")
	k.MustAddStaff(t, nipAgus, "Agus Salim", "3")
	k.MustRateThroughAPI(t, nipSiti, 12)
	k.MustRateThroughAPI(t, nipBudi, 7)
	c := MustStartCentral(t)
	ctx := MustBrowser(t)
	if os.Getenv("UPDATE_SCREENSHOTS") != "" {
		if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	MustEnrollBrowser(t, ctx, k) // sets up the admin, whose session enrolling ends
	shots := []shot{
		{file: "phone-survey.png", v: phone, url: k.URL + "/s/" + siti.Code, sel: "form[data-survey]",
			prep: []chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS("#service"), "KTPEL_BARU"),
				chromedp.Click(chromedp.CSS(`label[for="persyaratan-4"]`)), chromedp.Evaluate[chromedp.Void]("scrollTo(0, 0)")}},
		{file: "phone-thanks.png", v: phone, url: k.URL + "/s/" + siti.Code + "/terima-kasih", sel: ".thanks"},
		{file: "phone-survey-sunda-large.png", v: phone, url: k.URL + "/s/" + siti.Code + "?lang=su&tampilan=besar", sel: "form[data-survey]",
			prep: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`label[for="persyaratan-3"]`)),
				chromedp.Evaluate[chromedp.Void](`scrollTo(0, document.getElementById("q-persyaratan").getBoundingClientRect().top + scrollY - 8)`)}},
		{file: "tablet-start.png", v: tablet, url: k.URL + "/kiosk?lang=id&tampilan=biasa", sel: ".staff-grid"},
		{file: "tablet-survey.png", v: tablet, url: k.URL + "/kiosk/s/" + siti.Code, sel: "form[data-survey]"},
		{file: "tablet-prompt.png", v: tablet, url: k.URL + "/kiosk/s/" + siti.Code, sel: "form[data-survey]",
			prep: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`label[for="persyaratan-4"]`)), chromedp.Click(chromedp.CSS(`label[for="prosedur-3"]`)),
				chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0); document.getElementById("more-time").showModal()`)}},
		{file: "desktop-counter.png", v: desktop, url: k.URL + "/counter/" + siti.Code, sel: ".counter-screen img.qr"},
	}
	for _, s := range shots {
		MustShoot(t, ctx, s)
	}
	MustLogIn(t, ctx, k.URL)
	admin := []shot{
		{file: "desktop-summary.png", v: desktop, url: k.URL + "/admin", sel: "h1"},
		{file: "desktop-staff.png", v: desktop, url: k.URL + "/admin/staff", sel: "table"},
		{file: "desktop-card.png", v: desktop, url: k.URL + "/card/" + siti.Code, sel: ".qr-card img.qr"},
	}
	for _, s := range admin {
		MustShoot(t, ctx, s)
	}
	ck, _ := MustSeedCentral(t, ctx, c)
	central := []shot{
		{file: "desktop-central-dashboard.png", v: desktop, url: c.URL + "/admin", sel: ".grid"},
		{file: "desktop-central-reconciliation.png", v: desktop, url: c.URL + "/admin/reconciliation", sel: "table"},
		{file: "desktop-central-report.png", v: desktop, url: c.URL + "/admin/reports/" + ck.OfficeID, sel: "#rpt-responses",
			prep: []chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](
				`scrollTo(0, document.querySelector("main figure.rpt-chart").getBoundingClientRect().top + scrollY - 120)`)}},
	}
	for _, s := range central {
		MustShoot(t, ctx, s)
	}

	// A low rating with a contact: the tracking code, and the case at central after the sync.
	cs, err := ck.DB.StaffByNIP(context.Background(), nipSiti)
	if err != nil {
		t.Fatal(err)
	}
	// Another citizen's phone (the browser rated Siti already): no cookies.
	MustDo(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	MustOpen(t, ctx, phone, ck.URL+"/s/"+cs.Code+"?lang=id&tampilan=biasa", "form[data-survey]")
	thanks := MustRateWithContact(t, ctx, lowAnswers, "0812 3456 7890")
	MustSync(t, ck.Uploader)
	code := MustText(t, ctx, "#tracking-code")
	MustLogIn(t, ctx, c.URL)
	loop := []shot{
		{file: "phone-thanks-tracking.png", v: phone, url: thanks, sel: "#tracking-code",
			prep: []chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`scrollTo(0, document.querySelector(".tracking").getBoundingClientRect().top + scrollY - 8)`)}},
		{file: "phone-central-followup.png", v: phone, url: c.URL + "/publik/tindak-lanjut?lang=id&kode=" + code, sel: "#fu-result"},
		{file: "desktop-central-register.png", v: desktop, url: c.URL + "/admin/reports/" + ck.OfficeID + "/rtl", sel: "#fu-cases",
			prep: []chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](
				`document.querySelector("#fu-cases details").open = true; scrollTo(0, document.getElementById("fu-register").getBoundingClientRect().top + scrollY - 8)`)}},
	}
	for _, s := range loop {
		MustShoot(t, ctx, s)
	}

	var want []string
	for _, s := range slices.Concat(shots, admin, central, loop) {
		want = append(want, s.file)
	}
	files, err := filepath.Glob(filepath.Join(screenshotDir, "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.Contains(want, filepath.Base(f)) {
			t.Errorf("%s shows no page the suite takes any more: delete it", f)
		}
	}
}
