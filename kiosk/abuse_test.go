package kiosk_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
)

// MustRateStatic opens the staff member's survey with hc and submits it; it
// returns the status of the submission and the page.
func MustRateStatic(tb testing.TB, k *testKiosk, hc *http.Client, code string) (int, string) {
	tb.Helper()
	_, formKey := MustSurveyPage(tb, hc, k.URL+"/s/"+code)
	resp, body := MustPostForm(tb, hc, k.URL+"/s/"+code, surveyValues(formKey, "KTPEL_BARU", allFours()))
	return resp.StatusCode, body
}

func TestStaticQRLimitPerDevice(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	budi := MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	phone := MustNewClient(t)

	resp, page := MustGet(t, phone, k.URL+"/s/"+siti.Code)
	MustStatus(t, resp, page, http.StatusOK)
	if c := findCookie(resp, kiosk.DeviceCookie); c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge < 24*3600 {
		t.Errorf("device cookie %+v, want HttpOnly, SameSite=Lax, long-lived", c)
	}
	if status, _ := MustRateStatic(t, k, phone, siti.Code); status != http.StatusSeeOther {
		t.Fatalf("first rating: %d", status)
	}
	// The same phone, the same officer, within 4 hours: refused kindly, and counted.
	status, page := MustRateStatic(t, k, phone, siti.Code)
	if status != http.StatusTooManyRequests || !strings.Contains(page, "Terima kasih") || !strings.Contains(page, "satu penilaian per kunjungan") {
		t.Errorf("second rating from one device: %d\n%s", status, clip(text(page)))
	}
	// Another officer from the same phone is fine; so is Siti from another phone.
	if status, _ := MustRateStatic(t, k, phone, budi.Code); status != http.StatusSeeOther {
		t.Errorf("another officer from the same device: %d", status)
	}
	if status, _ := MustRateStatic(t, k, MustNewClient(t), siti.Code); status != http.StatusSeeOther {
		t.Errorf("another device: %d", status)
	}
	// After the window the phone may rate Siti again.
	k.Clock.Set(testStart.Add(4*time.Hour + time.Minute))
	if status, _ := MustRateStatic(t, k, phone, siti.Code); status != http.StatusSeeOther {
		t.Errorf("after the window: %d", status)
	}
	refused, err := k.DB.CountRefusals(context.Background(), testStart.Add(-time.Hour), testStart.Add(24*time.Hour))
	if err != nil || refused[survey.RefusedDevice] != 1 {
		t.Errorf("refusals %v (%v), want 1 by device", refused, err)
	}
	admin := MustSetUp(t, k)
	resp, page = MustGet(t, admin, k.URL+"/admin")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(text(page), "Ditolak oleh batas bulan ini 1") {
		t.Errorf("summary does not count the refusal:\n%s", clip(text(page)))
	}
}

func TestStaticQRLimitPerAddressAndOff(t *testing.T) {
	k := MustStartKiosk(t, func(c *kiosk.Config) { c.Limits.PerAddress = 2 })
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	// Dropping the cookie (a new browser each time) does not escape the address limit.
	for i, want := range []int{303, 303, 429} {
		if status, _ := MustRateStatic(t, k, MustNewClient(t), siti.Code); status != want {
			t.Errorf("rating %d from one address: %d, want %d", i+1, status, want)
		}
	}
	// The unauthenticated API is limited the same way.
	resp, body := MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", responseJSON(nipSiti, "KTPEL_BARU", "api-1"))
	MustStatus(t, resp, body, http.StatusTooManyRequests)
	if MustErrorField(t, body); !strings.Contains(body, "rate_limited") {
		t.Errorf("API refusal: %s", body)
	}

	// 0 turns the limits off.
	off := MustStartKiosk(t, func(c *kiosk.Config) { c.Limits.PerAddress, c.Limits.PerDevice = 0, 0 })
	siti = MustAddStaff(t, off, nipSiti, "Siti Aminah", "1")
	phone := MustNewClient(t)
	for i := range 4 {
		if status, _ := MustRateStatic(t, off, phone, siti.Code); status != http.StatusSeeOther {
			t.Errorf("limits off, rating %d: %d", i+1, status)
		}
	}
}

