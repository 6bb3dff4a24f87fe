package kiosk_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
)

// MustNewCookielessClient is a browser that keeps no cookies and does not follow redirects.
func MustNewCookielessClient(tb testing.TB, ip string) *http.Client {
	tb.Helper()
	hc := MustClientFrom(tb, ip)
	hc.Jar = nil
	return hc
}

// MustCounterKiosk starts a kiosk with Siti Aminah, the admin and Siti's
// counter account, and returns the admin's and the counter's clients.
func MustCounterKiosk(tb testing.TB, configure ...func(*kiosk.Config)) (k *testKiosk, siti survey.Staff, admin, counter *http.Client) {
	tb.Helper()
	k = MustStartKiosk(tb, configure...)
	siti = MustAddStaff(tb, k, nipSiti, "Siti Aminah", "1")
	admin = MustAdmin(tb, k)
	return k, siti, admin, MustCounterAccount(tb, k, admin, "loket1", nipSiti)
}

// MustVisitTaken fails unless opening u answers the kind 409 "already opened on another phone".
func MustVisitTaken(tb testing.TB, hc *http.Client, u string) {
	tb.Helper()
	resp, page := MustOpenSurvey(tb, hc, u)
	MustStatus(tb, resp, page, http.StatusConflict)
	want := "kode ini sudah dibuka di ponsel lain"
	if strings.Contains(u, "lang=en") {
		want = "this code was already opened on another phone"
	}
	if !strings.Contains(page, want) {
		tb.Errorf("GET %s refused without %q:\n%s", u, want, clip(text(page)))
	}
}

func TestVisitCodeClaimedByFirstDevice(t *testing.T) {
	k, siti, admin, counter := MustCounterKiosk(t)
	surveyURL, visitPage := MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")

	// The citizen's phone: one cookie check, then the survey; the code is now its own.
	citizen := MustClientFrom(t, "127.0.0.2")
	resp, body := MustGet(t, citizen, surveyURL)
	if loc := MustRedirect(t, resp, body, "/v/"); !strings.HasSuffix(loc, "?k=1") || findCookie(resp, kiosk.DeviceCookie) == nil {
		t.Errorf("a browser without the device cookie: redirect to %q, cookie set %v", loc, findCookie(resp, kiosk.DeviceCookie) != nil)
	}
	_, key := MustSurveyPage(t, citizen, surveyURL)
	resp, page := MustGet(t, counter, k.URL+visitPage)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "sudah dibuka di sebuah perangkat pukul 15-06-2030 10:00 WIB") || strings.Contains(page, `class="qr"`) ||
		strings.Contains(page, "Perhatian") {
		t.Errorf("the counter screen after the citizen opened the code:\n%s", clip(text(page)))
	}

	// Another phone (a photo of the counter screen), in both languages: refused kindly, and the counter sees it.
	MustVisitTaken(t, MustClientFrom(t, "127.0.0.3"), surveyURL)
	MustVisitTaken(t, MustClientFrom(t, "127.0.0.3"), surveyURL+"?lang=en")
	resp, page = MustGet(t, counter, k.URL+visitPage)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "perangkat lain mencoba membuka kode ini (2 kali)") {
		t.Errorf("the counter screen does not show the contest:\n%s", clip(text(page)))
	}

	// The citizen rates: verified, flagged code_contested; the attempts are counted on the summary.
	resp, body = MustPostForm(t, citizen, surveyURL, surveyValues(key, "", allFours()))
	MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || !rs[0].Verified || rs[0].Channel != survey.ChannelVisit || !hasFlag(rs[0].Flags, survey.FlagCodeContested) {
		t.Fatalf("stored %+v, want one verified visit rating flagged code_contested", rs)
	}
	resp, page = MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(text(page), "Kode kunjungan dibuka di perangkat lain 2") {
		t.Errorf("the summary does not count the contested opens:\n%s", clip(text(page)))
	}

	// A code nobody else tried is not flagged.
	surveyURL, _ = MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	_, key = MustSurveyPage(t, citizen, surveyURL)
	resp, body = MustPostForm(t, citizen, surveyURL, surveyValues(key, "", allFours()))
	MustRedirect(t, resp, body, "/s/")
	if rs := MustPendingResponses(t, k); len(rs[1].Flags) != 0 || !rs[1].Verified {
		t.Errorf("an uncontested visit rating: %+v", rs[1])
	}
}

