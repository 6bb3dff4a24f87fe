package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// MustCitizenTab opens a tab in a browser context of its own (cookies and
// storage apart from the test's first tab), as a citizen's phone is apart
// from the counter's screen.
func MustCitizenTab(tb testing.TB, ctx context.Context) context.Context {
	tb.Helper()
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	tb.Cleanup(cancel)
	MustDo(tb, tab)
	return tab
}

// MustRateVisitOnce rates through a one-time visit URL on a phone, checks
// the verified row, then opens the URL again and expects the kind refusal.
func MustRateVisitOnce(tb testing.TB, phoneCtx context.Context, k *kioskServer, visitURL, service string) {
	tb.Helper()
	if u, err := url.Parse(visitURL); err != nil || !strings.HasPrefix(u.Path, "/v/") || "http://"+u.Host != k.URL {
		tb.Fatalf("visit URL %q: want %s/v/TOKEN", visitURL, k.URL)
	}
	MustOpen(tb, phoneCtx, phone, visitURL, "form[data-survey]")
	if MustEval[bool](tb, phoneCtx, `!!document.querySelector("select#service")`) {
		tb.Error("the visit's survey asks for the service again; the visit fixes it")
	}
	MustDo(tb, phoneCtx, tapAnswers(answers)...)
	MustFollow(tb, phoneCtx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(tb, phoneCtx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	rs := k.MustResponses(tb)
	if len(rs) != 1 {
		tb.Fatalf("the kiosk stored %d responses, want 1", len(rs))
	}
	if r := rs[0]; !r.Verified || r.Channel != survey.ChannelVisit || r.VisitID == "" || r.Service != service || r.NIP != nipSiti {
		tb.Errorf("stored verified %v, channel %s, visit %q, service %s, nip %s; want a verified visit rating of %s for %s",
			r.Verified, r.Channel, r.VisitID, r.Service, r.NIP, service, nipSiti)
	}

	// The same code again: refused, kindly, and nothing more is stored.
	MustOpenStatus(tb, phoneCtx, phone, visitURL, "h1", http.StatusConflict)
	MustContain(tb, phoneCtx, "main", "Kode kunjungan tidak dapat dipakai")
	if n := len(k.MustResponses(tb)); n != 1 {
		tb.Errorf("after the second use the kiosk holds %d responses, want 1", n)
	}
}

// MustAddCounterAccount adds, as the logged-in admin, a counter account for
// the staff member nip and returns its one-time password.
func MustAddCounterAccount(tb testing.TB, ctx context.Context, k *kioskServer, username, nip string) string {
	tb.Helper()
	MustOpen(tb, ctx, desktop, k.URL+"/admin/users", `form[action="/admin/users"]`)
	MustDo(tb, ctx,
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SetValue(chromedp.CSS("#role"), string(survey.RoleCounter)),
		chromedp.SendKeys(chromedp.CSS("#nip"), nip),
	)
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type=submit]`)))
	return MustText(tb, ctx, "main code")
}

// MustCounterLogIn logs the counter account in; it must land on st's counter screen.
func MustCounterLogIn(tb testing.TB, ctx context.Context, k *kioskServer, username, password string, st survey.Staff) {
	tb.Helper()
	MustOpen(tb, ctx, desktop, k.URL+"/login", `form[action="/login"]`)
	MustDo(tb, ctx, chromedp.SendKeys(chromedp.CSS("#username"), username), chromedp.SendKeys(chromedp.CSS("#password"), password))
	if got := MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))); got != k.URL+"/counter/"+st.Code {
		tb.Fatalf("the counter account lands on %s, want its counter screen %s/counter/%s", got, k.URL, st.Code)
	}
}

// MustNewVisit taps "new visit" for service on the counter screen and
// returns the address of the screen that shows the visit's code.
func MustNewVisit(tb testing.TB, ctx context.Context, service string) string {
	tb.Helper()
	MustDo(tb, ctx, chromedp.SetValue(chromedp.CSS("#service"), service))
	u := MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action$="/visits"] button[type=submit]`)))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS(".counter-screen img.qr")))
	return u
}

// MustCounterVisitCode sets up the admin, who adds a counter account for st;
// the staff member logs in at the counter and taps "new visit" for KK_BARU.
// It returns the URL the screen's QR code encodes (read off the screen) and
// the screen's own address.
func MustCounterVisitCode(tb testing.TB, ctx context.Context, k *kioskServer, st survey.Staff) (visitURL, visitPage string) {
	tb.Helper()
	MustSetUpAdmin(tb, ctx, k.MustSetupLink(tb))
	password := MustAddCounterAccount(tb, ctx, k, "loket1", st.NIP)
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	MustCounterLogIn(tb, ctx, k, "loket1", password, st)
	visitPage = MustNewVisit(tb, ctx, "KK_BARU")
	if !MustEval[bool](tb, ctx, `document.querySelector(".counter-screen img.qr").naturalWidth > 0`) {
		tb.Fatal("the counter screen shows no visit QR code")
	}
	shot := MustRun(tb, ctx, chromedp.Screenshot(chromedp.CSS(".counter-screen img.qr")))
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		tb.Fatal(err)
	}
	return MustDecodeQRImage(tb, img), visitPage
}