// MustFlagsOf returns the flags of every stored response, oldest first.
func MustFlagsOf(tb testing.TB, k *testKiosk) [][]string {
	tb.Helper()
	var out [][]string
	for _, r := range MustPendingResponses(tb, k) {
		out = append(out, r.Flags)
	}
	return out
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func TestBurstAndOwnDeviceAreFlaggedNotDropped(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	// A burst on the desk tablet: never refused, the sixth within ten minutes flagged.
	tablet, admin := MustEnrollTablet(t, k, "Tablet meja")
	for range 6 {
		_, formKey := MustSurveyPage(t, tablet, k.URL+"/kiosk/s/"+siti.Code)
		resp, body := MustPostForm(t, tablet, k.URL+"/kiosk/s/"+siti.Code, surveyValues(formKey, "KTPEL_BARU", allFours()))
		MustRedirect(t, resp, body, "/kiosk/terima-kasih")
		k.Clock.Set(k.Clock.Now().Add(time.Minute))
	}
	flags := MustFlagsOf(t, k)
	for i, f := range flags {
		if got, want := hasFlag(f, survey.FlagBurst), i == 5; got != want {
			t.Errorf("tablet rating %d: flags %v", i+1, f)
		}
	}

	// The staff member rating herself from her own counter device.
	k.Clock.Set(testStart.Add(2 * time.Hour))
	counter := MustCounterAccount(t, k, admin, "loket1", nipSiti)
	resp, page := MustGet(t, counter, k.URL+"/counter/"+siti.Code)
	MustStatus(t, resp, page, http.StatusOK)
	if status, _ := MustRateStatic(t, k, counter, siti.Code); status != http.StatusSeeOther {
		t.Fatalf("rating from the counter device: %d", status)
	}
	flags = MustFlagsOf(t, k)
	if last := flags[len(flags)-1]; !hasFlag(last, survey.FlagOwnDevice) {
		t.Errorf("rating from the counter device: flags %v", last)
	}
	if n := MustCountResponses(t, k); n != 7 {
		t.Errorf("%d responses stored, want all 7", n)
	}
}

func TestFollowUpContactWithConsent(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	phone := MustNewClient(t)
	page, formKey := MustSurveyPage(t, phone, k.URL+"/s/"+siti.Code)
	if !strings.Contains(page, `name="followup_consent" value="1">`) {
		t.Fatal("no unticked consent box on the survey")
	}
	// A contact without consent is refused and nothing is stored.
	v := surveyValues(formKey, "KTPEL_BARU", allFours())
	v.Set("contact", "0812-3456-7890")
	v.Set("comment", `Antrean lama <script>alert("x")</script>`)
	resp, page := MustPostForm(t, phone, k.URL+"/s/"+siti.Code, v)
	MustStatus(t, resp, page, http.StatusBadRequest)
	if !strings.Contains(page, "centang kotak persetujuan") || !strings.Contains(page, `value="0812-3456-7890"`) {
		t.Error("refused contact: no reason, or the typed contact lost")
	}
	if strings.Contains(page, `<script>alert("x")`) || !strings.Contains(page, "&lt;script&gt;") {
		t.Error("the survey shown again does not escape the comment")
	}
	if n := MustCountResponses(t, k); n != 0 {
		t.Fatalf("%d responses stored after a refusal", n)
	}
	v.Set("followup_consent", "1")
	resp, body := MustPostForm(t, phone, k.URL+"/s/"+siti.Code, v)
	MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih")

	// The contact is not part of the response that goes to central.
	rs := MustPendingResponses(t, k)
	if len(rs) != 1 || strings.Contains(mustJSON(rs[0]), "3456") {
		t.Fatalf("pending responses %+v carry the contact", rs)
	}
	admin := MustSetUp(t, k)
	resp, page = MustGet(t, admin, k.URL+"/admin/followups")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "0812-3456-7890") || !strings.Contains(page, "Saya setuju dihubungi") {
		t.Error("the follow-up page lacks the contact or its recorded consent")
	}
	if strings.Contains(page, `<script>alert("x")`) || !strings.Contains(page, "&lt;script&gt;") {
		t.Error("the follow-up page does not escape the comment")
	}
	list, err := k.DB.FindFollowUps(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("follow-ups %+v (%v)", list, err)
	}
	csrf := MustCSRF(t, admin, k.URL+"/admin/followups")
	resp, body = MustPostForm(t, admin, k.URL+"/admin/followups/"+itoa(list[0].ID)+"/close", url.Values{"csrf": {csrf}})
	MustRedirect(t, resp, body, "/admin/followups?closed=1")
	if list, _ := k.DB.FindFollowUps(context.Background()); len(list) != 0 {
		t.Errorf("a closed follow-up is kept: %+v", list)
	}
	if !hasAudit(MustAudit(t, k), "followup_close", "contact deleted") {
		t.Error("closing a follow-up is not audited")
	}

	// Without followup in the configuration the survey offers no contact field.
	off := MustStartKiosk(t, func(c *kiosk.Config) { c.Privacy.FollowUp = false })
	st := MustAddStaff(t, off, nipSiti, "Siti Aminah", "1")
	page, _ = MustSurveyPage(t, MustNewClient(t), off.URL+"/s/"+st.Code)
	if strings.Contains(page, `name="contact"`) {
		t.Error("the contact field is offered with privacy.followup = false")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPrivacyPageSaysWhatIsKeptAndHowLong(t *testing.T) {
	k := MustStartKiosk(t, func(c *kiosk.Config) {
		c.Privacy.ContactRetention = survey.Duration(14 * 24 * time.Hour)
		c.Privacy.VisitRetention = survey.Duration(60 * 24 * time.Hour)
	})
	for lang, want := range map[string][]string{
		"id": {"Apa yang disimpan dan berapa lama", "60 hari", "14 hari", "setiap 24 jam", "48 jam", "1 penilaian per petugas per 4 jam", "tidak pernah disimpan apa adanya"},
		"en": {"What is kept, and for how long", "after 60 days", "after 14 days", "every 24 hours", "48 hours", "never stored as it is"},
	} {
		resp, page := MustGet(t, MustNewClient(t), k.URL+"/privasi?lang="+lang)
		MustStatus(t, resp, page, http.StatusOK)
		for _, w := range want {
			if !strings.Contains(text(page), w) {
				t.Errorf("privacy page (%s) lacks %q", lang, w)
			}
		}
	}
}

func TestRetentionJobDeletesWhatExpiredAndLogs(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	counter := MustCounterAccount(t, k, admin, "loket1", nipSiti)
	MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	phone := MustNewClient(t)
	_, formKey := MustSurveyPage(t, phone, k.URL+"/s/"+siti.Code)
	v := surveyValues(formKey, "KTPEL_BARU", allFours())
	v.Set("contact", "warga@example.id")
	v.Set("followup_consent", "1")
	resp, body := MustPostForm(t, phone, k.URL+"/s/"+siti.Code, v)
	MustRedirect(t, resp, body, "/s/")

	var logs bytes.Buffer
	job := k.Server.Retention(slog.New(slog.NewTextHandler(&logs, nil)))
	res, err := job.Run(context.Background())
	if err != nil || res.Visits+res.Contacts+res.Pseudonyms != 0 {
		t.Fatalf("retention of fresh data: %+v (%v)", res, err)
	}
	k.Clock.Set(testStart.Add(91 * 24 * time.Hour))
	res, err = job.Run(context.Background())
	if err != nil || res.Visits != 1 || res.Contacts != 1 || res.Pseudonyms == 0 || res.Keys == 0 {
		t.Errorf("retention 91 days later: %+v (%v), want the visit, the contact, the hashes and the old key", res, err)
	}
	if !strings.Contains(logs.String(), "retention: deleted expired data") || !strings.Contains(logs.String(), "visits=1") {
		t.Errorf("no retention log line:\n%s", logs.String())
	}
	if n := MustCountResponses(t, k); n != 1 {
		t.Errorf("%d responses; an unsynced response is never deleted", n)
	}
}
