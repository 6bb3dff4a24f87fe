package kiosk_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// standardWording is docs/domain.md#skm: the questions and answer labels the
// survey must show exactly, by element code.
var standardWording = map[string]struct {
	question string
	labels   [4]string
}{
	"persyaratan": {"Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
		[4]string{"Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"}},
	"prosedur": {"Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
		[4]string{"Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"}},
	"waktu": {"Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
		[4]string{"Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"}},
	"biaya": {"Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
		[4]string{"Sangat mahal", "Cukup mahal", "Murah", "Gratis"}},
	"produk": {"Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
		[4]string{"Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"}},
	"kompetensi": {"Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
		[4]string{"Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"}},
	"perilaku": {"Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
		[4]string{"Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"}},
	"sarana": {"Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
		[4]string{"Buruk", "Cukup", "Baik", "Sangat Baik"}},
	"pengaduan": {"Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
		[4]string{"Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"}},
}

var (
	fieldsetRE = regexp.MustCompile(`(?s)<fieldset class="q[^"]*" id="q-([a-z]+)">(.*?)</fieldset>`)
	legendRE   = regexp.MustCompile(`(?s)<legend><span class="el">[^<]*</span> <span class="qt">(.*?)</span></legend>`)
	optionRE   = regexp.MustCompile(`<input type="radio" id="[a-z]+-(\d)" name="([a-z]+)" value="(\d)"[^>]*><label for="[a-z]+-\d"><img src="([^"]+)"[^>]*><span>([^<]*)</span>`)
)

// question is one question as the survey page shows it.
type question struct {
	text   string
	values []string
	labels []string
	icons  []string
}

// MustQuestions parses the nine questions of a survey page, by element code.
func MustQuestions(tb testing.TB, page string) map[string]question {
	tb.Helper()
	out := map[string]question{}
	for _, m := range fieldsetRE.FindAllStringSubmatch(page, -1) {
		code, block := m[1], m[2]
		lm := legendRE.FindStringSubmatch(block)
		if lm == nil {
			tb.Fatalf("question %s has no legend: %s", code, block)
		}
		q := question{text: html.UnescapeString(lm[1])}
		for _, o := range optionRE.FindAllStringSubmatch(block, -1) {
			if o[2] != code {
				tb.Errorf("question %s has an option for %s", code, o[2])
			}
			q.values = append(q.values, o[3])
			q.labels = append(q.labels, html.UnescapeString(o[5]))
			q.icons = append(q.icons, o[4])
		}
		out[code] = q
	}
	return out
}

// MustSurveyPage fetches a survey page and returns it with its form key.
func MustSurveyPage(tb testing.TB, hc *http.Client, u string) (page, formKey string) {
	tb.Helper()
	resp, page := MustOpenSurvey(tb, hc, u)
	MustStatus(tb, resp, page, http.StatusOK)
	return page, MustInputValue(tb, page, "form_key")
}

// MustOpenSurvey gets the survey at u, following the one redirect with which
// a visit code checks that a browser keeps its device cookie.
func MustOpenSurvey(tb testing.TB, hc *http.Client, u string) (*http.Response, string) {
	tb.Helper()
	resp, page := MustGet(tb, hc, u)
	if resp.StatusCode != http.StatusSeeOther {
		return resp, page
	}
	next, err := resp.Request.URL.Parse(MustRedirect(tb, resp, page, "/v/"))
	if err != nil {
		tb.Fatal(err)
	}
	return MustGet(tb, hc, next.String())
}

