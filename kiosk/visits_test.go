package kiosk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

var visitQRRE = regexp.MustCompile(`<img class="qr" src="(/qr/v/[^"]+)"`)

// MustCounterAccount creates a counter account for nip and returns its logged-in client.
func MustCounterAccount(tb testing.TB, k *testKiosk, admin *http.Client, username, nip string) *http.Client {
	tb.Helper()
	pw := MustCreateUser(tb, k, admin, username, "counter", nip)
	hc, _ := MustLogin(tb, k, username, pw)
	return hc
}

// MustNewVisit presses "new visit" on the counter screen of code and returns
// the URL the visit's QR code encodes.
func MustNewVisit(tb testing.TB, k *testKiosk, counter *http.Client, code, service string) (surveyURL, visitPage string) {
	tb.Helper()
	csrf := MustCSRF(tb, counter, k.URL+"/counter/"+code)
	resp, body := MustPostForm(tb, counter, k.URL+"/counter/"+code+"/visits", url.Values{"csrf": {csrf}, "service": {service}})
	visitPage = MustRedirect(tb, resp, body, "/counter/"+code+"/visits/")
	resp, page := MustGet(tb, counter, k.URL+visitPage)
	MustStatus(tb, resp, page, http.StatusOK)
	m := visitQRRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("the visit page shows no visit QR code:\n%s", clip(page))
	}
	resp, png := MustGet(tb, counter, k.URL+m[1])
	MustStatus(tb, resp, png, http.StatusOK)
	text, _ := MustDecodeQR(tb, []byte(png))
	return text, visitPage
}

func TestVisitFromCounterScreen(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	budi := MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	admin := MustSetUp(t, k)
	counter := MustCounterAccount(t, k, admin, "loket1", nipSiti)

	// The static counter screen offers the button only to the staff member's own account.
	for who, hc := range map[string]*http.Client{"anonymous": MustNewClient(t), "admin": admin} {
		resp, page := MustGet(t, hc, k.URL+"/counter/"+siti.Code)
		MustStatus(t, resp, page, http.StatusOK)
		if strings.Contains(page, "/visits\"") {
			t.Errorf("%s sees the new-visit button", who)
		}
	}
	resp, body := MustPostForm(t, admin, k.URL+"/counter/"+siti.Code+"/visits", url.Values{"csrf": {MustCSRF(t, admin, k.URL+"/admin")}, "service": {"KTPEL_BARU"}})
	MustStatus(t, resp, body, http.StatusForbidden)
	resp, body = MustPostForm(t, counter, k.URL+"/counter/"+budi.Code+"/visits", url.Values{"csrf": {MustCSRF(t, counter, k.URL+"/counter/"+siti.Code)}, "service": {"KTPEL_BARU"}})
	MustStatus(t, resp, body, http.StatusForbidden)
	resp, body = MustPostForm(t, counter, k.URL+"/counter/"+siti.Code+"/visits", url.Values{"service": {"KTPEL_BARU"}})
	MustStatus(t, resp, body, http.StatusForbidden) // no CSRF token

	surveyURL, visitPage := MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	if !strings.HasPrefix(surveyURL, k.URL+"/v/v1.") || strings.Contains(surveyURL, nipSiti) {
		t.Fatalf("visit QR encodes %q", surveyURL)
	}

	citizen, other := MustNewClient(t), MustNewClient(t)
	page, formKey := MustSurveyPage(t, citizen, surveyURL)
	_, tabKey := MustSurveyPage(t, citizen, surveyURL) // a second tab of the same browser, opened before the first submits
	if strings.Contains(page, `name="service"`) || !strings.Contains(page, "Penerbitan KTP-el baru") {
		t.Error("the visit survey does not show its fixed service")
	}
	resp, body = MustPostForm(t, citizen, surveyURL, surveyValues(formKey, "KK_BARU", allFours()))
	MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || !rs[0].Verified || rs[0].VisitID == "" || rs[0].Channel != survey.ChannelVisit || rs[0].Service != "KTPEL_BARU" || rs[0].NIP != nipSiti {
		t.Fatalf("stored %+v, want one verified visit response for KTPEL_BARU", rs)
	}

	// The same form sent twice is one rating; a second use of the code is refused kindly.
	resp, body = MustPostForm(t, citizen, surveyURL, surveyValues(formKey, "", allFours()))
	MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")
	for _, lang := range []string{"id", "en"} {
		resp, page := MustGet(t, other, surveyURL+"?lang="+lang)
		MustStatus(t, resp, page, http.StatusConflict)
		want := map[string]string{"id": "kunjungan ini sudah dinilai", "en": "this visit has already been rated"}[lang]
		if !strings.Contains(page, want) {
			t.Errorf("second use (%s): page lacks %q", lang, want)
		}
	}
	resp, body = MustPostForm(t, citizen, surveyURL, surveyValues(tabKey, "", allFours()))
	MustStatus(t, resp, body, http.StatusConflict)
	if n := MustCountResponses(t, k); n != 1 {
		t.Errorf("%d responses, want 1", n)
	}

	// The counter screen notices the rating and returns to the static code.
	resp, body = MustGet(t, counter, k.URL+visitPage)
	MustRedirect(t, resp, body, "/counter/"+siti.Code+"?dinilai=1")
	resp, page = MustGet(t, counter, k.URL+"/counter/"+siti.Code+"?dinilai=1")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "sudah dinilai") || !strings.Contains(page, `value="KTPEL_BARU" selected`) {
		t.Error("counter screen after a rating: no message, or the last service not preselected")
	}

	// An unused code expires after visits.ttl.
	expiring, expiringPage := MustNewVisit(t, k, counter, siti.Code, "KK_BARU")
	k.Clock.Set(testStart.Add(2*time.Hour + time.Second))
	resp, page = MustGet(t, MustNewClient(t), expiring)
	MustStatus(t, resp, page, http.StatusBadRequest)
	if !strings.Contains(page, "kedaluwarsa") {
		t.Error("expired code: no kind explanation")
	}
	resp, body = MustGet(t, counter, k.URL+expiringPage)
	MustRedirect(t, resp, body, "/counter/"+siti.Code+"?kedaluwarsa=1")

	if c, err := k.DB.CountVisits(context.Background(), testStart.Add(-time.Hour), testStart.Add(24*time.Hour)); err != nil || c.Issued != 2 || c.Rated != 1 {
		t.Errorf("visits %+v (%v), want 2 issued, 1 rated", c, err)
	}
	resp, page = MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(text(page), "1 / 2") || !strings.Contains(page, "Tingkat tanggapan 50,00%") {
		t.Error("the summary does not show 1 of 2 visits rated (50 %)")
	}
}

