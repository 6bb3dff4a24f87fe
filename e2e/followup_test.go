package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/survey"
)

// TestFollowUpLoopInTheBrowser closes the loop as people do it: a citizen
// rates an officer's conduct 1 on a phone and leaves a contact; the
// thank-you page shows a tracking code; after the night's sync the code's
// page at central says "received"; the office records its answer in the
// register; the citizen's page shows it (never the contact); the next sync
// deletes the contact from the kiosk. Central's public pages meet WCAG 2.2 AA.
func TestFollowUpLoopInTheBrowser(t *testing.T) {
	c := MustStartCentral(t)
	ctx := MustBrowser(t)
	MustSetUpAdmin(t, ctx, c.MustSetupLink(t))
	k := MustRegisterKiosk(t, ctx, c)
	siti, err := k.DB.StaffByNIP(context.Background(), nipSiti)
	if err != nil {
		t.Fatal(err)
	}
	const contact = "0812 7777 1234"
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code, "form[data-survey]")
	MustRateWithContact(t, ctx, lowAnswers, contact)
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
	code := MustText(t, ctx, "#tracking-code")
	if _, err := survey.ParseTrackingCode(code); err != nil {
		t.Fatalf("the thank-you page shows %q, not a tracking code", code)
	}
	link := MustRun(t, ctx, chromedp.AttributeValue(chromedp.CSS(".tracking a"), "href"))
	if want := c.URL + "/publik/tindak-lanjut?kode=" + url.QueryEscape(code); link.Value != want {
		t.Errorf("the thank-you page links to %s, want %s", link.Value, want)
	}

	// Before the sync central does not know the code yet.
	MustFollow(t, ctx, http.StatusNotFound, chromedp.Click(chromedp.CSS(".tracking a")))
	MustContain(t, ctx, ".alert-error", "tidak ada tindak lanjut")
	MustSync(t, k.Uploader)
	MustOpen(t, ctx, phone, link.Value, "#fu-result")
	MustContain(t, ctx, "#fu-result", code, officeName, "Diterima")
	MustNotShow(t, ctx, contact, "7777", nipSiti, "Siti")
	status := citizenPage{"follow-up status, received", strings.TrimPrefix(link.Value, c.URL), "#fu-result", "id", phone}
	MustMeetWCAG22(t, ctx, c.URL, status)

	// The office answers in the register (the admin's session on central).
	MustOpen(t, ctx, desktop, c.URL+"/admin/reports/"+k.OfficeID+"/rtl", "#fu-cases")
	MustContain(t, ctx, "#fu-cases", code, "Perilaku Pelaksana", nipSiti)
	MustNotShow(t, ctx, contact, "7777")
	const answer = "Petugas sudah ditegur oleh kepala dinas dan mengikuti pelatihan pelayanan prima."
	row := "#fu-cases tbody tr"
	MustDo(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#fu-cases details").open = true`),
		chromedp.SetValue(chromedp.CSS(row+" select[name=status]"), "answered"),
		chromedp.SendKeys(chromedp.CSS(row+" textarea[name=action]"), "Warga ditelepon; petugas dipanggil"),
		chromedp.SendKeys(chromedp.CSS(row+" textarea[name=answer]"), answer))
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(row+" button[type=submit]")))
	MustContain(t, ctx, "#fu-cases", "Dijawab", answer)
	MustContain(t, ctx, "#fu-stats", "100,00 %")

	MustOpen(t, ctx, phone, link.Value, "#fu-result-answer")
	MustContain(t, ctx, "#fu-result", "Dijawab", answer)
	MustNotShow(t, ctx, contact, "7777", "ditelepon", nipSiti)
	status.name = "follow-up status, answered"
	MustMeetWCAG22(t, ctx, c.URL, status)
	for _, p := range []citizenPage{
		{"follow-up status form", "/publik/tindak-lanjut", "form #kode", "id", phone},
		{"public index", "/publik", "h1", "id", phone},
		{"public office page", "/publik/" + k.OfficeID, "h1", "id", phone},
		{"follow-up status in English", "/publik/tindak-lanjut?lang=en&kode=" + url.QueryEscape(code), "#fu-result", "en", phone},
		{"receipt check", "/tanda-terima?lang=id", "h1", "id", phone},
	} {
		MustMeetWCAG22(t, ctx, c.URL, p)
	}
	MustOpenStatus(t, ctx, phone, c.URL+"/publik/tindak-lanjut?lang=id&kode=0000-0000-0000", ".alert-error", http.StatusNotFound)
	unknown := citizenPage{"follow-up status of an unknown code", "", ".alert-error", "id", phone}
	MustCheckOpenPage(t, ctx, unknown)

	// The next sync learns the answer and deletes the contact on the kiosk.
	if list, _ := k.DB.FindFollowUps(context.Background()); len(list) != 1 {
		t.Fatalf("the kiosk holds %d follow-up contacts before the answer reached it, want 1", len(list))
	}
	MustSync(t, k.Uploader)
	if list, _ := k.DB.FindFollowUps(context.Background()); len(list) != 0 {
		t.Errorf("the contact of an answered follow-up is still on the kiosk: %+v", list)
	}
}

// MustNotShow fails if the page's text contains any of texts.
func MustNotShow(tb testing.TB, ctx context.Context, texts ...string) {
	tb.Helper()
	body := MustText(tb, ctx, "body")
	for _, s := range texts {
		if strings.Contains(body, s) {
			tb.Errorf("%s shows %q", MustLocation(tb, ctx), s)
		}
	}
}