// MustPendingResponses returns every stored, unsynced response.
func MustPendingResponses(tb testing.TB, k *testKiosk) []survey.Response {
	tb.Helper()
	rs, err := k.DB.PendingResponses(context.Background(), 0, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

func TestSurveyPageShowsStandardQuestions(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "3")
	hc := MustNewClient(t)
	page, _ := MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code)

	for _, want := range []string{`<html lang="id">`, "Siti Aminah", "Loket 3", "Pengadministrasi", "Anda dilayani oleh",
		"Survei ini tanpa nama.", `href="/privasi"`, `name="service"`, `value="KTPEL_BARU"`, `<textarea id="comment" name="comment" maxlength="1000"`,
		`name="age_band"`, `name="sex"`, `name="education"`, `name="occupation"`} {
		if !strings.Contains(page, want) {
			t.Errorf("survey page lacks %q", want)
		}
	}
	// A form that works without JavaScript: a plain POST back to this page, with a submit button.
	if !strings.Contains(page, `<form method="post" action="/s/`+siti.Code+`/kirim"`) || !strings.Contains(page, `type="submit"`) {
		t.Error("survey form is not a plain POST with a submit button")
	}

	qs := MustQuestions(t, page)
	if len(qs) != 9 {
		t.Fatalf("%d questions, want 9", len(qs))
	}
	order := fieldsetRE.FindAllStringSubmatch(page, -1)
	for i, e := range survey.Elements {
		if order[i][1] != string(e) {
			t.Errorf("question %d is %s, want %s (the regulation's order)", i+1, order[i][1], e)
		}
	}
	for code, want := range standardWording {
		got := qs[code]
		if got.text != want.question {
			t.Errorf("%s question %q, want %q", code, got.text, want.question)
		}
		if strings.Join(got.labels, "|") != strings.Join(want.labels[:], "|") {
			t.Errorf("%s labels %q, want %q", code, got.labels, want.labels)
		}
		if strings.Join(got.values, "") != "1234" {
			t.Errorf("%s values %v, want 1 2 3 4", code, got.values)
		}
		for i, icon := range got.icons {
			if !strings.HasPrefix(icon, "/static/") || !strings.HasSuffix(icon, "face-"+got.values[i]+".svg") {
				t.Errorf("%s answer %d has icon %q", code, i+1, icon)
			}
		}
	}

	// English on request, remembered by a cookie.
	resp, en := MustGet(t, hc, k.URL+"/s/"+siti.Code+"?lang=en")
	MustStatus(t, resp, en, http.StatusOK)
	if c := findCookie(resp, "lang"); c == nil || c.Value != "en" {
		t.Errorf("?lang=en sets no lang=en cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	resp, en = MustGet(t, hc, k.URL+"/s/"+siti.Code)
	MustStatus(t, resp, en, http.StatusOK)
	enQs := MustQuestions(t, en)
	if !strings.Contains(en, `<html lang="en">`) || enQs["waktu"].text != "How fast were you served?" ||
		strings.Join(enQs["biaya"].labels, "|") != "Very expensive|Rather expensive|Cheap|Free" || !strings.Contains(en, "Counter 3") {
		t.Errorf("after ?lang=en the page is not English: waktu %q, biaya %q", enQs["waktu"].text, enQs["biaya"].labels)
	}
	resp, id := MustGet(t, hc, k.URL+"/s/"+siti.Code+"?lang=id")
	MustStatus(t, resp, id, http.StatusOK)
	if q := MustQuestions(t, id)["waktu"].text; q != standardWording["waktu"].question {
		t.Errorf("?lang=id does not switch back: %q", q)
	}
}

func findCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSurveyWordingFromConfig(t *testing.T) {
	k := MustStartKiosk(t, func(c *kiosk.Config) {
		c.Survey.Wording = map[string]map[string]survey.Question{"id": {"sarana": {Text: "Bagaimana kebersihan ruang tunggu?",
			Labels: [4]string{"", "", "", "Sangat bersih"}}}}
	})
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "3")
	page, _ := MustSurveyPage(t, MustNewClient(t), k.URL+"/s/"+siti.Code)
	q := MustQuestions(t, page)["sarana"]
	if q.text != "Bagaimana kebersihan ruang tunggu?" || strings.Join(q.labels, "|") != "Buruk|Cukup|Baik|Sangat bersih" {
		t.Errorf("configured wording not shown: %+v", q)
	}
	if got := MustQuestions(t, page)["waktu"].text; got != standardWording["waktu"].question {
		t.Errorf("an element without override changed: %q", got)
	}
}

func TestSurveySubmitPlainForm(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	hc := MustNewClient(t)
	_, key := MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code)

	form := surveyValues(key, "KTPEL_BARU", allFours())
	form.Set("comment", "Petugas ramah")
	form.Set("sex", "L")
	resp, body := MustPostForm(t, hc, k.URL+"/s/"+siti.Code, form)
	loc := MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	if loc != "/s/"+siti.Code+"/terima-kasih" {
		t.Errorf("first submit redirects to %q", loc)
	}
	resp, thanks := MustGet(t, hc, k.URL+loc)
	MustStatus(t, resp, thanks, http.StatusOK)
	if !strings.Contains(thanks, "Terima kasih!") || strings.Contains(thanks, "sudah pernah dikirim") {
		t.Error("the thank-you page is wrong for a first submit")
	}
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 {
		t.Fatalf("%d rows after a submit, want 1", len(rs))
	}
	r := rs[0]
	if r.NIP != nipSiti || r.Service != "KTPEL_BARU" || r.Channel != survey.ChannelQR || r.Comment != "Petugas ramah" ||
		r.Profile.Sex != "L" || r.Ratings.Get(survey.Pengaduan) != 4 || !strings.HasPrefix(r.IdempotencyKey, key+"~") {
		t.Errorf("stored %+v", r)
	}

	// The same form again (refresh, back button, second tap): one row, and the citizen is told.
	resp, body = MustPostForm(t, hc, k.URL+"/s/"+siti.Code, form)
	loc = MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	resp, thanks = MustGet(t, hc, k.URL+loc)
	MustStatus(t, resp, thanks, http.StatusOK)
	if !strings.Contains(thanks, "Formulir ini sudah pernah dikirim; penilaian Anda hanya dihitung sekali.") {
		t.Errorf("a resent form (%s) does not get the already-sent note", loc)
	}
	// The same form with other answers is a conflict.
	changed := surveyValues(key, "KTPEL_BARU", allFours())
	changed.Set("waktu", "1")
	resp, body = MustPostForm(t, hc, k.URL+"/s/"+siti.Code, changed)
	MustStatus(t, resp, body, http.StatusConflict)
	if n := MustCountResponses(t, k); n != 1 {
		t.Errorf("%d rows after resends, want 1", n)
	}
}

