package central_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

func TestReportAPIRefusals(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	other := survey.Office{Name: "Kantor Lain"}
	if err := rs.Store.CreateOffice(context.Background(), &other); err != nil {
		t.Fatal(err)
	}
	viewer := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	kepala := MustCreateToken(t, rs.Store, survey.RoleKepala, rs.Office.ID)
	counter := MustCreateToken(t, rs.Store, survey.RoleCounter, 0)
	revoked := web.RandomToken(32)
	if err := rs.Store.CreateAPIToken(context.Background(), &survey.APIToken{Hash: web.HashToken(revoked), Role: survey.RoleAdmin, Revoked: true}); err != nil {
		t.Fatal(err)
	}
	ikm := func(q string) string { return "/api/v1/reports/ikm?" + q }
	office := fmt.Sprintf("office=%d", rs.Office.ID)
	for _, tc := range []struct {
		name, token, path string
		status            int
		code, field       string
	}{
		{"no token", "", ikm(office), http.StatusUnauthorized, survey.EUNAUTHORIZED, ""},
		{"unknown token", "nope", ikm(office), http.StatusUnauthorized, survey.EUNAUTHORIZED, ""},
		{"revoked token", revoked, ikm(office), http.StatusUnauthorized, survey.EUNAUTHORIZED, ""},
		{"counter token", counter, ikm(office), http.StatusForbidden, survey.EFORBIDDEN, ""},
		{"kepala, other office", kepala, ikm(fmt.Sprintf("office=%d", other.ID)), http.StatusForbidden, survey.EFORBIDDEN, ""},
		{"kepala, other office by name", kepala, ikm("office=Kantor%20Lain"), http.StatusForbidden, survey.EFORBIDDEN, ""},
		{"kepala, appraisal of other office", kepala, fmt.Sprintf("/api/v1/reports/appraisal?office=%d", other.ID), http.StatusForbidden, survey.EFORBIDDEN, ""},
		{"no office", viewer, ikm("period=2031-Q1"), http.StatusBadRequest, survey.EINVALID, "office"},
		{"unknown office", viewer, ikm("office=Kantor%20Fiktif"), http.StatusBadRequest, survey.EINVALID, "office"},
		{"bad period", viewer, ikm(office + "&period=2031-Q9"), http.StatusBadRequest, survey.EINVALID, "period"},
		{"period and range", viewer, ikm(office + "&period=2031-Q1&from=2031-01-01&to=2031-01-31"), http.StatusBadRequest, survey.EINVALID, "period"},
		{"from without to", viewer, ikm(office + "&from=2031-01-01"), http.StatusBadRequest, survey.EINVALID, "to"},
		{"bad from", viewer, ikm(office + "&from=1-1-2031&to=2031-01-31"), http.StatusBadRequest, survey.EINVALID, "from"},
		// Days that do not make whole months, with a filter or without: two
		// such reports would differ by a few days' ratings.
		{"days of a unit", viewer, ikm(office + "&from=2031-01-01&to=2031-01-02&unit=Capil"), http.StatusBadRequest, survey.EINVALID, "to"},
		{"days of the office", viewer, ikm(office + "&from=2031-01-05&to=2031-01-31"), http.StatusBadRequest, survey.EINVALID, "from"},
		{"days as a code", viewer, ikm(office + "&period=2031-01-01~2031-01-15"), http.StatusBadRequest, survey.EINVALID, "to"},
		{"bad nip", viewer, ikm(office + "&nip=12345"), http.StatusBadRequest, survey.EINVALID, "nip"},
		{"bad service", viewer, ikm(office + "&service=KTP%20BARU%3B"), http.StatusBadRequest, survey.EINVALID, "service"},
		{"filtered appraisal", viewer, fmt.Sprintf("/api/v1/reports/appraisal?office=%d&unit=Capil", rs.Office.ID), http.StatusBadRequest, survey.EINVALID, "office"},
	} {
		got := MustAPI(t, rs.URL, tc.token, tc.path, tc.status)
		e, _ := got["error"].(map[string]any)
		if e == nil || e["code"] != tc.code || (tc.field != "" && e["field"] != tc.field) || e["message"] == "" || e["message_id"] == "" {
			t.Errorf("%s: error = %v, want code %s field %q with both messages", tc.name, got["error"], tc.code, tc.field)
		}
	}
	req, err := http.NewRequest(http.MethodGet, rs.URL+ikm(office), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := MustDo(t, http.DefaultClient, req); !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: %q", resp.Header.Get("WWW-Authenticate"))
	}
	// The refusal names the periods a report accepts, in both languages.
	got := MustAPI(t, rs.URL, viewer, ikm(office+"&from=2031-01-01&to=2031-01-02&unit=Capil"), http.StatusBadRequest)
	if e := got["error"].(map[string]any); !strings.Contains(e["message_id"].(string), "bulan kalender utuh") || !strings.Contains(e["message"].(string), "2026-Q4") {
		t.Errorf("the refusal of a range of days does not say what is allowed: %v", e)
	}
	// What is allowed: a kepala token defaults to its office; offices by
	// name; ranges of whole months, as months or as their first and last days.
	if got := MustAPI(t, rs.URL, kepala, "/api/v1/reports/ikm?period=2031-Q1", http.StatusOK); got["office"].(map[string]any)["name"] != rs.Office.Name {
		t.Errorf("kepala default office = %v", got["office"])
	}
	got = MustAPI(t, rs.URL, viewer, ikm("office=Disdukcapil%20Kota%20Serang&from=2031-01-01&to=2031-01-31"), http.StatusOK)
	if p := got["period"].(map[string]any); p["code"] != "2031-01" || p["to"] != "2031-01-31" {
		t.Errorf("January as a range of days = %v", p)
	}
	got = MustAPI(t, rs.URL, viewer, ikm(office+"&from=2031-01&to=2031-02&unit=Capil"), http.StatusOK)
	if p := got["period"].(map[string]any); p["code"] != "2031-01~2031-02" || p["from"] != "2031-01-01" || p["to"] != "2031-02-28" {
		t.Errorf("custom range of months = %v", p)
	}
}

