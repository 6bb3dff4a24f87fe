package kiosk_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// ratingsBody is a POST /api/v1/responses body with the given answers.
func ratingsBody(nip string, ratings map[string]int) string {
	m := responseBody(nip, "KTPEL_BARU", "")
	m["ratings"] = ratings
	delete(m, "idempotency_key")
	return mustJSON(m)
}

func fill(v int) map[string]int {
	m := map[string]int{}
	for _, e := range survey.Elements {
		m[string(e)] = v
	}
	return m
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// text returns a page's visible text with whitespace collapsed, for
// assertions about what a reader sees next to what.
func text(page string) string {
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(page, " ")), " ")
}

func TestSummaryCountsAndIKM(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	MustAddStaff(t, k, nipAgus, "Agus Salim", "3")
	admin := MustSetUp(t, k)

	resp, page := MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "Belum ada penilaian.") {
		t.Error("an empty kiosk does not say there are no ratings yet")
	}

	post := func(at time.Time, nip string, ratings map[string]int) {
		t.Helper()
		k.Clock.Set(at)
		MustCreateResponse(t, k.URL, ratingsBody(nip, ratings), http.StatusCreated)
	}
	day := func(d, h int) time.Time { return time.Date(2030, 6, d, h, 0, 0, 0, web.Jakarta) }
	post(time.Date(2030, 5, 31, 23, 30, 0, 0, web.Jakarta), nipBudi, fill(1)) // last month: not counted
	for d := range 4 {
		post(time.Date(2030, 5, 20+d, 9, 0, 0, 0, web.Jakarta), nipAgus, fill(4)) // May: 5 ratings, the IKM shown
	}
	post(day(1, 0), nipSiti, fill(4))   // first minute of the month
	post(day(14, 23), nipSiti, fill(4)) // yesterday 23:00 WIB = 16:00 UTC
	post(day(15, 0), nipSiti, fill(4))  // today from midnight WIB (17:00 UTC the day before)
	post(day(15, 9), nipBudi, fill(4))
	post(day(15, 10), nipSiti, fill(4))
	post(day(16, 8), nipAgus, fill(1)) // tomorrow: not yet
	k.Clock.Set(testStart)

	resp, page = MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	got := text(page)
	for _, want := range []string{
		"Hari ini 3",
		"Bulan 06/2030 5",
		// The figures are May's (4 × 4 and 1 × 1: NRR 3.40), never the
		// month in progress, which would change with each rating.
		"IKM kantor bulan 05/2030 85,00 B Baik",
		"Menunggu dikirim 11",
		"Siti Aminah 1 2 4",
		"Budi Santoso 2 1 1",
		"Agus Salim 3 0 0",
		"Persyaratan 3,40",
		"Sarana dan Prasarana 3,40",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q in:\n%s", want, got)
		}
	}

	resp, en := MustGet(t, admin, k.URL+"/admin?lang=en")
	MustStatus(t, resp, en, http.StatusOK)
	if !strings.Contains(text(en), "85.00 B Good") {
		t.Errorf("English summary: %s", text(en))
	}

	resp, body := MustGet(t, MustNewClient(t), k.URL+"/admin")
	MustRedirect(t, resp, body, "/login")
}

func TestSummaryMixedRatings(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	// In May, one response all 4 but biaya 1 and four all 3: NRR 3.20 for
	// eight elements and 2.60 for biaya; IKM = (8×3.2 + 2.6)/9 × 25 = 78.33, grade B.
	first := fill(4)
	first["biaya"] = 1
	k.Clock.Set(time.Date(2030, 5, 10, 9, 0, 0, 0, web.Jakarta))
	MustCreateResponse(t, k.URL, ratingsBody(nipSiti, first), http.StatusCreated)
	resp, page := MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	if got := text(page); strings.Contains(got, "3,20") || strings.Contains(got, "78,33") {
		t.Errorf("the month in progress shows a figure: %s", got)
	}
	for range 4 {
		MustCreateResponse(t, k.URL, ratingsBody(nipSiti, fill(3)), http.StatusCreated)
	}
	k.Clock.Set(testStart)
	resp, page = MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	got := text(page)
	for _, want := range []string{"IKM kantor bulan 05/2030 78,33 B Baik", "Biaya/Tarif 2,60", "Waktu Penyelesaian 3,20", "Menunggu dikirim 5"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q in:\n%s", want, got)
		}
	}
	// With four ratings the month holds no figure; a kiosk connected to
	// central shows none: central's reports do.
	if got := summaryAfterMay(t, 4); !strings.Contains(got, "Kurang dari 5 penilaian") || strings.Contains(got, "75,00") {
		t.Errorf("four ratings in May: %s", got)
	}
	secret, _, err := wire.NewKioskKey()
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryAfterMay(t, 6, func(c *kiosk.Config) {
		c.Central.URL, c.Central.KioskID, c.Central.Secret = "http://127.0.0.1:9", "kios-1", secret
	}); !strings.Contains(got, "laporan aplikasi pusat") || strings.Contains(got, "75,00") {
		t.Errorf("a kiosk connected to central: %s", got)
	}
}