func TestSurveyDoubleTapConcurrent(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	_, key := MustSurveyPage(t, MustNewClient(t), k.URL+"/s/"+siti.Code)
	form := surveyValues(key, "KK_BARU", allFours())
	const n = 10
	locs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := hc.PostForm(k.URL+"/s/"+siti.Code, form)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusSeeOther {
				locs[i] = resp.Header.Get("Location")
			}
		})
	}
	wg.Wait()
	first := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch locs[i] {
		case "/s/" + siti.Code + "/terima-kasih":
			first++
		case "/s/" + siti.Code + "/terima-kasih?ulang=1":
		default:
			t.Errorf("submit %d: redirect %q", i, locs[i])
		}
	}
	if first != 1 {
		t.Errorf("%d submits were thanked as new, want 1", first)
	}
	if got := MustCountResponses(t, k); got != 1 {
		t.Errorf("%d rows after %d simultaneous submits of one form, want 1", got, n)
	}
}

func TestSurveyRefusesForgedOrMovedKeys(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	budi := MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	hc := MustNewClient(t)
	_, budiKey := MustSurveyPage(t, hc, k.URL+"/s/"+budi.Code)
	_, sitiKey := MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code)
	nonce, _, _ := strings.Cut(sitiKey, ".")

	for _, tc := range []struct{ name, key string }{
		{"made up", "abc.def"},
		{"no signature", nonce},
		{"empty", ""},
		{"another staff member's form", budiKey},
		{"tampered signature", sitiKey + "x"},
	} {
		resp, body := MustPostForm(t, hc, k.URL+"/s/"+siti.Code, surveyValues(tc.key, "KTPEL_BARU", allFours()))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s key: status %d, want 400", tc.name, resp.StatusCode)
		}
		if !strings.Contains(body, "formulir ini tidak berlaku lagi") {
			t.Errorf("%s key: the page does not explain", tc.name)
		}
	}
	if n := MustCountResponses(t, k); n != 0 {
		t.Errorf("%d rows stored from refused keys", n)
	}
}

