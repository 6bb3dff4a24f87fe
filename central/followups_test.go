package central_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/survey"
)

// mustOpenCase ingests a rating of Siti with perilaku 1 at `at` and opens
// its follow-up case under code, as a kiosk's sync does.
func (rs *reportServer) mustOpenCase(tb testing.TB, code string, at time.Time) survey.FollowUpCase {
	tb.Helper()
	return rs.mustOpenCaseOf(tb, nipSiti, code, at)
}

// mustOpenCaseOf is mustOpenCase for the staff member nip.
func (rs *reportServer) mustOpenCaseOf(tb testing.TB, nip, code string, at time.Time) survey.FollowUpCase {
	tb.Helper()
	r := all(3)
	r.Set(survey.Perilaku, 1)
	resp := rs.MustIngestRatings(tb, nip, "KIA", at, time.Minute, []survey.Ratings{r}, func(x *survey.Response) { x.Comment = "dibentak" })
	cal, _ := survey.NewWorkCalendar(nil)
	p := survey.FollowUpPolicy{Elements: survey.DefaultFollowUpElements, DueDays: 5, Calendar: cal}
	res, err := rs.Store.OpenFollowUps(context.Background(), rs.Kiosk.ID, []survey.FollowUpRef{{Code: code, ResponseID: resp[0].ID}}, p, rs.Clock.Now())
	if err != nil || res[0].Status != string(survey.FollowUpReceived) {
		tb.Fatalf("open case: %+v, %v", res, err)
	}
	c, err := rs.Store.FollowUpCaseByCode(context.Background(), code)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestFollowUpRegisterAndStatusPage: the office records its action and
// answer in the register; the public page shows each step by code, never a
// contact or the officer; the kepala's dashboard lists overdue cases; the
// API gives the period's figures.
func TestFollowUpRegisterAndStatusPage(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	late := rs.mustOpenCase(t, "AAAA-BBBB-CCC1", time.Date(2031, 3, 20, 10, 0, 0, 0, wib)) // due 27 March: overdue on 10 April
	fresh := rs.mustOpenCase(t, "AAAA-BBBB-CCC2", time.Date(2031, 4, 9, 10, 0, 0, 0, wib))
	base := fmt.Sprintf("/admin/reports/%d", rs.Office.ID)

	// Anyone with the code sees it received; a wrong code is refused kindly.
	anon := &browser{base: rs.URL, hc: &http.Client{Timeout: 30 * time.Second}}
	_, page := anon.MustGet(t, "/publik/tindak-lanjut?kode=aaaa+bbbb+ccc2", http.StatusOK)
	for _, want := range []string{"AAAA-BBBB-CCC2", "Disdukcapil Kota Serang", "Diterima", "belum mencatat tindakan"} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	for _, never := range []string{nipSiti, "Siti", "dibentak", "Perilaku"} {
		if strings.Contains(page, never) {
			t.Errorf("the public status page shows %q", never)
		}
	}
	anon.MustGet(t, "/publik/tindak-lanjut?kode=ZZZZ-ZZZZ-ZZZZ", http.StatusNotFound)
	if _, page := anon.MustGet(t, "/publik/tindak-lanjut?kode=nope", http.StatusBadRequest); !strings.Contains(page, "kode lacak terdiri dari 12") {
		t.Error("a malformed code is not explained")
	}
	if _, page := anon.MustGet(t, "/publik/tindak-lanjut", http.StatusOK); !strings.Contains(page, `name="kode"`) {
		t.Error("the status page has no form for the code")
	}

	kepala := rs.MustLogin(t, "kepala", survey.RoleKepala, rs.Office.ID, "")
	_, page = kepala.MustGet(t, "/admin", http.StatusOK)
	if got := byID(t, page, "dash-overdue"); !strings.Contains(got, late.Code) || strings.Contains(got, fresh.Code) {
		t.Errorf("the kepala's dashboard lists as overdue: %s", got)
	}
	_, page = kepala.MustGet(t, base+"/rtl?period=2031-Q1", http.StatusOK)
	if reg := byID(t, page, "fu-cases"); !strings.Contains(reg, late.Code) || !strings.Contains(reg, "lewat tenggat") || !strings.Contains(reg, "dibentak") {
		t.Errorf("the register lacks the late case: %s", reg)
	}
	// The fresh case (April) is listed in Q1's register too, because it is open.
	if !strings.Contains(byID(t, page, "fu-cases"), fresh.Code) {
		t.Error("an open case of a later period is not in the register")
	}

	// Recording: in progress needs an action, answered an answer.
	path := fmt.Sprintf("%s/rtl/kasus/%d?period=2031-Q1", base, late.ID)
	if resp, body := kepala.MustPost(t, path, url.Values{"status": {"answered"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "tulis jawaban") {
		t.Errorf("answered without an answer: %d", resp.StatusCode)
	}
	if resp, _ := kepala.MustPost(t, path, url.Values{"status": {"in_progress"}, "action": {"Warga ditelepon 10 April"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("in progress: %d", resp.StatusCode)
	}
	_, page = anon.MustGet(t, "/publik/tindak-lanjut?kode="+late.Code, http.StatusOK)
	if !strings.Contains(page, "Sedang diproses") || strings.Contains(page, "ditelepon") {
		t.Error("the status page does not show 'in progress', or shows the internal action")
	}
	rs.Clock.Set(reportNow.Add(2 * time.Hour))
	answer := "Petugas sudah ditegur dan mengikuti pelatihan pelayanan."
	if resp, _ := kepala.MustPost(t, path, url.Values{"status": {"answered"}, "action": {"Warga ditelepon 10 April"}, "answer": {answer}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answered: %d", resp.StatusCode)
	}
	_, page = anon.MustGet(t, "/publik/tindak-lanjut?kode="+late.Code, http.StatusOK)
	if !strings.Contains(byID(t, page, "fu-result-answer"), answer) || !strings.Contains(byID(t, page, "fu-result-status"), "Dijawab") {
		t.Error("the status page lacks the answer")
	}
	_, page = kepala.MustGet(t, "/admin", http.StatusOK)
	if strings.Contains(byID(t, page, "dash-overdue"), late.Code) {
		t.Error("an answered case is still overdue on the dashboard")
	}

	// A viewer reads but may not record; another office's kepala sees nothing.
	viewer := rs.MustLogin(t, "peninjau", survey.RoleViewer, 0, "")
	if resp, _ := viewer.MustPost(t, path, url.Values{"status": {"received"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer recorded on a case: %d", resp.StatusCode)
	}
	other := rs.MustLogin(t, "kepala2", survey.RoleKepala, rs.Office.ID+1, "")
	if resp, _ := other.MustPost(t, path, url.Values{"status": {"received"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another office's kepala recorded on a case: %d", resp.StatusCode)
	}

	// The figures of Q1: one case opened, answered late (10 April), 15 working days.
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	got := MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/followups?office=%d&period=2031-Q1", rs.Office.ID), http.StatusOK)
	if got["opened"] != 1.0 || got["answered"] != 1.0 || got["answered_share"] != 100.0 || got["answered_on_time"] != 0.0 ||
		got["median_working_days"] != 15.0 || got["due_working_days"] != 5.0 {
		t.Errorf("API figures for 2031-Q1 = %v", got)
	}
	got = MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/followups?office=%d&period=2031-04", rs.Office.ID), http.StatusOK)
	if got["opened"] != 1.0 || got["answered"] != 0.0 || got["median_working_days"] != nil {
		t.Errorf("API figures for 2031-04 = %v", got)
	}
	MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/followups?office=%d&period=2031-04&nip=%s", rs.Office.ID, nipSiti), http.StatusBadRequest)
	_, page = kepala.MustGet(t, base+"?period=2031-Q1", http.StatusOK)
	if !strings.Contains(byID(t, page, "fu-answered-share"), "100,00") {
		t.Errorf("the office report's follow-up share = %q", byID(t, page, "fu-answered-share"))
	}
	entries, err := rs.Store.FindAudit(context.Background(), 20)
	if err != nil {
		t.Fatal(err)
	}
	audited := 0
	for _, e := range entries {
		if e.Action == "followup_update" && strings.Contains(e.Detail, late.Code) {
			audited++
		}
	}
	if audited != 2 {
		t.Errorf("%d follow-up updates audited, want 2", audited)
	}
}

// TestWordingReview: an office reviews a Basa Sunda draft element; the
// draft count drops, the kiosk's sync config carries it, viewers may not edit.
func TestWordingReview(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	path := fmt.Sprintf("/admin/offices/%d/wording", rs.Office.ID)
	_, page := admin.MustGet(t, path+"?bahasa=su", http.StatusOK)
	if !strings.Contains(byID(t, page, "wording-drafts"), "9 unsur") || !strings.Contains(page, survey.DefaultWording("su")[survey.Sarana].Text) {
		t.Fatalf("the Sundanese page does not show the nine drafts")
	}
	form := url.Values{"bahasa": {"su"}, "element": {"sarana"}, "name": {"Sarana sareng Prasarana"},
		"question": {"Kumaha kaayaan sarana sareng prasarana di dieu?"}, "label1": {"Awon"}, "label2": {"Lumayan"}, "label3": {"Saé"}, "label4": {"Saé pisan"}}
	if resp, body := admin.MustPost(t, path, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, clip(body))
	}
	_, page = admin.MustGet(t, path+"?bahasa=su", http.StatusOK)
	if !strings.Contains(byID(t, page, "wording-drafts"), "8 unsur") || !strings.Contains(page, "Kumaha kaayaan sarana") {
		t.Error("the reviewed element is still counted as a draft")
	}
	over, err := rs.Store.OfficeWording(context.Background(), rs.Office.ID)
	if err != nil || over["su"][survey.Sarana].Text != "Kumaha kaayaan sarana sareng prasarana di dieu?" || over["su"][survey.Sarana].Draft {
		t.Errorf("stored Sundanese wording = %+v (%v)", over["su"], err)
	}
	form.Set("label4", "")
	if resp, _ := admin.MustPost(t, path, form); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an empty answer label: %d, want 400", resp.StatusCode)
	}
	form.Set("label4", "Saé pisan")
	form.Set("bahasa", "fr")
	if resp, _ := admin.MustPost(t, path, form); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unoffered language: %d, want 400", resp.StatusCode)
	}
	viewer := rs.MustLogin(t, "peninjau", survey.RoleViewer, 0, "")
	viewer.MustGet(t, path+"?bahasa=jv", http.StatusOK)
	form.Set("bahasa", "su")
	if resp, _ := viewer.MustPost(t, path, form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer saved wording: %d", resp.StatusCode)
	}
}

// TestFollowUpConfiguration checks [followups] values.
func TestFollowUpConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*central.Config)
		want string
	}{
		{"no working days", func(c *central.Config) { c.FollowUps.DueWorkingDays = 0 }, "followups.due_working_days"},
		{"a holiday in the wrong format", func(c *central.Config) { c.FollowUps.Holidays = []string{"25/12/2031"} }, "followups.holidays"},
	} {
		c := central.DefaultConfig()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
	c := central.DefaultConfig()
	c.Reports.Attributable = []string{"perilaku"}
	if got := c.Policy().Elements; fmt.Sprint(got) != "[perilaku pengaduan]" {
		t.Errorf("follow-up elements of attributable [perilaku] = %v", got)
	}
}