func TestVisitCodeWithoutCookies(t *testing.T) {
	k, siti, _, counter := MustCounterKiosk(t)

	// A browser that blocks cookies claims the code by its address after the one cookie check.
	surveyURL, _ := MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	blocked := MustNewCookielessClient(t, "127.0.0.2")
	_, key := MustSurveyPage(t, blocked, surveyURL)
	MustVisitTaken(t, MustClientFrom(t, "127.0.0.3"), surveyURL)          // a phone elsewhere
	MustVisitTaken(t, MustNewCookielessClient(t, "127.0.0.4"), surveyURL) // a cookieless browser elsewhere
	resp, body := MustPostForm(t, blocked, surveyURL, surveyValues(key, "", allFours()))
	MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || !rs[0].Verified || !hasFlag(rs[0].Flags, survey.FlagCodeContested) || hasFlag(rs[0].Flags, survey.FlagNoDevice) {
		t.Fatalf("stored %+v, want verified, flagged code_contested only", rs)
	}

	// A link previewer without cookies opened the code first from the citizen's
	// address: the citizen's browser, with its cookie, takes the code over.
	surveyURL, _ = MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	MustSurveyPage(t, MustNewCookielessClient(t, "127.0.0.5"), surveyURL)
	citizen := MustClientFrom(t, "127.0.0.5")
	_, key = MustSurveyPage(t, citizen, surveyURL)
	MustVisitTaken(t, MustNewCookielessClient(t, "127.0.0.5"), surveyURL) // from then on the code is the cookie's
	resp, body = MustPostForm(t, citizen, surveyURL, surveyValues(key, "", allFours()))
	MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	if rs := MustPendingResponses(t, k); len(rs) != 2 || !rs[1].Verified || !hasFlag(rs[1].Flags, survey.FlagCodeContested) {
		t.Errorf("stored %+v, want the citizen's verified rating, flagged for the cookieless attempt after the take-over", rs)
	}
}

func TestVisitOpenedOnOwnCounterDeviceIsFlagged(t *testing.T) {
	k, siti, _, counter := MustCounterKiosk(t)
	surveyURL, _ := MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	// The staff member opens her own visit code on the counter PC's browser.
	_, key := MustSurveyPage(t, counter, surveyURL)
	resp, body := MustPostForm(t, counter, surveyURL, surveyValues(key, "", allFours()))
	MustRedirect(t, resp, body, "/s/")
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || !rs[0].Verified || !hasFlag(rs[0].Flags, survey.FlagOwnDevice) {
		t.Fatalf("stored %+v, want verified and flagged own_device", rs)
	}
}

func TestVisitMintCaps(t *testing.T) {
	k, siti, admin, counter := MustCounterKiosk(t, func(c *kiosk.Config) { c.Visits.PerAccount, c.Visits.PerToken = 2, 1 })
	MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	csrf := MustCSRF(t, counter, k.URL+"/counter/"+siti.Code)
	resp, page := MustPostForm(t, counter, k.URL+"/counter/"+siti.Code+"/visits", url.Values{"csrf": {csrf}, "service": {"KTPEL_BARU"}})
	MustStatus(t, resp, page, http.StatusTooManyRequests)
	if !strings.Contains(page, "sudah membuat 2 kode kunjungan dalam 60 menit") || !strings.Contains(page, `action="/counter/`+siti.Code+`/visits"`) {
		t.Errorf("the counter's refusal:\n%s", clip(text(page)))
	}

	token, _ := MustCounterToken(t, k, nipSiti)
	MustAPIVisit(t, k, token, nipSiti, "KTPEL_BARU")
	resp, body := MustPostBearer(t, k.URL+"/api/v1/visits", token, `{"nip":"`+nipSiti+`","service":"KTPEL_BARU"}`)
	MustStatus(t, resp, body, http.StatusTooManyRequests)
	if !strings.Contains(body, `"code":"rate_limited"`) || !strings.Contains(body, "visits.per_token") {
		t.Errorf("the API's refusal: %s", body)
	}
	refused, err := k.DB.CountRefusals(context.Background(), testStart.Add(-time.Hour), testStart.Add(24*time.Hour))
	if err != nil || refused[survey.RefusedMintAccount] != 1 || refused[survey.RefusedMintToken] != 1 {
		t.Errorf("refusals %v (%v), want one per cap", refused, err)
	}
	resp, page = MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	if s := text(page); !strings.Contains(s, "Kode kunjungan di atas batas akun loket 1") || !strings.Contains(s, "Kode kunjungan di atas batas token loket 1") {
		t.Errorf("the summary does not count the refused visit codes:\n%s", clip(s))
	}
	// After visits.mint_window both may mint again.
	k.Clock.Set(testStart.Add(time.Hour + time.Second))
	MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	MustAPIVisit(t, k, token, nipSiti, "KTPEL_BARU")
}