func TestSurveyMissingAnswerKeepsForm(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	hc := MustNewClient(t)
	_, key := MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code)

	ratings := allFours()
	delete(ratings, "waktu")
	ratings["biaya"] = 2
	form := surveyValues(key, "AKTA_LAHIR", ratings)
	comment := `<script>alert("x")</script> & "kutip"`
	form.Set("comment", comment)
	form.Set("education", "s1")
	resp, page := MustPostForm(t, hc, k.URL+"/s/"+siti.Code, form)
	MustStatus(t, resp, page, http.StatusBadRequest)
	if n := MustCountResponses(t, k); n != 0 {
		t.Fatalf("%d rows stored from an incomplete form", n)
	}
	for _, want := range []string{
		`<fieldset class="q invalid" id="q-waktu">`,
		`name="biaya" value="2" checked`,
		`name="sarana" value="4" checked`,
		`<option value="AKTA_LAHIR" selected>`,
		`<option value="s1" selected>`,
		"Waktu Penyelesaian belum diisi",
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;kutip&#34;</textarea>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the re-rendered form lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("the comment is echoed unescaped")
	}
	if got := MustInputValue(t, page, "form_key"); got != key {
		t.Errorf("the re-rendered form has key %q, want the same %q", got, key)
	}

	// Completing the same form stores it once, comment verbatim.
	form.Set("waktu", "3")
	resp, body := MustPostForm(t, hc, k.URL+"/s/"+siti.Code, form)
	MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || rs[0].Comment != comment || rs[0].Ratings.Get(survey.Waktu) != 3 || rs[0].Profile.Education != "s1" {
		t.Fatalf("stored %+v", rs)
	}
	// Refused values: a rating outside 1–4 and an unknown service re-render too.
	_, key = MustSurveyPage(t, hc, k.URL+"/s/"+siti.Code)
	bad := surveyValues(key, "KTPEL_BARU", allFours())
	bad.Set("prosedur", "5")
	resp, page = MustPostForm(t, hc, k.URL+"/s/"+siti.Code, bad)
	MustStatus(t, resp, page, http.StatusBadRequest)
	if !strings.Contains(page, `<fieldset class="q invalid" id="q-prosedur">`) {
		t.Error("a rating of 5 is not marked on its question")
	}
	bad = surveyValues(key, "PASPOR", allFours())
	resp, page = MustPostForm(t, hc, k.URL+"/s/"+siti.Code, bad)
	MustStatus(t, resp, page, http.StatusBadRequest)
	if !strings.Contains(page, `<div class="q invalid">`) {
		t.Error("an unknown service is not marked")
	}
	if n := MustCountResponses(t, k); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
}

// linkRE finds navigation targets: anchors and form actions.
var linkRE = regexp.MustCompile(`<(a|form|link)\b[^>]*?\b(?:href|action)="([^"]*)"`)

// MustStayInKiosk fails when a link or form on a tablet page leads outside /kiosk.
func MustStayInKiosk(tb testing.TB, what, page string) {
	tb.Helper()
	links := linkRE.FindAllStringSubmatch(page, -1)
	if len(links) == 0 {
		tb.Errorf("%s: no links found; the pattern is wrong", what)
	}
	for _, m := range links {
		tag, target := m[1], html.UnescapeString(m[2])
		switch {
		case tag == "link" && strings.HasPrefix(target, "/static/"):
			// stylesheet and icon: not navigation
		case strings.HasPrefix(target, "#"):
		case target == "/kiosk" || strings.HasPrefix(target, "/kiosk/") || strings.HasPrefix(target, "/kiosk?"):
		default:
			tb.Errorf("%s: <%s> leads to %q, outside the tablet flow", what, tag, target)
		}
	}
}

