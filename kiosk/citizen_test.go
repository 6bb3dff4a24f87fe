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

// TestSurveyInRegionalLanguages shows the survey in Basa Jawa and Basa
// Sunda with the draft wordings, keeps other pages in Bahasa Indonesia,
// and stores the same ratings (so the same IKM) whatever the language.
func TestSurveyInRegionalLanguages(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "3")
	for _, tc := range []struct{ lang, title, question, label string }{
		{"jv", "Kepremen layanan kami?", survey.DefaultWording("jv")[survey.Sarana].Text, "Apik pisan"},
		{"su", "Kumaha layanan kami?", survey.DefaultWording("su")[survey.Sarana].Text, "Saé pisan"},
	} {
		hc := MustNewClient(t)
		page, key := MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code+"?lang="+tc.lang)
		qs := MustQuestions(t, page)
		for _, want := range []string{`<html lang="` + tc.lang + `">`, tc.title, `<span aria-current="true" lang="` + tc.lang + `">`,
			`hreflang="id"`, `hreflang="en"`, "Loket 3"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: survey lacks %q", tc.lang, want)
			}
		}
		if q := qs["sarana"]; q.text != tc.question || q.labels[3] != tc.label {
			t.Errorf("%s: sarana = %+v", tc.lang, q)
		}
		// The privacy page stays in Bahasa Indonesia (the regional files hold the survey pages only).
		if resp, p := MustGet(t, hc, k.URL+"/privasi"); resp.StatusCode != 200 || !strings.Contains(p, `<html lang="id">`) {
			t.Errorf("%s: the privacy page is not in Indonesian", tc.lang)
		}
		ratings := map[string]int{}
		for i, e := range survey.Elements {
			ratings[string(e)] = 1 + i%4
		}
		resp, body := MustPostForm(t, hc, k.URL+"/s/"+siti.Code, surveyValues(key, "KTPEL_BARU", ratings))
		MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
		resp, thanks := MustGet(t, hc, k.URL+"/s/"+siti.Code+"/terima-kasih")
		MustStatus(t, resp, thanks, http.StatusOK)
		if !strings.Contains(thanks, `<html lang="`+tc.lang+`">`) {
			t.Errorf("%s: the thank-you page is not in the survey's language", tc.lang)
		}
	}
	rs := MustPendingResponses(t, k)
	if len(rs) != 2 || rs[0].Ratings != rs[1].Ratings {
		t.Fatalf("the same answers in Javanese and Sundanese stored as %+v", rs)
	}
	for i, e := range survey.Elements {
		if got := rs[0].Ratings.Get(e); got != 1+i%4 {
			t.Errorf("%s stored as %d, want %d", e, got, 1+i%4)
		}
	}
}

// TestLargeTextSwitch: ?tampilan=besar is remembered in a cookie and read by
// the citizen pages only.
func TestLargeTextSwitch(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "3")
	hc := MustNewClient(t)
	page, _ := MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code)
	if strings.Contains(page, `class="besar"`) || !strings.Contains(page, `href="/s/`+siti.Code+`?tampilan=besar" data-display`) {
		t.Errorf("the survey has no large-text switch, or starts large")
	}
	page, _ = MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code+"?tampilan=besar")
	if !strings.Contains(page, `<html lang="id" class="besar">`) || !strings.Contains(page, `?tampilan=biasa" data-display`) {
		t.Errorf("?tampilan=besar did not switch large text on")
	}
	page, _ = MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code) // remembered on the device
	if !strings.Contains(page, `class="besar"`) {
		t.Error("the large-text choice was not remembered")
	}
	if resp, p := MustGet(t, hc, k.URL+"/privasi"); resp.StatusCode != 200 || !strings.Contains(p, `class="besar"`) {
		t.Error("the privacy page ignores the large-text choice")
	}
	if resp, p := MustGet(t, hc, k.URL+"/login"); resp.StatusCode != 200 || strings.Contains(p, `class="besar"`) {
		t.Error("an office page took the citizen's large-text choice")
	}
	page, _ = MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code+"?tampilan=biasa")
	if strings.Contains(page, `class="besar"`) {
		t.Error("?tampilan=biasa did not switch large text off")
	}
}

// trackedCentral makes a test kiosk look connected to central at a fixed address.
func trackedCentral(c *kiosk.Config) {
	c.Central = kiosk.CentralConfig{URL: "http://127.0.0.1:9", KioskID: "k-test", Secret: "skm1-test", PublicURL: "https://pusat.example.id"}
}

// lowConduct answers everything 3 and perilaku 1.
func lowConduct() map[string]int {
	m := allFours()
	for k := range m {
		m[k] = 3
	}
	m[string(survey.Perilaku)] = 1
	return m
}