// MustCounterToken makes a counter bearer token for nip, as `kiosk token create` does.
func MustCounterToken(tb testing.TB, k *testKiosk, nip string) (string, survey.KioskToken) {
	tb.Helper()
	token := web.RandomToken(32)
	t := survey.KioskToken{Hash: web.HashToken(token), Role: survey.RoleCounter, NIP: nip, Label: "antrian"}
	if err := k.DB.CreateKioskToken(context.Background(), &t); err != nil {
		tb.Fatal(err)
	}
	return token, t
}

// MustPostBearer posts JSON with a bearer token.
func MustPostBearer(tb testing.TB, u, token, body string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return MustDo(tb, http.DefaultClient, req)
}

type visitReply struct {
	Token     string    `json:"token"`
	SurveyURL string    `json:"survey_url"`
	QRURL     string    `json:"qr_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// MustAPIVisit creates a visit through the API.
func MustAPIVisit(tb testing.TB, k *testKiosk, token, nip, service string) visitReply {
	tb.Helper()
	resp, body := MustPostBearer(tb, k.URL+"/api/v1/visits", token, `{"nip": "`+nip+`", "service": "`+service+`"}`)
	MustStatus(tb, resp, body, http.StatusCreated)
	var v visitReply
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("visit reply %s: %v", body, err)
	}
	return v
}

func visitResponseJSON(token, key string, extra map[string]any) string {
	m := map[string]any{"visit_token": token, "ratings": allFours()}
	if key != "" {
		m["idempotency_key"] = key
	}
	for k, v := range extra {
		m[k] = v
	}
	return mustJSON(m)
}

func TestVisitAPIAttacks(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	token, tok := MustCounterToken(t, k, nipSiti)

	// Authentication: none, wrong, another staff member's NIP, revoked.
	for name, bearer := range map[string]string{"no token": "", "wrong token": "x" + token} {
		resp, body := MustPostBearer(t, k.URL+"/api/v1/visits", bearer, `{"nip":"`+nipSiti+`","service":"KTPEL_BARU"}`)
		MustStatus(t, resp, body, http.StatusUnauthorized)
		if MustErrorField(t, body); resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", name)
		}
	}
	resp, body := MustPostBearer(t, k.URL+"/api/v1/visits", token, `{"nip":"`+nipBudi+`","service":"KTPEL_BARU"}`)
	MustStatus(t, resp, body, http.StatusForbidden)
	resp, body = MustPostBearer(t, k.URL+"/api/v1/visits", token, `{"nip":"`+nipSiti+`","service":"KTPEL_BARU","extra":1}`)
	MustStatus(t, resp, body, http.StatusBadRequest)
	resp, body = MustPostBearer(t, k.URL+"/api/v1/visits", token, `{"nip":"`+nipSiti+`","service":"`+strings.Repeat("A", 5000)+`"}`)
	MustStatus(t, resp, body, http.StatusRequestEntityTooLarge)

	v := MustAPIVisit(t, k, token, nipSiti, "ktpel_baru")
	if !v.ExpiresAt.Equal(testStart.Add(2*time.Hour)) || v.SurveyURL != k.URL+"/v/"+v.Token || v.QRURL != k.URL+"/qr/v/"+v.Token+".png" {
		t.Errorf("visit reply %+v", v)
	}
	resp, png := MustGet(t, http.DefaultClient, v.QRURL)
	MustStatus(t, resp, png, http.StatusOK)
	if got, _ := MustDecodeQR(t, []byte(png)); got != v.SurveyURL {
		t.Errorf("visit QR encodes %q, want %q", got, v.SurveyURL)
	}

	// Forged: the token's staff code swapped, a made-up signature, a token moved to another NIP.
	budi, _ := k.DB.StaffByNIP(context.Background(), nipBudi)
	parts := strings.Split(v.Token, ".")
	parts[2] = budi.Code
	forged := strings.Join(parts, ".")
	for name, body := range map[string]string{
		"token re-addressed to another staff member": visitResponseJSON(forged, "", nil),
		"token moved to another NIP":                 visitResponseJSON(v.Token, "", map[string]any{"nip": nipBudi}),
		"made-up token":                              visitResponseJSON("v1.aaaaaaaaaaaaaaaa.bbbbbbbb.KTPEL_BARU.1.9999999999.xyz", "", nil),
		"another service":                            visitResponseJSON(v.Token, "", map[string]any{"service": "KK_BARU"}),
	} {
		resp, reply := MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", body)
		MustStatus(t, resp, reply, http.StatusBadRequest)
		if f := MustErrorField(t, reply); f != "visit_token" && f != "service" {
			t.Errorf("%s: field %q", name, f)
		}
	}
	resp, png = MustGet(t, http.DefaultClient, k.URL+"/qr/v/"+forged+".png")
	MustStatus(t, resp, png, http.StatusBadRequest)

	// The genuine token, once; a replay of the same request is the same rating; a second use is 409.
	c := MustCreateResponse(t, k.URL, visitResponseJSON(v.Token, "antrian-1", nil), http.StatusCreated)
	stored, err := k.DB.ResponseByID(context.Background(), c.ID)
	if err != nil || !stored.Verified || stored.NIP != nipSiti || stored.Channel != survey.ChannelAPI || stored.VisitID == "" {
		t.Fatalf("stored %+v (%v), want verified for %s", stored, err, nipSiti)
	}
	again := MustCreateResponse(t, k.URL, visitResponseJSON(v.Token, "antrian-1", nil), http.StatusOK)
	if again.ID != c.ID || !again.Replayed {
		t.Errorf("replay %+v, want the stored response", again)
	}
	resp, reply := MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", visitResponseJSON(v.Token, "antrian-2", nil))
	MustStatus(t, resp, reply, http.StatusConflict)
	var e apiError
	if json.Unmarshal([]byte(reply), &e); !strings.Contains(e.Error.MessageID, "sudah dinilai") || !strings.Contains(e.Error.Message, "already been rated") {
		t.Errorf("second use: %s", reply)
	}

	// Expired.
	late := MustAPIVisit(t, k, token, nipSiti, "KTPEL_BARU")
	k.Clock.Set(testStart.Add(2 * time.Hour))
	resp, reply = MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", visitResponseJSON(late.Token, "", nil))
	MustStatus(t, resp, reply, http.StatusBadRequest)
	if !strings.Contains(reply, "expired") {
		t.Errorf("expired token: %s", reply)
	}

	// A revoked token creates nothing more.
	if err := k.DB.RevokeKioskToken(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	resp, body = MustPostBearer(t, k.URL+"/api/v1/visits", token, `{"nip":"`+nipSiti+`","service":"KTPEL_BARU"}`)
	MustStatus(t, resp, body, http.StatusUnauthorized)
	if n := MustCountResponses(t, k); n != 1 {
		t.Errorf("%d responses, want 1", n)
	}
}
