package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
)

// trackedKiosk looks connected to central (at an address nobody answers),
// so that a low rating with a contact gets a tracking code.
func trackedKiosk(c *kiosk.Config) {
	c.Central = kiosk.CentralConfig{URL: "http://127.0.0.1:9", KioskID: "k-e2e", Secret: "skm1-e2e", PublicURL: "http://127.0.0.1:9"}
	c.Privacy.FollowUp = true
}

// lowAnswers rates the officer's conduct 1, the rest 3.
var lowAnswers = map[survey.Element]int{survey.Persyaratan: 3, survey.Prosedur: 3, survey.Waktu: 3, survey.Biaya: 3,
	survey.Produk: 3, survey.Kompetensi: 3, survey.Perilaku: 1, survey.Pengaduan: 3, survey.Sarana: 3}

// MustRateWithContact rates on the open survey with a contact and consent,
// submits and returns the thank-you page's address.
func MustRateWithContact(tb testing.TB, ctx context.Context, ratings map[survey.Element]int, contact string) string {
	tb.Helper()
	steps := append(tapAnswers(ratings), chromedp.SetValue(chromedp.CSS("#service"), "KIA"),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`),
		chromedp.Click(chromedp.CSS(`label[for="followup_consent"]`)), chromedp.SendKeys(chromedp.CSS("#contact"), contact))
	MustDo(tb, ctx, steps...)
	return MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
}

// TestWCAG22PhonePages holds every page a citizen's phone shows to WCAG 2.2
// AA: axe-core's wcag2a–wcag22aa rules with no violation at all, touch
// targets of 44 × 44 px, visible focus at every Tab stop, labels, and no
// sideways scrolling at 320 px or at 200 % zoom; in the four languages and
// with large text.
func TestWCAG22PhonePages(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{Configure: trackedKiosk})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	form := "form[data-survey]"
	for _, p := range []citizenPage{
		{"survey", "/s/" + siti.Code + "?lang=id", form, "id", phone},
		{"survey in English", "/s/" + siti.Code + "?lang=en", form, "en", phone},
		{"survey in Basa Jawa", "/s/" + siti.Code + "?lang=jv", form, "jv", phone},
		{"survey in Basa Sunda", "/s/" + siti.Code + "?lang=su", form, "su", phone},
		{"survey with large text", "/s/" + siti.Code + "?lang=id&tampilan=besar", form, "id", phone},
		{"thank-you", "/s/" + siti.Code + "/terima-kasih", ".thanks", "id", phone},
		{"privacy", "/privasi", "h1", "id", phone},
		{"privacy with large text", "/privasi?tampilan=besar", "h1", "id", phone},
	} {
		MustMeetWCAG22(t, ctx, k.URL, p)
	}
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code+"?tampilan=biasa", form)

	// A refused survey (the browser's own check switched off).
	MustDo(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("form[data-survey]").noValidate = true`))
	MustFollow(t, ctx, http.StatusBadRequest, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.alert-error[role="alert"]`)))
	refused := citizenPage{"refused survey", "", ".alert-error", "id", phone}
	MustCheckOpenPage(t, ctx, refused)
	MustReflow(t, ctx, refused.name, refused.sel)

	// The thank-you page of a low rating with a tracking code.
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code, form)
	loc := MustRateWithContact(t, ctx, lowAnswers, "0812 3456 7890")
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
	u, _ := url.Parse(loc)
	MustMeetWCAG22(t, ctx, k.URL, citizenPage{"thank-you with a tracking code", u.RequestURI(), "#tracking-code", "id", phone})

	// A one-time visit code's survey, a forged code, and a second rating over the per-device limit.
	visit := k.MustAPIVisit(t, nipSiti, "KK_BARU")
	MustMeetWCAG22(t, ctx, k.URL, citizenPage{"visit survey", strings.TrimPrefix(visit.SurveyURL, k.URL), form, "id", phone})
	MustOpenStatus(t, ctx, phone, k.URL+"/v/palsu?lang=id", "h1", http.StatusBadRequest)
	forged := citizenPage{"forged visit code", "", "h1", "id", phone}
	MustCheckOpenPage(t, ctx, forged)
	MustReflow(t, ctx, forged.name, forged.sel)
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code, form)
	MustDo(t, ctx, tapAnswers(answers)...)
	MustDo(t, ctx, chromedp.SetValue(chromedp.CSS("#service"), "KIA"))
	MustFollow(t, ctx, http.StatusTooManyRequests, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
	limited := citizenPage{"rating over the limit", "", "main h1", "id", phone}
	MustCheckOpenPage(t, ctx, limited)
	MustReflow(t, ctx, limited.name, limited.sel)
	MustOpenStatus(t, ctx, phone, k.URL+"/s/tidakada?lang=id", ".alert-error", http.StatusNotFound)
	unknown := citizenPage{"unknown QR code", "", ".alert-error", "id", phone}
	MustCheckOpenPage(t, ctx, unknown)
	MustReflow(t, ctx, unknown.name, unknown.sel)
}

// TestWCAG22TabletPages holds the desk tablet's pages to the same bar: the
// start screen, the survey, the "Perlu waktu lagi?" prompt and the
// thank-you page with a tracking code.
func TestWCAG22TabletPages(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{Configure: func(c *kiosk.Config) {
		trackedKiosk(c)
		c.Kiosk.ReturnAfter = survey.Duration(10 * time.Minute)
		c.Kiosk.IdleReset = survey.Duration(time.Hour)
	}})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	k.MustAddStaff(t, nipBudi, "Budi Santoso", "2")
	ctx := MustBrowser(t)
	MustEnrollBrowser(t, ctx, k)
	for _, p := range []citizenPage{
		{"tablet start", "/kiosk?lang=id", ".staff-grid", "id", tablet},
		{"tablet start in Basa Sunda", "/kiosk?lang=su", ".staff-grid", "su", tablet},
		{"tablet survey", "/kiosk/s/" + siti.Code + "?lang=id", "form[data-survey]", "id", tablet},
		{"tablet survey in Basa Jawa with large text", "/kiosk/s/" + siti.Code + "?lang=jv&tampilan=besar", "form[data-survey]", "jv", tablet},
	} {
		MustMeetWCAG22(t, ctx, k.URL, p)
	}
	// The prompt, opened by the page's own script as the idle timer would.
	MustOpen(t, ctx, tablet, k.URL+"/kiosk/s/"+siti.Code+"?lang=id&tampilan=biasa", "form[data-survey]")
	MustDo(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("more-time").showModal()`),
		chromedp.WaitVisible(chromedp.CSS("dialog#more-time")))
	prompt := citizenPage{"the 'Perlu waktu lagi?' prompt", "", "dialog#more-time", "id", tablet}
	MustPassWCAG22(t, ctx, prompt.name)
	MustHaveTouchTargets(t, ctx, prompt.name)
	// Focus stays in the modal prompt (and the browser's own controls): both buttons show it.
	seen := map[string]bool{}
	for range 6 {
		MustDo(t, ctx, chromedp.KeyEvent(kb.Tab))
		for _, b := range []string{"data-more-time", "data-reset-now"} {
			if MustEval[bool](t, ctx, `document.activeElement.hasAttribute("`+b+`")`) {
				seen[b] = true
				if bad := MustEval[string](t, ctx, focusShown); bad != "" {
					t.Errorf("%s: focus is not visible on %s", prompt.name, bad)
				}
			}
		}
		if MustEval[bool](t, ctx, `!document.getElementById("more-time").contains(document.activeElement) && document.activeElement !== document.body`) {
			t.Errorf("%s: Tab left the modal prompt for %s", prompt.name, MustEval[string](t, ctx, activeElement))
		}
	}
	if len(seen) != 2 {
		t.Errorf("%s: Tab reached %v, want both buttons", prompt.name, seen)
	}
	MustReflow(t, ctx, prompt.name, prompt.sel)

	MustOpen(t, ctx, tablet, k.URL+"/kiosk/s/"+siti.Code, "form[data-survey]")
	MustRateWithContact(t, ctx, lowAnswers, "warga@example.id")
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
	thanks := citizenPage{"tablet thank-you with a tracking code", "", "#tracking-code", "id", tablet}
	MustCheckOpenPage(t, ctx, thanks)
	MustReflow(t, ctx, thanks.name, thanks.sel)
}