// TestVisitQRFromCounterScreen is the one-time visit code of a counter
// screen: the admin adds a counter account, the staff member logs in at the
// counter, taps "new visit" for the service given, the screen shows a QR code;
// a citizen scans it and rates once (verified), a second use is refused, and
// the counter screen learns it was rated.
func TestVisitQRFromCounterScreen(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	visitURL, _ := MustCounterVisitCode(t, ctx, k, siti)

	MustRateVisitOnce(t, MustCitizenTab(t, ctx), k, visitURL, "KK_BARU")

	// The counter screen reloads itself every 10 s; once the code was used
	// it goes back to the static code and says so.
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("main > .alert-ok")))
	if got := MustLocation(t, ctx); !strings.HasSuffix(got, "/counter/"+siti.Code+"?dinilai=1") {
		t.Errorf("after the rating the counter screen shows %s, want the static code with dinilai=1", got)
	}
	MustContain(t, ctx, ".alert-ok", "sudah dinilai")
}

// TestVisitCodeTakenByAnotherPhone: a code photographed off the counter
// screen and opened before the citizen. The citizen's phone is refused
// kindly, the counter screen says the code was taken and contested, and the
// rating made through it is flagged code_contested.
func TestVisitCodeTakenByAnotherPhone(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	visitURL, visitPage := MustCounterVisitCode(t, ctx, k, siti)

	thief := MustCitizenTab(t, ctx)
	MustOpen(t, thief, phone, visitURL, "form[data-survey]")
	citizen := MustCitizenTab(t, ctx)
	MustOpenStatus(t, citizen, phone, visitURL+"?lang=id", "h1", http.StatusConflict)
	MustContain(t, citizen, "main", "kode ini sudah dibuka di ponsel lain")
	MustBeAccessible(t, citizen, "visit code opened on another phone", "id")

	MustOpen(t, ctx, desktop, visitPage, ".counter-screen .alert-error")
	MustContain(t, ctx, ".counter-screen", "sudah dibuka di sebuah perangkat", "perangkat lain mencoba membuka kode ini (1 kali)")
	if MustEval[bool](t, ctx, `!!document.querySelector(".counter-screen img.qr")`) {
		t.Error("the counter screen still shows the code after a phone took it")
	}
	MustBeAccessible(t, ctx, "counter screen with a contested visit code", "id")

	MustDo(t, thief, tapAnswers(answers)...)
	MustFollow(t, thief, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	rs := k.MustResponses(t)
	// (own_device too: every browser here shares the counter PC's loopback address.)
	if len(rs) != 1 || !rs[0].Verified || !slices.Contains(rs[0].Flags, survey.FlagCodeContested) {
		t.Errorf("stored %+v, want one verified rating flagged code_contested", rs)
	}
}

// TestVisitQRFromQueueSystem is the same through the JSON API: a queue
// system with the counter's token (as `kiosk token create --role counter`
// makes) asks for a visit, prints its QR code; the citizen rates once.
func TestVisitQRFromQueueSystem(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	v := k.MustAPIVisit(t, nipSiti, "KTPEL_GANTI")
	if !strings.HasPrefix(v.QRURL, k.URL+"/") {
		t.Fatalf("qr_url %q is not on the kiosk %s", v.QRURL, k.URL)
	}
	visitURL := MustDecodeQR(t, k, strings.TrimPrefix(v.QRURL, k.URL))
	if visitURL != v.SurveyURL {
		t.Errorf("the visit's QR code reads %q, want its survey_url %q", visitURL, v.SurveyURL)
	}
	MustRateVisitOnce(t, ctx, k, visitURL, "KTPEL_GANTI")
}

// apiVisit is the answer to POST /api/v1/visits.
type apiVisit struct {
	Token     string `json:"token"`
	SurveyURL string `json:"survey_url"`
	QRURL     string `json:"qr_url"`
}

// MustAPIVisit asks the kiosk for a visit as a queue system does, with a
// counter token for nip made as `kiosk token create --role counter` makes it.
func (k *kioskServer) MustAPIVisit(tb testing.TB, nip, service string) apiVisit {
	tb.Helper()
	token := web.RandomToken(32)
	ct := survey.KioskToken{Hash: web.HashToken(token), Role: survey.RoleCounter, NIP: nip, Label: "antrian"}
	if err := k.DB.CreateKioskToken(context.Background(), &ct); err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, k.URL+"/api/v1/visits", strings.NewReader(`{"nip": "`+nip+`", "service": "`+service+`"}`))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := k.HTTP.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var v apiVisit
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusCreated {
		tb.Fatalf("POST /api/v1/visits: status %d, %v", resp.StatusCode, err)
	}
	return v
}