func TestTabletFlow(t *testing.T) {
	k := MustStartKiosk(t, func(c *kiosk.Config) {
		c.Kiosk.IdleReset = survey.Duration(45 * time.Second)
		c.Kiosk.ReturnAfter = survey.Duration(5 * time.Second)
	})
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	budi := MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	photo, err := web.ShrinkPhoto(MustPNG(t, 300, 300))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.DB.SetStaffPhoto(context.Background(), nipSiti, *photo); err != nil {
		t.Fatal(err)
	}
	hc, _ := MustEnrollTablet(t, k, "Tablet meja")

	resp, start := MustGet(t, hc, k.URL+"/kiosk")
	MustStatus(t, resp, start, http.StatusOK)
	for _, want := range []string{`<a href="/kiosk/s/` + siti.Code + `"><img src="/photo/` + siti.Code + `.jpg"`,
		`<a href="/kiosk/s/` + budi.Code + `"><img src="/static/`, "Siti Aminah", "Budi Santoso"} {
		if !strings.Contains(start, want) {
			t.Errorf("tablet start lacks %q", want)
		}
	}
	MustStayInKiosk(t, "/kiosk", start)
	resp, body := MustGet(t, hc, k.URL+"/photo/"+siti.Code+".jpg")
	MustStatus(t, resp, body, http.StatusOK)

	page, key := MustSurveyPage(t, hc, k.URL+"/kiosk/s/"+siti.Code)
	for _, want := range []string{` data-home="/kiosk?lang=id" data-idle="45" data-prompt="30"`,
		`<noscript><meta http-equiv="refresh" content="45;url=/kiosk?lang=id"></noscript>`, `autocomplete="off"`,
		`<form method="post" action="/kiosk/s/` + siti.Code + `/kirim"`} {
		if !strings.Contains(page, want) {
			t.Errorf("tablet survey lacks %q", want)
		}
	}
	MustStayInKiosk(t, "tablet survey", page)

	resp, body = MustPostForm(t, hc, k.URL+"/kiosk/s/"+siti.Code, surveyValues(key, "KTPEL_BARU", allFours()))
	if loc := MustRedirect(t, resp, body, "/kiosk/terima-kasih"); loc != "/kiosk/terima-kasih" {
		t.Errorf("tablet submit redirects to %q", loc)
	}
	resp, thanks := MustGet(t, hc, k.URL+"/kiosk/terima-kasih")
	MustStatus(t, resp, thanks, http.StatusOK)
	if !strings.Contains(thanks, `<meta http-equiv="refresh" content="5;url=/kiosk?lang=id">`) {
		t.Error("the tablet thank-you page does not return to /kiosk after kiosk.return_after")
	}
	MustStayInKiosk(t, "tablet thank-you", thanks)
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || rs[0].Channel != survey.ChannelKiosk {
		t.Errorf("stored %+v, want one response on channel kiosk", rs)
	}

	// Errors on the tablet keep the flow: a link and a timed return to the start.
	resp, body = MustPostForm(t, hc, k.URL+"/kiosk/s/"+siti.Code, surveyValues("palsu.kunci", "KTPEL_BARU", allFours()))
	MustStatus(t, resp, body, http.StatusBadRequest)
	MustStayInKiosk(t, "tablet error page", body)
	resp, notFound := MustGet(t, hc, k.URL+"/kiosk/s/tidakada")
	MustStatus(t, resp, notFound, http.StatusNotFound)
	MustStayInKiosk(t, "tablet 404 page", notFound)
	for name, p := range map[string]string{"400": body, "404": notFound} {
		if !strings.Contains(p, `href="/kiosk"`) || !strings.Contains(p, `content="45;url=/kiosk"`) {
			t.Errorf("tablet %s page has no way back to /kiosk", name)
		}
		if n := strings.Count(p, "formulir ini tidak berlaku lagi") + strings.Count(p, "bukan milik petugas yang aktif"); n != 1 {
			t.Errorf("tablet %s page shows its message %d times, want once", name, n)
		}
	}

	resp, en := MustGet(t, hc, k.URL+"/kiosk?lang=en")
	MustStatus(t, resp, en, http.StatusOK)
	MustStayInKiosk(t, "/kiosk in English", en)
}

func TestCounterNamedOnce(t *testing.T) {
	k := MustStartKiosk(t)
	// The README and the import form's example write the counter as "Loket 1".
	named := MustAddStaff(t, k, nipSiti, "Siti Aminah", "Loket 1")
	bare := MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	hc, _ := MustEnrollTablet(t, k, "Tablet meja")
	for _, p := range []string{"/s/" + named.Code, "/kiosk/s/" + named.Code, "/card/" + named.Code, "/counter/" + named.Code, "/kiosk"} {
		resp, page := MustGet(t, hc, k.URL+p)
		MustStatus(t, resp, page, http.StatusOK)
		if !strings.Contains(page, "Loket 1") || strings.Contains(page, "Loket Loket") {
			t.Errorf("%s: the counter is not shown as \"Loket 1\"", p)
		}
	}
	resp, page := MustGet(t, hc, k.URL+"/card/"+bare.Code)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "Loket 2") {
		t.Error("a bare counter number is not labelled")
	}
	resp, page = MustGet(t, hc, k.URL+"/card/"+named.Code+"?lang=en")
	MustStatus(t, resp, page, http.StatusOK)
	if strings.Contains(page, "Counter Loket 1") {
		t.Error("the English card shows \"Counter Loket 1\"")
	}
}
