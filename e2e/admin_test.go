package e2e

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/survey"
)

// MustSetUpAdmin opens the printed one-time set-up link, creates the admin
// account and waits for the admin pages (kiosk and central share the form).
func MustSetUpAdmin(tb testing.TB, ctx context.Context, link string) {
	tb.Helper()
	MustOpen(tb, ctx, desktop, link, `form[action="/setup"]`)
	MustDo(tb, ctx,
		chromedp.SendKeys(chromedp.CSS("#username"), adminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.SendKeys(chromedp.CSS("#password2"), adminPassword),
	)
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS("nav.admin")))
}

// MustLogIn logs in as the admin on the site at base.
func MustLogIn(tb testing.TB, ctx context.Context, base string) {
	tb.Helper()
	MustOpen(tb, ctx, desktop, base+"/login", `form[action="/login"]`)
	MustDo(tb, ctx,
		chromedp.SendKeys(chromedp.CSS("#username"), adminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
	)
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS("nav.admin")))
}

// MustWriteFile writes data to name in a temporary directory and returns its path.
func MustWriteFile(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustContain fails unless the element sel's text contains each of wants.
func MustContain(tb testing.TB, ctx context.Context, sel string, wants ...string) {
	tb.Helper()
	got := MustText(tb, ctx, sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			tb.Errorf("%s says %q, want it to contain %q", sel, got, w)
		}
	}
}

// TestAdminSetupRosterAndCard is an office admin's first day on a desktop
// browser: the set-up link, log out and in, add a staff member with a photo,
// edit them, import a CSV with a bad row, and print a staff card.
func TestAdminSetupRosterAndCard(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	ctx := MustBrowser(t)

	MustSetUpAdmin(t, ctx, k.MustSetupLink(t))
	if loc := MustLocation(t, ctx); loc != k.URL+"/admin" {
		t.Errorf("after set-up the browser shows %s, want the summary at %s/admin", loc, k.URL)
	}
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	MustLogIn(t, ctx, k.URL)

	// Add a staff member, with a photo.
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`nav.admin a[href="/admin/staff"]`)))
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`a[href="/admin/staff/new"]`)))
	photo := MustWriteFile(t, "siti.jpg", MustJPEG(t, colorSkin))
	MustDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#nip"), nipSiti),
		chromedp.SendKeys(chromedp.CSS("#name"), "Siti Aminah"),
		chromedp.SendKeys(chromedp.CSS("#position"), "Pengadministrasi"),
		chromedp.SendKeys(chromedp.CSS("#unit"), "Pendaftaran Penduduk"),
		chromedp.SendKeys(chromedp.CSS("#counter"), "1"),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
	)
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	MustContain(t, ctx, ".alert-ok", "Siti Aminah")
	MustContain(t, ctx, "table", nipSiti, "Siti Aminah", "Pengadministrasi")

	// Edit: a new position.
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`a[href="/admin/staff/`+nipSiti+`"]`)))
	MustDo(t, ctx,
		chromedp.Clear(chromedp.CSS("#position")),
		chromedp.SendKeys(chromedp.CSS("#position"), "Verifikator"),
	)
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	MustContain(t, ctx, "table", "Verifikator")
	siti, err := k.DB.StaffByNIP(context.Background(), nipSiti)
	if err != nil {
		t.Fatal(err)
	}
	if siti.Position != "Verifikator" || !siti.HasPhoto {
		t.Errorf("stored position %q, photo %v; want Verifikator with a photo", siti.Position, siti.HasPhoto)
	}

	// A CSV with a bad NIP on line 3 imports nothing and names the line.
	csv := "nip,name,position,unit,counter\n" +
		nipBudi + ",Budi Santoso,Verifikator,Pencatatan Sipil,2\n" +
		"12345,Agus Salim,Pengadministrasi,Pendaftaran Penduduk,3\n"
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`a[href="/admin/staff/import"]`)))
	MustDo(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{MustWriteFile(t, "petugas.csv", []byte(csv))}))
	MustFollow(t, ctx, http.StatusBadRequest, chromedp.Click(chromedp.CSS(`form[action="/admin/staff/import"] button[type=submit]`)))
	MustContain(t, ctx, `.alert-error[role="alert"]`, "Baris 3", "1 baris")
	if staff, err := k.DB.FindStaff(context.Background(), survey.StaffFilter{}); err != nil || len(staff) != 1 {
		t.Errorf("after a refused import the roster has %d staff members (%v), want 1", len(staff), err)
	}

	// Print Siti's card: name and a QR code that scans to her survey.
	MustOpen(t, ctx, desktop, k.URL+"/admin/staff", "table")
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`a[href="/card/`+siti.Code+`"]`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(".qr-card img.qr")))
	MustContain(t, ctx, ".qr-card .name", "Siti Aminah")
	shot := MustRun(t, ctx, chromedp.ScreenshotScale(chromedp.CSS(".qr-card img.qr"), 3))
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := MustDecodeQRImage(t, img), k.Server.SurveyURL(siti.Code); got != want {
		t.Errorf("the printed card's QR code reads %q, want %q", got, want)
	}
	MustPrintOnlyCard(t, ctx)
}

// MustPrintOnlyCard checks the card page's print stylesheet: the top bar
// with its language switch, the heading and text meant for the screen and
// the buttons are not printed; the card is.
func MustPrintOnlyCard(tb testing.TB, ctx context.Context) {
	tb.Helper()
	// The skip link is off-screen (left: -999px) and so never on paper.
	const screenOnly = `.topbar, .langs, .no-print, .actions`
	const shown = "[...document.querySelectorAll(`" + screenOnly + "`)].map(e => e.checkVisibility())"
	onScreen := MustEval[[]bool](tb, ctx, shown)
	MustDo(tb, ctx, emulateMedia("print"))
	defer MustDo(tb, ctx, emulateMedia(""))
	onPaper := MustEval[[]bool](tb, ctx, shown)
	if len(onPaper) < 4 || len(onScreen) != len(onPaper) {
		tb.Fatalf("the card page has %d elements matching %s, want at least 4", len(onPaper), screenOnly)
	}
	for i := range onPaper {
		if !onScreen[i] {
			tb.Errorf("element %d of %s is hidden on screen already; the print check proves nothing", i, screenOnly)
		}
		if onPaper[i] {
			tb.Errorf("printing shows element %d of %s", i, screenOnly)
		}
	}
	if !MustEval[bool](tb, ctx, `document.querySelector(".qr-card").checkVisibility()`) {
		tb.Error("printing hides the card itself")
	}
}