// TestTrackingCodeOnTheThankYouPage: a low rating with a contact gets a
// tracking code on a kiosk connected to central; others do not; a made-up
// code in a link is not shown.
func TestTrackingCodeOnTheThankYouPage(t *testing.T) {
	k := MustStartKiosk(t, trackedCentral)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "3")
	rate := func(ratings map[string]int, contact string) (*http.Client, string) {
		hc := MustNewClient(t)
		page, key := MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code)
		if !strings.Contains(page, "kode lacak") {
			t.Error("the contact section does not say that a low rating gets a tracking code")
		}
		v := surveyValues(key, "KTPEL_BARU", ratings)
		if contact != "" {
			v.Set("contact", contact)
			v.Set("followup_consent", "1")
		}
		resp, body := MustPostForm(t, hc, k.URL+"/s/"+siti.Code, v)
		return hc, MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	}
	hc, loc := rate(lowConduct(), "0812 3456 7890")
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	code := u.Query().Get("kode")
	if _, err := survey.ParseTrackingCode(code); err != nil {
		t.Fatalf("a low rating with a contact redirects to %q, without a tracking code", loc)
	}
	resp, thanks := MustGet(t, hc, k.URL+loc)
	MustStatus(t, resp, thanks, http.StatusOK)
	for _, want := range []string{`<p class="code" id="tracking-code">` + code + `</p>`,
		`href="https://pusat.example.id/publik/tindak-lanjut?kode=` + url.QueryEscape(code) + `"`, "tidak pernah kontak Anda", `data-say="Kode lacak Anda: `} {
		if !strings.Contains(thanks, want) {
			t.Errorf("the thank-you page lacks %q", want)
		}
	}
	list, err := k.DB.FindFollowUps(context.Background())
	if err != nil || len(list) != 1 || list[0].Code != code || !strings.Contains(list[0].Consent, "kode lacak") {
		t.Errorf("follow-ups = %+v (%v)", list, err)
	}
	// A high rating with a contact, and a low one without: no code.
	if _, loc := rate(allFours(), "warga@example.id"); strings.Contains(loc, "kode=") {
		t.Errorf("a good rating got a tracking code: %s", loc)
	}
	if _, loc := rate(lowConduct(), ""); strings.Contains(loc, "kode=") {
		t.Errorf("a rating without consent got a tracking code: %s", loc)
	}
	// A code the kiosk never gave is not shown.
	fake := survey.NewTrackingCode()
	resp, thanks = MustGet(t, hc, k.URL+"/s/"+siti.Code+"/terima-kasih?kode="+fake)
	MustStatus(t, resp, thanks, http.StatusOK)
	if strings.Contains(thanks, `class="code"`) || strings.Contains(thanks, "tracking-code") {
		t.Error("the thank-you page shows a made-up tracking code")
	}
	// The office's list shows the code and that it has not reached central yet.
	admin := MustSetUp(t, k)
	resp, page := MustGet(t, admin, k.URL+"/admin/followups")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, code) || !strings.Contains(page, "belum dikirim ke pusat") {
		t.Error("the follow-up page lacks the tracking code or its status")
	}

	// A kiosk that is not connected to central gives no code.
	alone := MustStartKiosk(t)
	st := MustAddStaff(t, alone, nipSiti, "Siti Aminah", "3")
	hc = MustNewClient(t)
	_, key := MustSurveyPage(t, hc, alone.URL+"/s/"+st.Code)
	v := surveyValues(key, "KTPEL_BARU", lowConduct())
	v.Set("contact", "0812 3456 7890")
	v.Set("followup_consent", "1")
	resp, body := MustPostForm(t, hc, alone.URL+"/s/"+st.Code, v)
	if loc := MustRedirect(t, resp, body, "/s/"+st.Code+"/terima-kasih"); strings.Contains(loc, "kode=") {
		t.Errorf("a standalone kiosk gave a tracking code: %s", loc)
	}
}

// TestTabletKeepsOrDropsUnfinishedSurveys: with unfinished = "keep_partial"
// the tablet's reset keeps the answers apart, never as a response; with
// "drop" (the default) nothing is kept.
func TestTabletKeepsOrDropsUnfinishedSurveys(t *testing.T) {
	for _, mode := range []string{kiosk.UnfinishedKeep, kiosk.UnfinishedDrop} {
		k := MustStartKiosk(t, func(c *kiosk.Config) { c.Kiosk.Unfinished = mode })
		siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "3")
		hc, _ := MustEnrollTablet(t, k, "Tablet meja")
		page, key := MustSurveyPage(t, hc, k.URL+"/kiosk/s/"+siti.Code)
		partial := "/kiosk/s/" + siti.Code + "/sebagian"
		if got := strings.Contains(page, `data-partial="`+partial+`"`); got != (mode == kiosk.UnfinishedKeep) {
			t.Errorf("%s: data-partial on the tablet survey is %v", mode, got)
		}
		v := url.Values{"form_key": {key}, "service": {"KIA"}, "persyaratan": {"2"}, "prosedur": {"1"}}
		resp, body := MustPostForm(t, hc, k.URL+partial, v)
		MustStatus(t, resp, body, http.StatusNoContent)
		resp, body = MustPostForm(t, hc, k.URL+partial, v) // sent twice: kept once
		MustStatus(t, resp, body, http.StatusNoContent)
		day := k.Clock.Now().Add(-time.Hour)
		n, err := k.DB.CountPartials(context.Background(), day, day.Add(24*time.Hour))
		want := int64(0)
		if mode == kiosk.UnfinishedKeep {
			want = 1
		}
		if err != nil || n != want {
			t.Errorf("%s: %d unfinished surveys kept (%v), want %d", mode, n, err, want)
		}
		if c := MustCountResponses(t, k); c != 0 {
			t.Errorf("%s: an unfinished survey became %d responses", mode, c)
		}
		if mode == kiosk.UnfinishedKeep {
			v.Set("form_key", "palsu.kunci")
			resp, body = MustPostForm(t, hc, k.URL+partial, v)
			MustStatus(t, resp, body, http.StatusBadRequest)
			// A phone may not post the tablet's partial.
			resp, body = MustPostForm(t, MustNewClient(t), k.URL+partial, url.Values{"form_key": {key}, "persyaratan": {"2"}})
			MustStatus(t, resp, body, http.StatusForbidden)
			admin := MustAdmin(t, k)
			resp, page = MustGet(t, admin, k.URL+"/admin")
			MustStatus(t, resp, page, http.StatusOK)
			if !strings.Contains(page, `id="summary-unfinished"`) {
				t.Error("the summary does not count unfinished surveys")
			}
		}
	}
}
