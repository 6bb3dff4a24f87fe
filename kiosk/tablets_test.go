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
)

// MustCookie returns hc's cookie name for the kiosk at base.
func MustCookie(tb testing.TB, hc *http.Client, base, name string) *http.Cookie {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range hc.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	tb.Fatalf("the client has no cookie %q", name)
	return nil
}

// WithCookie gives hc a copy of c, as someone copying a cookie to another device would.
func WithCookie(tb testing.TB, hc *http.Client, base string, c *http.Cookie) *http.Client {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	hc.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
	return hc
}

// MustTabletRefused fails unless GET path answers the kind 403 page for a device that is not an enrolled tablet.
func MustTabletRefused(tb testing.TB, k *testKiosk, hc *http.Client, path string) string {
	tb.Helper()
	resp, page := MustGet(tb, hc, k.URL+path)
	MustStatus(tb, resp, page, http.StatusForbidden)
	for _, want := range []string{"Halaman ini khusus tablet meja kantor", "pindai kode QR di loket petugas", `href="/login?next=/admin/tablets"`} {
		if !strings.Contains(page, want) {
			tb.Errorf("GET %s refused without %q:\n%s", path, want, clip(text(page)))
		}
	}
	return page
}

func TestTabletEnrollment(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")

	// An office upgrading: the old tablet, never enrolled, is refused with a
	// page telling the admin how to enroll it, in both languages; so is a phone.
	old := MustNewClient(t)
	page := MustTabletRefused(t, k, old, "/kiosk")
	if !strings.Contains(page, "Admin → Tablet meja") || !strings.Contains(page, "tablet yang sudah ada perlu didaftarkan sekali") ||
		strings.Contains(page, "http-equiv=\"refresh\"") {
		t.Errorf("the refusal does not tell the admin how to enroll, or reloads itself:\n%s", clip(text(page)))
	}
	resp, en := MustGet(t, MustNewClient(t), k.URL+"/kiosk?lang=en")
	MustStatus(t, resp, en, http.StatusForbidden)
	if !strings.Contains(en, "for the office&#39;s desk tablet only") || !strings.Contains(en, "Enroll this device as a desk tablet") {
		t.Errorf("English refusal:\n%s", clip(text(en)))
	}
	MustTabletRefused(t, k, old, "/kiosk/s/"+siti.Code)
	MustTabletRefused(t, k, old, "/kiosk/terima-kasih")
	resp, body := MustPostForm(t, old, k.URL+"/kiosk/s/"+siti.Code+"/kirim", surveyValues("x.y", "KTPEL_BARU", allFours()))
	MustStatus(t, resp, body, http.StatusForbidden)

	// The admin logs in on the tablet and enrolls it, pinned to its address.
	admin := MustAdmin(t, k)
	tablet, _ := MustLogin(t, k, adminUser, adminPassword)
	resp, page = MustGet(t, tablet, k.URL+"/admin/tablets")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "Belum ada tablet meja yang terdaftar") || !strings.Contains(page, "(127.0.0.1)") {
		t.Errorf("the empty tablet list or the address to pin is missing:\n%s", clip(text(page)))
	}
	csrf := MustInputValue(t, page, "csrf")
	resp, body = MustPostForm(t, tablet, k.URL+"/admin/tablets", url.Values{"csrf": {csrf}, "name": {"  "}})
	MustStatus(t, resp, body, http.StatusBadRequest)
	resp, body = MustPostForm(t, tablet, k.URL+"/admin/tablets", url.Values{"csrf": {csrf}, "name": {"Tablet meja loket 1"}, "pin": {"1"}})
	MustRedirect(t, resp, body, "/kiosk?terdaftar=1")
	if c := findCookie(resp, kiosk.TabletCookie); c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge < 365*24*3600 {
		t.Errorf("tablet cookie %+v, want HttpOnly, SameSite=Lax, kept for a year or more", c)
	}
	resp, body = MustGet(t, tablet, k.URL+"/admin")
	MustRedirect(t, resp, body, "/login") // the admin's session on the tablet ended
	resp, page = MustGet(t, tablet, k.URL+"/kiosk?terdaftar=1")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "terdaftar sebagai tablet meja &#34;Tablet meja loket 1&#34;") || !strings.Contains(page, `href="/kiosk/s/`+siti.Code+`"`) {
		t.Errorf("the enrolled tablet's start screen:\n%s", clip(text(page)))
	}
	if c := findCookie(resp, kiosk.TabletCookie); c == nil || c.MaxAge < 365*24*3600 {
		t.Errorf("the start screen does not renew the tablet cookie: %+v", c)
	}
	_, key := MustSurveyPage(t, tablet, k.URL+"/kiosk/s/"+siti.Code)
	resp, body = MustPostForm(t, tablet, k.URL+"/kiosk/s/"+siti.Code+"/kirim", surveyValues(key, "KTPEL_BARU", allFours()))
	MustRedirect(t, resp, body, "/kiosk/terima-kasih")

	// The admin sees it listed, named, pinned, last used; the enrollment is audited.
	resp, page = MustGet(t, admin, k.URL+"/admin/tablets")
	MustStatus(t, resp, page, http.StatusOK)
	list := text(page)
	if !strings.Contains(list, "Tablet meja loket 1") || !strings.Contains(list, "127.0.0.1") || !strings.Contains(list, "Aktif") {
		t.Errorf("tablet list:\n%s", clip(list))
	}
	tablets, err := k.DB.FindTablets(context.Background())
	if err != nil || len(tablets) != 1 || tablets[0].LastSeenAt.IsZero() || tablets[0].EnrolledBy != adminUser {
		t.Fatalf("tablets %+v (%v)", tablets, err)
	}
	id := tablets[0].ID
	if !hasAudit(MustAudit(t, k), "tablet_enroll", "pinned to 127.0.0.1") {
		t.Error("the enrollment is not audited with its pin")
	}

	// Its cookie copied to a phone elsewhere is refused (pinned), with a word for the admin;
	// a cookie with a made-up signature is refused too.
	cookie := MustCookie(t, tablet, k.URL, kiosk.TabletCookie)
	copied := WithCookie(t, MustClientFrom(t, "127.0.0.2"), k.URL, cookie)
	page = MustTabletRefused(t, k, copied, "/kiosk")
	if !strings.Contains(page, "hanya untuk alamat jaringan lain") {
		t.Errorf("the pinned refusal does not say why:\n%s", clip(text(page)))
	}
	forged := WithCookie(t, MustNewClient(t), k.URL, &http.Cookie{Name: kiosk.TabletCookie, Value: id + ".bukan-tanda-tangan"})
	MustTabletRefused(t, k, forged, "/kiosk")

	// Rename and revoke, each audited; a revoked tablet is refused from its next request.
	csrf = MustCSRF(t, admin, k.URL+"/admin/tablets")
	resp, body = MustPostForm(t, admin, k.URL+"/admin/tablets/"+id+"/name", url.Values{"csrf": {csrf}, "name": {""}})
	MustStatus(t, resp, body, http.StatusBadRequest)
	resp, body = MustPostForm(t, admin, k.URL+"/admin/tablets/"+id+"/name", url.Values{"csrf": {csrf}, "name": {"Tablet ruang tunggu"}})
	MustRedirect(t, resp, body, "/admin/tablets?renamed=1")
	resp, body = MustPostForm(t, admin, k.URL+"/admin/tablets/"+id+"/revoke", url.Values{"csrf": {csrf}})
	MustRedirect(t, resp, body, "/admin/tablets?revoked=1")
	resp, body = MustPostForm(t, admin, k.URL+"/admin/tablets/tidakada/revoke", url.Values{"csrf": {csrf}})
	MustStatus(t, resp, body, http.StatusNotFound)
	MustTabletRefused(t, k, tablet, "/kiosk")
	audit := MustAudit(t, k)
	if !hasAudit(audit, "tablet_rename", `to "Tablet ruang tunggu"`) || !hasAudit(audit, "tablet_revoke", "Tablet ruang tunggu") {
		t.Error("rename or revocation not audited")
	}
	// A viewer cannot manage tablets.
	viewer, _ := MustLogin(t, k, "peninjau", MustCreateUser(t, k, admin, "peninjau", "viewer", ""))
	resp, body = MustGet(t, viewer, k.URL+"/admin/tablets")
	MustStatus(t, resp, body, http.StatusForbidden)

	// Every refusal was counted and shows on the summary.
	refused, err := k.DB.CountRefusals(context.Background(), testStart.Add(-time.Hour), testStart.Add(24*time.Hour))
	if err != nil || refused[survey.RefusedTablet] != 8 {
		t.Errorf("refusals %v (%v), want 8 for the tablet", refused, err)
	}
	resp, page = MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(text(page), "Halaman tablet dibuka dari perangkat yang tidak terdaftar 8") {
		t.Errorf("the summary does not count the refused tablet pages:\n%s", clip(text(page)))
	}
}

