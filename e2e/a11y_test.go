package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
)

// unlabelled lists the page's form controls that have no accessible name
// from a <label>, aria-label or aria-labelledby, and buttons without text.
const unlabelled = `[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")].filter(el =>
	el.tagName === "BUTTON" ? !(el.textContent.trim() || el.getAttribute("aria-label"))
		: el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")
).map(el => el.outerHTML)`

// MustBeAccessible checks the tab's current page: axe-core finds no serious
// or critical violation, <html> has the page's language, and every control
// has a label. It opens every <details> first, so that axe sees what they hold.
func MustBeAccessible(tb testing.TB, ctx context.Context, page, lang string) {
	tb.Helper()
	MustDo(tb, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`))
	if got := MustEval[string](tb, ctx, `document.documentElement.lang`); got != lang {
		tb.Errorf("%s: <html lang=%q>, want %q", page, got, lang)
	}
	for _, el := range MustEval[[]string](tb, ctx, unlabelled) {
		tb.Errorf("%s: control without a label: %s", page, el)
	}
	MustPassAxe(tb, ctx, page)
}

// a11yPage is one page of an accessibility test, ready once sel is visible.
type a11yPage struct {
	name, path, sel string
}

// MustCheckPages opens each page on v and checks it.
func MustCheckPages(tb testing.TB, ctx context.Context, v viewport, base string, pages []a11yPage) {
	tb.Helper()
	for _, p := range pages {
		MustOpen(tb, ctx, v, base+p.path, p.sel)
		lang := "id"
		if strings.Contains(p.path, "lang=en") {
			lang = "en"
		}
		MustBeAccessible(tb, ctx, p.name, lang)
	}
}

// TestAccessibilityCitizenPages checks every page a citizen's phone shows,
// in both languages: the survey (with the optional follow-up contact), a
// refused survey, a wrong QR code, a one-time visit's survey and a forged
// one, and the page of a rating over the per-device limit.
func TestAccessibilityCitizenPages(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{Configure: func(c *kiosk.Config) { c.Privacy.FollowUp = true }})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	MustCheckPages(t, ctx, phone, k.URL, []a11yPage{
		{"home", "/", "h1"},
		{"survey", "/s/" + siti.Code, "form[data-survey]"},
		{"thank-you", "/s/" + siti.Code + "/terima-kasih", ".thanks"},
		{"privacy", "/privasi", "h1"},
	})

	MustOpenStatus(t, ctx, phone, k.URL+"/s/tidakada", ".alert-error", http.StatusNotFound)
	MustBeAccessible(t, ctx, "unknown QR code", "id")

	// A survey sent with no answers comes back with what is missing. The
	// browser's own check (required) would stop it, so it is switched off.
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code, "form[data-survey]")
	MustDo(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("form[data-survey]").noValidate = true`))
	MustFollow(t, ctx, http.StatusBadRequest, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.alert-error[role="alert"]`)))
	MustBeAccessible(t, ctx, "refused survey", "id")

	visit := k.MustAPIVisit(t, nipSiti, "KK_BARU")
	MustCheckPages(t, ctx, phone, k.URL, []a11yPage{
		{"visit survey", strings.TrimPrefix(visit.SurveyURL, k.URL), "form[data-survey]"},
		{"survey in English", "/s/" + siti.Code + "?lang=en", "form[data-survey]"},
		{"privacy in English", "/privasi?lang=en", "h1"},
	})
	MustOpenStatus(t, ctx, phone, k.URL+"/v/palsu?lang=id", "h1", http.StatusBadRequest)
	MustBeAccessible(t, ctx, "forged visit code", "id")

	// A second rating of the same staff member from this phone (limits.per_device = 1).
	for _, status := range []int64{http.StatusOK, http.StatusTooManyRequests} {
		MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code, "form[data-survey]")
		MustDo(t, ctx, tapAnswers(answers)...)
		MustDo(t, ctx, chromedp.SetValue(chromedp.CSS("#service"), "KIA"))
		MustFollow(t, ctx, status, chromedp.Click(chromedp.CSS("button[type=submit]")))
	}
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
	MustBeAccessible(t, ctx, "rating over the limit", "id")
}

// TestAccessibilityTabletPages checks the desk tablet's pages and the
// counter screen.
func TestAccessibilityTabletPages(t *testing.T) {
	// The thank-you page and the survey must stay while axe reads them.
	k := MustStartKiosk(t, kioskOptions{Configure: func(c *kiosk.Config) {
		c.Kiosk.ReturnAfter = survey.Duration(10 * time.Minute)
		c.Kiosk.IdleReset = survey.Duration(time.Hour)
	}})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	k.MustAddStaff(t, nipBudi, "Budi Santoso", "2")
	ctx := MustBrowser(t)
	MustOpenStatus(t, ctx, tablet, k.URL+"/kiosk?lang=id", ".thanks", http.StatusForbidden)
	MustBeAccessible(t, ctx, "tablet page refused to a device not enrolled", "id")
	MustEnrollBrowser(t, ctx, k)
	MustCheckPages(t, ctx, tablet, k.URL, []a11yPage{
		{"tablet start", "/kiosk", ".staff-grid"},
		{"tablet survey", "/kiosk/s/" + siti.Code, "form[data-survey]"},
		{"tablet thank-you", "/kiosk/terima-kasih", ".thanks"},
		{"counter screen", "/counter/" + siti.Code, ".counter-screen img.qr"},
		{"tablet start in English", "/kiosk?lang=en", ".staff-grid"},
	})
	MustOpenStatus(t, ctx, tablet, k.URL+"/kiosk/s/tidakada?lang=id", ".alert-error", http.StatusNotFound)
	MustBeAccessible(t, ctx, "tablet unknown staff member", "id")
}

// TestAccessibilityAdminPages checks the office admin's pages on a desktop,
// and the counter account's screens.
func TestAccessibilityAdminPages(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	link := k.MustSetupLink(t)
	MustCheckPages(t, ctx, desktop, k.URL, []a11yPage{{"set-up", strings.TrimPrefix(link, k.URL), `form[action="/setup"]`}})
	MustSetUpAdmin(t, ctx, link)
	k.MustRateThroughAPI(t, nipSiti, 3)
	MustCheckPages(t, ctx, desktop, k.URL, []a11yPage{
		{"summary", "/admin", "h1"},
		{"staff list", "/admin/staff", "table"},
		{"add staff member", "/admin/staff/new", "form #nip"},
		{"edit staff member", "/admin/staff/" + nipSiti, "form #nip"},
		{"import staff", "/admin/staff/import", "#file"},
		{"services", "/admin/services", "table"},
		{"sync", "/admin/sync", "h1"},
		{"staff card", "/card/" + siti.Code, ".qr-card"},
		{"users", "/admin/users", "table"},
		{"audit log", "/admin/audit", "h1"},
		{"follow-up contacts", "/admin/followups", "h1"},
		{"desk tablets", "/admin/tablets", `form[action="/admin/tablets"]`},
		{"own password", "/account/password", "form #current"},
		{"summary in English", "/admin?lang=en", "h1"},
	})
	MustOpen(t, ctx, desktop, k.URL+"/admin?lang=id", "h1")
	password := MustAddCounterAccount(t, ctx, k, "loket1", nipSiti)
	MustBeAccessible(t, ctx, "new account's password", "id")

	MustOpen(t, ctx, desktop, k.URL+"/admin/staff/import?lang=id", "#file")
	csv := "nip,name,position,unit,counter\n12345,Agus Salim,Pengadministrasi,Pendaftaran Penduduk,3\n"
	MustDo(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{MustWriteFile(t, "petugas.csv", []byte(csv))}))
	MustFollow(t, ctx, http.StatusBadRequest, chromedp.Click(chromedp.CSS(`form[action="/admin/staff/import"] button[type=submit]`)))
	MustBeAccessible(t, ctx, "refused import", "id")

	MustOpen(t, ctx, desktop, k.URL+"/admin/staff/new", "form #nip")
	MustDo(t, ctx, chromedp.SendKeys(chromedp.CSS("#nip"), "12345"), chromedp.SendKeys(chromedp.CSS("#name"), "Agus"))
	MustFollow(t, ctx, http.StatusBadRequest, chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	MustBeAccessible(t, ctx, "refused staff member", "id")

	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	MustBeAccessible(t, ctx, "login", "id")

	MustCounterLogIn(t, ctx, k, "loket1", password, siti)
	MustBeAccessible(t, ctx, "counter screen with the new visit button", "id")
	MustNewVisit(t, ctx, "KIA")
	MustBeAccessible(t, ctx, "counter screen with a visit code", "id")
}

// TestAccessibilityCentralPages checks central's pages after a kiosk synced.
func TestAccessibilityCentralPages(t *testing.T) {
	c := MustStartCentral(t)
	ctx := MustBrowser(t)
	MustCheckPages(t, ctx, desktop, c.URL, []a11yPage{{"central set-up",
		strings.TrimPrefix(c.MustSetupLink(t), c.URL), `form[action="/setup"]`}})
	k, _ := MustSeedCentral(t, ctx, c)
	MustCheckPages(t, ctx, desktop, c.URL, []a11yPage{
		{"central dashboard", "/admin", ".grid"},
		{"offices", "/admin/offices", "table"},
		{"kiosks", "/admin/kiosks", "table"},
		{"integrity", "/admin/integrity", "h1"},
		{"reconciliation", "/admin/reconciliation", "table"},
		{"office staff", "/admin/offices/" + k.OfficeID + "/staff", "table"},
		{"office services", "/admin/offices/" + k.OfficeID + "/services", "table"},
		{"reports", "/admin/reports", "table"},
		{"office report", "/admin/reports/" + k.OfficeID, "#rpt-responses"},
		{"appraisal report", "/admin/reports/" + k.OfficeID + "/appraisal", "h1"},
		{"follow-up plan (RTL)", "/admin/reports/" + k.OfficeID + "/rtl", "h1"},
		{"SKM report", "/admin/reports/" + k.OfficeID + "/skm", "h1"},
		{"staff member's report", "/admin/reports/" + k.OfficeID + "/staff/" + nipSiti, "#rpt-count"},
		{"staff member's evidence", "/admin/reports/" + k.OfficeID + "/staff/" + nipSiti + "/evidence", "h1"},
		{"public index", "/publik", "h1"},
		{"public page", "/publik/" + k.OfficeID, "h1"},
		{"receipt check", "/tanda-terima", "form #kode"},
		{"receipt check with a result", "/tanda-terima?kode=" + k.ID + "-1-00000000", "#receipt-result"},
		{"users", "/admin/users", "table"},
		{"audit log", "/admin/audit", "h1"},
		{"own password", "/account/password", "form #current"},
		{"central dashboard in English", "/admin?lang=en", ".grid"},
		{"office report in English", "/admin/reports/" + k.OfficeID + "?lang=en", "#rpt-responses"},
	})
	// A document issued from the logged-in browser, then its public verification page.
	id := MustRun(t, ctx, chromedp.Evaluate[string](`fetch("/admin/reports/`+k.OfficeID+`/skm.pdf").then(r => r.headers.get("X-Document-Id"))`,
		chromedp.EvalAwaitPromise))
	MustCheckPages(t, ctx, desktop, c.URL, []a11yPage{
		{"document verification", "/publik/dokumen/" + id + "?lang=id", "#doc-record"},
		{"document verification, a file that does not match", "/publik/dokumen/" + id + "?lang=id&sha256=" + strings.Repeat("0", 64), "#doc-verdict"},
		{"document verification in English", "/publik/dokumen/" + id + "?lang=en", "#doc-record"},
	})
	MustOpen(t, ctx, desktop, c.URL+"/admin/kiosks?lang=id", `form[action="/admin/kiosks"]`)
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/admin/kiosks"] button[type=submit]`)))
	MustBeAccessible(t, ctx, "new kiosk's secret", "id")
}