func TestReportPageAccess(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	other := survey.Office{Name: "Kantor Lain"}
	if err := rs.Store.CreateOffice(context.Background(), &other); err != nil {
		t.Fatal(err)
	}
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 3, 9, 0, 0, 0, wib), time.Hour, repeatRatings(6, all(3)), nil)
	base := fmt.Sprintf("/admin/reports/%d", rs.Office.ID)
	viewer := rs.MustLogin(t, "pemantau", survey.RoleViewer, 0, "")
	viewer.MustGet(t, base+"?period=2031-Q1", http.StatusOK)
	viewer.MustGet(t, base+"/staff/"+nipSiti+"?period=2031-Q1", http.StatusOK)
	if resp, _ := viewer.MustPost(t, base+"/rtl?period=2031-Q1", url.Values{"action": {"x"}, "owner": {"y"}, "due": {"2031-05-01"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer adding an RTL action: %d, want 403", resp.StatusCode)
	}
	if resp, _ := viewer.MustPost(t, base+"/staff/"+nipSiti+"/statements?period=2031-Q1", url.Values{"text": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer recording a statement: %d, want 403", resp.StatusCode)
	}

	kepala := rs.MustLogin(t, "kepala", survey.RoleKepala, rs.Office.ID, "")
	kepala.MustGet(t, base+"?period=2031-Q1", http.StatusOK)
	kepala.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=2031-Q1", other.ID), http.StatusForbidden)
	kepala.MustGet(t, fmt.Sprintf("/admin/reports/%d/export/staff.csv?period=2031-Q1", other.ID), http.StatusForbidden)
	_, page := kepala.MustGet(t, "/admin/reports", http.StatusOK)
	if strings.Contains(page, "Kantor Lain") {
		t.Error("a kepala's report index lists another office")
	}

	// A staff account linked to a NIP reads and answers its own page, nothing else.
	siti := rs.MustLogin(t, "siti", survey.RoleCounter, rs.Office.ID, nipSiti)
	siti.MustGet(t, base+"?period=2031-Q1", http.StatusForbidden)
	siti.MustGet(t, base+"/staff/"+nipBudi+"?period=2031-Q1", http.StatusForbidden)
	siti.MustGet(t, base+"/appraisal?period=2031-Q1", http.StatusForbidden)
	_, page = siti.MustGet(t, base+"/staff/"+nipSiti+"?period=2031-Q1", http.StatusOK)
	if !strings.Contains(page, "Tanggapan tertulis Anda") {
		t.Error("the staff member's own page offers no response form")
	}
	resp, body := siti.MustPost(t, base+"/staff/"+nipSiti+"/statements?period=2031-Q1", url.Values{"text": {"Loket saya ditutup seminggu untuk renovasi."}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("own statement: %d %s", resp.StatusCode, clip(body))
	}
	_, page = kepala.MustGet(t, base+"/staff/"+nipSiti+"?period=2031-Q1", http.StatusOK)
	if !strings.Contains(page, "Loket saya ditutup seminggu") || !strings.Contains(page, "ditulis sendiri oleh siti") {
		t.Error("the kepala does not see the staff member's own statement")
	}
	resp, _ = kepala.MustPost(t, base+"/staff/"+nipSiti+"/statements?period=2031-Q1", url.Values{"text": {"  "}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an empty statement: %d, want 400", resp.StatusCode)
	}
	_, page = kepala.MustGet(t, base+"/staff/"+nipSiti+"?period=2031-Q2", http.StatusOK)
	if strings.Contains(page, "Loket saya ditutup seminggu") {
		t.Error("a statement of 2031-Q1 shows in 2031-Q2")
	}
}

func TestReportRTLRegister(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 3, 9, 0, 0, 0, wib), time.Hour,
		repeatRatings(6, survey.Ratings{3, 3, 1, 3, 3, 3, 3, 3, 3}), nil)
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	base := fmt.Sprintf("/admin/reports/%d", rs.Office.ID)
	_, page := admin.MustGet(t, base+"/rtl?period=2031-Q1", http.StatusOK)
	if !strings.Contains(page, "<strong>Waktu Penyelesaian</strong>") {
		t.Error("the register does not put the lowest element (waktu) among the priorities")
	}
	form := url.Values{"element": {"waktu"}, "action": {"=1+2 Tambah loket antrean"}, "owner": {"Kepala Bidang"}, "due": {"2031-06-30"}, "status": {"planned"}}
	resp, body := admin.MustPost(t, base+"/rtl?period=2031-Q1", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add action: %d %s", resp.StatusCode, clip(body))
	}
	bad := url.Values{"action": {"x"}, "owner": {"y"}, "due": {"30-06-2031"}}
	resp, body = admin.MustPost(t, base+"/rtl?period=2031-Q1", bad)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "TTTT-BB-HH") {
		t.Errorf("a bad due date: %d", resp.StatusCode)
	}
	_, page = admin.MustGet(t, base+"/rtl?period=2031-Q1", http.StatusOK)
	if !strings.Contains(byID(t, page, "rpt-rtl"), "Direncanakan") {
		t.Fatalf("register = %s", byID(t, page, "rpt-rtl"))
	}
	actions, err := reportStore(t, rs).FindRTL(context.Background(), rs.Office.ID, "2031-Q1")
	if err != nil || len(actions) != 1 {
		t.Fatalf("stored actions = %v, %v", actions, err)
	}
	form.Set("status", "done")
	form.Set("note", "@loket 5 dibuka")
	resp, _ = admin.MustPost(t, fmt.Sprintf("%s/rtl/%d?period=2031-Q1", base, actions[0].ID), form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit action: %d", resp.StatusCode)
	}
	_, page = admin.MustGet(t, base+"/skm?period=2031-Q1", http.StatusOK)
	if !strings.Contains(byID(t, page, "rpt-skm-rtl"), "Selesai") {
		t.Error("the SKM report lacks the completed action")
	}
	_, body = admin.MustGet(t, base+"/export/rtl.csv?period=2031-Q1", http.StatusOK)
	h, rows := csvRows(t, body)
	row := rows[fmt.Sprint(actions[0].ID)]
	if col(t, h, row, "action") != "'=1+2 Tambah loket antrean" || col(t, h, row, "note") != "'@loket 5 dibuka" || col(t, h, row, "status") != "done" {
		t.Errorf("rtl.csv row = %v, want formula-like text neutralised", row)
	}
	_, body = admin.MustGet(t, base+"/export/rtl.xlsx?period=2031-Q1", http.StatusOK)
	x := mustXLSX(t, body)
	if v, _ := x.GetCellValue("rtl", "C2"); v != "'=1+2 Tambah loket antrean" {
		t.Errorf("rtl.xlsx action = %q", v)
	}
	if f, _ := x.GetCellFormula("rtl", "C2"); f != "" {
		t.Errorf("rtl.xlsx holds a formula %q", f)
	}
	// Another period's register is empty.
	_, page = admin.MustGet(t, base+"/rtl?period=2031-Q2", http.StatusOK)
	if strings.Contains(page, "Tambah loket antrean") {
		t.Error("2031-Q1's action shows in 2031-Q2")
	}
}

// reportStore returns the server's store as a report store.
func reportStore(tb testing.TB, rs *reportServer) survey.ReportStore {
	tb.Helper()
	s, ok := rs.Store.(survey.ReportStore)
	if !ok {
		tb.Fatalf("%T is no report store", rs.Store)
	}
	return s
}

// Each token has its own budget of API requests per minute; past it the
// answer is 429 with Retry-After and a message in both languages, and other
// tokens are unaffected.
func TestReportAPIRateLimitPerToken(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite, func(c *central.Config) { c.Reports.APIRequestsPerMinute = 3 })
	busy := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	calm := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	ikm := fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-Q1", rs.Office.ID)
	first, err := http.NewRequest(http.MethodGet, rs.URL+ikm, nil)
	if err != nil {
		t.Fatal(err)
	}
	first.Header.Set("Authorization", "Bearer "+busy)
	if resp, body := MustDo(t, http.DefaultClient, first); resp.StatusCode != http.StatusOK ||
		resp.Header.Get("X-RateLimit-Limit") != "3" || resp.Header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("first request: %d, X-RateLimit-Limit %q, -Remaining %q, want 200, 3, 2: %s", resp.StatusCode,
			resp.Header.Get("X-RateLimit-Limit"), resp.Header.Get("X-RateLimit-Remaining"), body)
	}
	MustAPI(t, rs.URL, busy, "/api/v1/integrity", http.StatusOK) // one budget for both APIs
	MustAPI(t, rs.URL, busy, ikm, http.StatusOK)
	req, err := http.NewRequest(http.MethodGet, rs.URL+ikm, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+busy)
	resp, body := MustDo(t, http.DefaultClient, req)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("fourth request in a minute: status %d, want 429: %s", resp.StatusCode, body)
	}
	if wait, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || wait < 1 || wait > 60 {
		t.Errorf("Retry-After = %q, want 1–60 seconds", resp.Header.Get("Retry-After"))
	}
	var got struct {
		Error struct {
			Code, Message string
			MessageID     string `json:"message_id"`
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Error.Code != survey.ERATELIMIT ||
		!strings.Contains(got.Error.Message, "3 API requests") || got.Error.MessageID == "" {
		t.Errorf("429 body = %s (%v)", body, err)
	}
	MustAPI(t, rs.URL, calm, ikm, http.StatusOK)
}