var tabletVisitRE = regexp.MustCompile(`href="(/kiosk/v/[^"]+)"`)

func TestTabletVisitIsVerified(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustAdmin(t, k)
	counter := MustCounterAccount(t, k, admin, "loket1", nipSiti)
	resp, page := MustGet(t, counter, k.URL+"/counter/"+siti.Code)
	MustStatus(t, resp, page, http.StatusOK)
	if strings.Contains(page, `name="tablet"`) {
		t.Error("the counter offers the desk tablet while none is enrolled")
	}
	tablet, _ := MustEnrollTablet(t, k, "Tablet meja")
	second, _ := MustEnrollTablet(t, k, "Tablet meja 2")

	// The counter sends the visit to the tablet: no QR code on its screen.
	resp, page = MustGet(t, counter, k.URL+"/counter/"+siti.Code)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, `name="tablet" value="1"`) {
		t.Fatal("the counter does not offer the desk tablet")
	}
	resp, body := MustPostForm(t, counter, k.URL+"/counter/"+siti.Code+"/visits",
		url.Values{"csrf": {MustInputValue(t, page, "csrf")}, "service": {"KK_BARU"}, "tablet": {"1"}})
	visitPage := MustRedirect(t, resp, body, "/counter/"+siti.Code+"/visits/")
	resp, page = MustGet(t, counter, k.URL+visitPage)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "dikirim ke tablet meja") || strings.Contains(page, `class="qr"`) {
		t.Errorf("the counter's visit page for the tablet:\n%s", clip(text(page)))
	}

	// Both tablets offer "rate Siti now"; a phone cannot open it.
	var link string
	for _, hc := range []*http.Client{second, tablet} {
		resp, start := MustGet(t, hc, k.URL+"/kiosk")
		MustStatus(t, resp, start, http.StatusOK)
		m := tabletVisitRE.FindStringSubmatch(start)
		if m == nil || !strings.Contains(start, "Nilai Siti Aminah sekarang") || !strings.Contains(start, "Kartu Keluarga baru") {
			t.Fatalf("the tablet does not offer the visit:\n%s", clip(text(start)))
		}
		link = m[1]
	}
	MustTabletRefused(t, k, MustNewClient(t), link)

	// The first tablet opens it; the other no longer offers it, and cannot take it.
	page, key := MustSurveyPage(t, tablet, k.URL+link)
	if strings.Contains(page, `name="service"`) || !strings.Contains(page, `action="`+link+`/kirim"`) {
		t.Errorf("the tablet's visit survey does not fix the service or post to the visit")
	}
	resp, start := MustGet(t, second, k.URL+"/kiosk")
	MustStatus(t, resp, start, http.StatusOK)
	if strings.Contains(start, link) {
		t.Error("the second tablet still offers a visit the first one opened")
	}
	resp, body = MustGet(t, second, k.URL+link)
	MustStatus(t, resp, body, http.StatusConflict)
	resp, page = MustGet(t, counter, k.URL+visitPage)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "sudah dibuka di sebuah perangkat") || !strings.Contains(page, "perangkat lain mencoba membuka kode ini (1 kali)") {
		t.Errorf("the counter does not show the visit taken and contested:\n%s", clip(text(page)))
	}

	resp, body = MustPostForm(t, tablet, k.URL+link+"/kirim", surveyValues(key, "", allFours()))
	MustRedirect(t, resp, body, "/kiosk/terima-kasih")
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || rs[0].Channel != survey.ChannelKiosk || !rs[0].Verified || rs[0].VisitID == "" || rs[0].Service != "KK_BARU" ||
		!hasFlag(rs[0].Flags, survey.FlagCodeContested) {
		t.Fatalf("stored %+v, want one verified kiosk rating of KK_BARU flagged code_contested", rs)
	}
	resp, body = MustPostForm(t, tablet, k.URL+link+"/kirim", surveyValues(key, "", allFours())) // a double tap
	MustRedirect(t, resp, body, "/kiosk/terima-kasih")
	if n := MustCountResponses(t, k); n != 1 {
		t.Errorf("%d responses after a double tap, want 1", n)
	}
	resp, body = MustGet(t, counter, k.URL+visitPage)
	MustRedirect(t, resp, body, "/counter/"+siti.Code+"?dinilai=1")

	// A visit sent to the tablet is offered only for visits.tablet_window.
	resp, body = MustPostForm(t, counter, k.URL+"/counter/"+siti.Code+"/visits",
		url.Values{"csrf": {MustCSRF(t, counter, k.URL+"/counter/"+siti.Code)}, "service": {"KK_BARU"}, "tablet": {"1"}})
	MustRedirect(t, resp, body, "/counter/")
	k.Clock.Set(testStart.Add(k.Config.Visits.TabletWindow.D() + time.Second))
	resp, start = MustGet(t, tablet, k.URL+"/kiosk")
	MustStatus(t, resp, start, http.StatusOK)
	if strings.Contains(start, "/kiosk/v/") {
		t.Error("the tablet still offers a visit after visits.tablet_window")
	}
}