// summaryAfterMay starts a kiosk, stores n ratings of all 3 on 10 May 2030
// and returns the summary's text on 15 June.
func summaryAfterMay(t *testing.T, n int, configure ...func(*kiosk.Config)) string {
	t.Helper()
	k := MustStartKiosk(t, configure...)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	k.Clock.Set(time.Date(2030, 5, 10, 9, 0, 0, 0, web.Jakarta))
	for range n {
		MustCreateResponse(t, k.URL, ratingsBody(nipSiti, fill(3)), http.StatusCreated)
	}
	k.Clock.Set(testStart)
	resp, page := MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	return text(page)
}

func TestServicesCatalogue(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	ctx := context.Background()

	resp, page := MustGet(t, admin, k.URL+"/admin/services")
	MustStatus(t, resp, page, http.StatusOK)
	for _, s := range survey.DefaultServices() {
		if !strings.Contains(page, s.Code) {
			t.Errorf("catalogue lacks default service %s", s.Code)
		}
	}
	csrf := MustInputValue(t, page, "csrf")

	save := func(v url.Values) (*http.Response, string) {
		t.Helper()
		v.Set("csrf", csrf)
		return MustPostForm(t, admin, k.URL+"/admin/services", v)
	}
	resp, body := save(url.Values{"code": {"rekom paspor"}, "name_id": {"Rekomendasi paspor"}, "active": {"1"}})
	MustStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "kode layanan") || !strings.Contains(body, `value="Rekomendasi paspor"`) {
		t.Error("a bad code is not explained, or the form lost the name")
	}
	resp, body = save(url.Values{"code": {"REKOM_PASPOR"}, "name_id": {""}, "active": {"1"}})
	MustStatus(t, resp, body, http.StatusBadRequest)

	resp, body = save(url.Values{"code": {"rekom_paspor"}, "name_id": {"Rekomendasi paspor"}, "name_en": {"Passport letter"},
		"group": {"Lainnya"}, "active": {"1"}})
	MustRedirect(t, resp, body, "/admin/services?saved=REKOM_PASPOR")
	resp, page = MustGet(t, admin, k.URL+"/s/"+siti.Code)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, `<option value="REKOM_PASPOR">Rekomendasi paspor</option>`) {
		t.Error("the survey does not offer the new service")
	}
	MustCreateResponse(t, k.URL, mustJSON(map[string]any{"nip": nipSiti, "service": "REKOM_PASPOR", "ratings": fill(4)}), http.StatusCreated)

	// Edit.
	resp, page = MustGet(t, admin, k.URL+"/admin/services?edit=REKOM_PASPOR")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, `value="REKOM_PASPOR" required pattern="[A-Za-z0-9_]{2,32}" readonly`) {
		t.Error("the edit form does not hold the code read-only")
	}
	resp, body = save(url.Values{"code": {"REKOM_PASPOR"}, "name_id": {"Surat rekomendasi paspor"}, "active": {"1"}})
	MustRedirect(t, resp, body, "/admin/services?saved=")

	// Deactivate: gone from the survey and the API, refused by both.
	resp, body = save(url.Values{"code": {"REKOM_PASPOR"}, "name_id": {"Surat rekomendasi paspor"}, "active": {"0"}})
	MustRedirect(t, resp, body, "/admin/services?saved=")
	services, err := k.DB.FindServices(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range services {
		if s.Code == "REKOM_PASPOR" {
			found = true
			if s.Active || s.NameID != "Surat rekomendasi paspor" {
				t.Errorf("stored %+v", s)
			}
		}
	}
	if !found {
		t.Fatal("the service vanished instead of being deactivated")
	}
	before := MustCountResponses(t, k)
	resp, body = MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses",
		mustJSON(map[string]any{"nip": nipSiti, "service": "REKOM_PASPOR", "ratings": fill(4)}))
	MustStatus(t, resp, body, http.StatusBadRequest)
	if f := MustErrorField(t, body); f != "service" {
		t.Errorf("field %q, want service", f)
	}
	page, key := MustSurveyPage(t, admin, k.URL+"/s/"+siti.Code)
	if strings.Contains(page, "REKOM_PASPOR") {
		t.Error("the survey still offers the inactive service")
	}
	resp, body = MustPostForm(t, admin, k.URL+"/s/"+siti.Code, surveyValues(key, "REKOM_PASPOR", allFours()))
	MustStatus(t, resp, body, http.StatusBadRequest)
	if n := MustCountResponses(t, k); n != before {
		t.Errorf("%d rows after refusals, want %d", n, before)
	}
	resp, body = MustGet(t, http.DefaultClient, k.URL+"/api/v1/services")
	MustStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "REKOM_PASPOR") {
		t.Error("GET /api/v1/services lists the inactive service")
	}
}

func TestAdminNavLinksWork(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	resp, page := MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	seen := 0
	for _, m := range regexp.MustCompile(`<a href="(/[^"]*)"`).FindAllStringSubmatch(page, -1) {
		seen++
		resp, body := MustGet(t, admin, k.URL+m[1])
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the admin page links to %s, which answers %d: %s", m[1], resp.StatusCode, clip(body))
		}
	}
	resp, page = MustGet(t, admin, k.URL+"/admin/staff")
	MustStatus(t, resp, page, http.StatusOK)
	for _, m := range regexp.MustCompile(`<a href="(/[^"]*)"`).FindAllStringSubmatch(page, -1) {
		seen++
		resp, body := MustGet(t, admin, k.URL+m[1])
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the staff page links to %s, which answers %d: %s", m[1], resp.StatusCode, clip(body))
		}
	}
	if seen < 10 {
		t.Errorf("only %d links checked; the pattern is wrong", seen)
	}
}
