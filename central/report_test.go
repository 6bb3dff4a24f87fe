package central_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
)

// workedExampleB returns the 29 answer sets of docs/domain.md#examples (B), whose
// per-element sums are 105, 101, 100, 116, 102, 105, 106, 115 (pengaduan)
// and 105 (sarana): exact IKM 91.48, template mode 91.38, never 90.56.
func workedExampleB() []survey.Ratings {
	sums := map[survey.Element]int{survey.Persyaratan: 105, survey.Prosedur: 101, survey.Waktu: 100, survey.Biaya: 116,
		survey.Produk: 102, survey.Kompetensi: 105, survey.Perilaku: 106, survey.Pengaduan: 115, survey.Sarana: 105}
	rs := repeatRatings(29, all(4))
	for e, sum := range sums {
		for i, deficit := 0, 4*29-sum; deficit > 0; i++ {
			d := min(deficit, 3)
			rs[i].Set(e, 4-d)
			deficit -= d
		}
	}
	return rs
}

// february is the period of the worked example: it is ingested on 1–15 February 2031.
const february = "2031-02"

func num(tb testing.TB, v any) float64 {
	tb.Helper()
	f, ok := v.(float64)
	if !ok {
		tb.Fatalf("%v (%T) is not a number", v, v)
	}
	return f
}

// pageNum reads a figure as a page shows it (decimal comma in Indonesian).
func pageNum(tb testing.TB, s string) float64 {
	tb.Helper()
	f, err := strconv.ParseFloat(strings.Replace(strings.Fields(s)[0], ",", ".", 1), 64)
	if err != nil {
		tb.Fatalf("page figure %q: %v", s, err)
	}
	return f
}

// csvRows parses a CSV export into its header and rows keyed by the first column.
func csvRows(tb testing.TB, body string) ([]string, map[string][]string) {
	tb.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		tb.Fatalf("parse CSV: %v\n%s", err, body)
	}
	rows := map[string][]string{}
	for _, r := range recs[1:] {
		rows[r[0]] = r
	}
	return recs[0], rows
}

// col returns the value of the named column of row.
func col(tb testing.TB, header, row []string, name string) string {
	tb.Helper()
	for i, h := range header {
		if h == name {
			return row[i]
		}
	}
	tb.Fatalf("no column %s in %v", name, header)
	return ""
}

// testAgreement ingests the worked example and checks that the page, the
// API, the CSV and the XLSX show the same figures.
func testAgreement(t *testing.T, open func(testing.TB, func() time.Time) survey.CentralStore) {
	rs := MustStartReportServer(t, open)
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 1, 9, 0, 0, 0, wib), 12*time.Hour, workedExampleB(), nil)
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)

	api := MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=%s", rs.Office.ID, february), http.StatusOK)
	if num(t, api["responses"]) != 29 || num(t, api["ikm"]) != 91.48 || api["mutu"] != "A" || api["kinerja"] != "Sangat Baik" {
		t.Errorf("API = %v responses, ikm %v, %v %v; want 29, 91.48, A Sangat Baik", api["responses"], api["ikm"], api["mutu"], api["kinerja"])
	}
	if num(t, api["ikm"]) == 90.56 {
		t.Error("the API shows the 0,11 bug's 90.56")
	}
	apiNRR := map[string]float64{}
	for _, e := range api["elements"].([]any) {
		m := e.(map[string]any)
		apiNRR[m["code"].(string)] = num(t, m["nrr"])
	}
	if apiNRR["persyaratan"] != 3.62 || apiNRR["biaya"] != 4 || apiNRR["waktu"] != 3.45 || len(apiNRR) != 9 {
		t.Errorf("API NRR = %v", apiNRR)
	}

	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	base := fmt.Sprintf("/admin/reports/%d", rs.Office.ID)
	_, page := admin.MustGet(t, base+"?period="+february, http.StatusOK)
	if got := pageNum(t, byID(t, page, "rpt-ikm")); got != 91.48 {
		t.Errorf("page IKM = %v, want 91.48", got)
	}
	if got := byID(t, page, "rpt-responses"); got != "29" {
		t.Errorf("page responses = %q, want 29", got)
	}
	if got := byID(t, page, "rpt-mutu"); got != "A" {
		t.Errorf("page mutu = %q, want A", got)
	}

	_, body := admin.MustGet(t, base+"/export/summary.csv?period="+february, http.StatusOK)
	h, rows := csvRows(t, body)
	if got := col(t, h, rows["all"], "ikm"); got != "91.48" || col(t, h, rows["all"], "responses") != "29" || col(t, h, rows["all"], "mutu") != "A" {
		t.Errorf("summary.csv all = %v", rows["all"])
	}
	_, body = admin.MustGet(t, base+"/export/elements.csv?period="+february, http.StatusOK)
	h, rows = csvRows(t, body)
	for code, want := range apiNRR {
		if got, _ := strconv.ParseFloat(col(t, h, rows[code], "nrr"), 64); got != want {
			t.Errorf("elements.csv %s nrr = %v, API %v", code, got, want)
		}
	}

	resp, body := admin.MustGet(t, base+"/export.xlsx?period="+february, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("workbook Content-Type = %q", ct)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) != 12 || sheets[0] != "summary" {
		t.Errorf("workbook sheets = %v", sheets)
	}
	if v, _ := x.GetCellValue("summary", "C2"); v != "91.48" {
		t.Errorf("XLSX summary IKM (C2) = %q, want 91.48", v)
	}
	if typ, _ := x.GetCellType("summary", "C2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("XLSX IKM cell type = %v, want a number", typ)
	}
	xrows, err := x.GetRows("elements")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range xrows[1:] {
		if got, _ := strconv.ParseFloat(r[2], 64); got != apiNRR[r[0]] {
			t.Errorf("XLSX elements %s nrr = %v, API %v", r[0], got, apiNRR[r[0]])
		}
	}
	// The staff table agrees too: Siti's individual index, on page, API and CSV.
	ind := MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=%s&nip=%s", rs.Office.ID, february, nipSiti), http.StatusOK)["individual"].(map[string]any)
	_, body = admin.MustGet(t, base+"/export/staff.csv?period="+february, http.StatusOK)
	h, rows = csvRows(t, body)
	if got, _ := strconv.ParseFloat(col(t, h, rows[nipSiti], "individual_index"), 64); got != num(t, ind["index"]) || got != 90.95 {
		t.Errorf("staff.csv index = %v, API %v, want 90.95", got, ind["index"])
	}
	if !strings.Contains(byID(t, page, "rpt-staff"), "90,95") {
		t.Errorf("staff table lacks 90,95: %s", byID(t, page, "rpt-staff"))
	}
}

func TestReportAgreementSQLite(t *testing.T) { testAgreement(t, openSQLite) }

func TestReportAgreementPostgres(t *testing.T) {
	testAgreement(t, func(tb testing.TB, now func() time.Time) survey.CentralStore { return pgtest.MustOpen(tb, now) })
}

func TestReportTemplateMode(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite, func(c *central.Config) { c.Reports.TemplateMode = true })
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 1, 9, 0, 0, 0, wib), 12*time.Hour, workedExampleB(), nil)
	token := MustCreateToken(t, rs.Store, survey.RoleAdmin, 0)
	api := MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=%s", rs.Office.ID, february), http.StatusOK)
	if num(t, api["ikm"]) != 91.38 || api["template_mode"] != true {
		t.Errorf("template mode: ikm %v template_mode %v, want 91.38 true", api["ikm"], api["template_mode"])
	}
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	_, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=%s", rs.Office.ID, february), http.StatusOK)
	if !strings.Contains(page, "0,111") || pageNum(t, byID(t, page, "rpt-ikm")) != 91.38 {
		t.Error("the template-mode page is not labelled or shows another IKM")
	}
}

func TestReportEmptyAndSingle(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	q := fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-Q1", rs.Office.ID)
	empty := MustAPI(t, rs.URL, token, q, http.StatusOK)
	if num(t, empty["responses"]) != 0 || empty["ikm"] != nil || empty["mutu"] != nil {
		t.Errorf("empty period = %v", empty)
	}
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	_, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=2031-Q1", rs.Office.ID), http.StatusOK)
	if !strings.Contains(page, "Belum ada penilaian pada periode ini") || byID(t, page, "rpt-responses") != "0" {
		t.Error("the empty report does not say there are no responses")
	}

	// One response in the whole office: even the office's figure would be
	// that citizen's answers, so it is withheld, its count shown.
	rs.MustIngestRatings(t, nipBudi, "KIA", time.Date(2031, 3, 3, 9, 0, 0, 0, wib), time.Hour, []survey.Ratings{all(4)}, nil)
	one := MustAPI(t, rs.URL, token, q, http.StatusOK)
	if num(t, one["responses"]) != 1 || one["ikm"] != nil || one["suppressed"] != true || num(t, one["held_back"]) != 1 {
		t.Errorf("the office with one response = %v, %v, suppressed %v; want 1, withheld", one["responses"], one["ikm"], one["suppressed"])
	}
	_, page = admin.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=2031-Q1", rs.Office.ID), http.StatusOK)
	if strings.Contains(page, `id="rpt-ikm"`) || !strings.Contains(page, "ditahan") {
		t.Error("the office report of one response shows a figure")
	}
	unit := MustAPI(t, rs.URL, token, q+"&unit=Capil", http.StatusOK)
	if unit["suppressed"] != true || unit["ikm"] != nil || num(t, unit["responses"]) != 1 {
		t.Errorf("a unit cell of one response = %v, want suppressed", unit)
	}
	ind := MustAPI(t, rs.URL, token, q+"&nip="+nipBudi, http.StatusOK)["individual"].(map[string]any)
	if ind["status"] != "suppressed" || ind["index"] != nil || ind["final"] != false {
		t.Errorf("individual of one response = %v", ind)
	}
}

func TestReportUnderMinimumAndKThreshold(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	start := time.Date(2031, 1, 5, 9, 0, 0, 0, wib)
	rs.MustIngestRatings(t, nipAgus, "KIA", start, 3*time.Hour, repeatRatings(12, survey.Ratings{3, 3, 3, 3, 3, 4, 3, 3, 3}), nil)
	rs.MustIngestRatings(t, nipBudi, "AKTA_LAHIR", start, 5*time.Hour, repeatRatings(4, all(2)), nil)
	rs.MustIngestRatings(t, nipSiti, "KIA", start, 7*time.Hour, repeatRatings(5, all(3)), nil)
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	q := fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-Q1", rs.Office.ID)

	agus := MustAPI(t, rs.URL, token, q+"&nip="+nipAgus, http.StatusOK)
	ind := agus["individual"].(map[string]any)
	// Kompetensi 4 and perilaku 3 on every response: (7/8) × 100 = 87.50, no spread.
	if ind["status"] != "not_final" || ind["final"] != false || num(t, ind["index"]) != 87.5 || !strings.Contains(ind["reason"].(string), "30") {
		t.Errorf("12 responses = %v, want 87.5 not final with the reason", ind)
	}
	if agus["mutu"] != nil || agus["kinerja"] != nil {
		t.Errorf("a NIP query graded the person: %v %v", agus["mutu"], agus["kinerja"])
	}
	budi := MustAPI(t, rs.URL, token, q+"&nip="+nipBudi, http.StatusOK)
	if budi["suppressed"] != true || budi["ikm"] != nil || budi["individual"].(map[string]any)["status"] != "suppressed" {
		t.Errorf("a cell of 4 = %v, want suppressed", budi)
	}
	for _, e := range budi["elements"].([]any) {
		if e.(map[string]any)["nrr"] != nil {
			t.Errorf("a cell of 4 shows an element: %v", e)
		}
	}
	siti := MustAPI(t, rs.URL, token, q+"&nip="+nipSiti, http.StatusOK)
	if siti["suppressed"] == true || num(t, siti["individual"].(map[string]any)["index"]) != 75 || siti["individual"].(map[string]any)["status"] != "not_final" {
		t.Errorf("a cell of 5 = %v, want shown (75.00), not final", siti)
	}
	// An officer's answer carries no nine-element IKM beside individual:
	// the unit's figures come under unit_ikm, graded as a unit's.
	unit, _ := siti["unit_ikm"].(map[string]any)
	if siti["ikm"] != nil || siti["index"] != nil || siti["verified"].(map[string]any)["ikm"] != nil || unit == nil || unit["unit"] == "" || unit["mutu"] == nil {
		t.Errorf("a NIP answer = %v, want no ikm or index and a graded unit_ikm", siti)
	}
	for _, e := range siti["elements"].([]any) {
		e := e.(map[string]any)
		if e["nrr_weighted"] != nil || (e["attributable"] == false && e["nrr"] != nil) || (e["attributable"] == true && e["nrr"] == nil) {
			t.Errorf("a NIP answer's element %v: want the attributable NRR only", e)
		}
	}

	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	base := fmt.Sprintf("/admin/reports/%d", rs.Office.ID)
	_, page := admin.MustGet(t, base+"?period=2031-Q1", http.StatusOK)
	staff := byID(t, page, "rpt-staff")
	if !strings.Contains(staff, "disembunyikan (kurang dari 5)") || !strings.Contains(staff, "belum final") || strings.Contains(staff, "50,00") {
		t.Errorf("staff table = %s", staff)
	}
	_, body := admin.MustGet(t, base+"/export/counters.csv?period=2031-Q1", http.StatusOK)
	h, rows := csvRows(t, body)
	if col(t, h, rows["2"], "ikm") != "" || col(t, h, rows["2"], "note") != "suppressed" || col(t, h, rows["3"], "ikm") == "" {
		t.Errorf("counters.csv = %v", rows)
	}
	_, page = admin.MustGet(t, base+"?period=2031-Q1&nip="+nipSiti, http.StatusOK)
	if strings.Contains(page, `id="rpt-mutu"`) || strings.Contains(page, `class="badge C"`) || pageNum(t, byID(t, page, "rpt-ikm")) != 75 {
		t.Error("the office report filtered by a NIP grades the person")
	}
	_, body = admin.MustGet(t, base+"/export/summary.csv?period=2031-Q1&nip="+nipSiti, http.StatusOK)
	if h, rows := csvRows(t, body); col(t, h, rows["all"], "mutu") != "" || col(t, h, rows["all"], "ikm") != "75" {
		t.Errorf("summary.csv for a NIP = %v, want the IKM without a grade", rows["all"])
	}
	_, page = admin.MustGet(t, base+"/staff/"+nipAgus+"?period=2031-Q1", http.StatusOK)
	if !strings.Contains(byID(t, page, "rpt-status"), "kurang dari minimum 30") || byID(t, page, "rpt-count") != "12" {
		t.Errorf("staff page status = %q", byID(t, page, "rpt-status"))
	}
	_, page = admin.MustGet(t, base+"/staff/"+nipBudi+"?period=2031-Q1", http.StatusOK)
	if byID(t, page, "rpt-individual") != "–" || strings.Contains(page, "id=\"rpt-interval\"") {
		t.Error("the page of a person with 4 responses shows a figure")
	}
}

// TestReportSettledMonthsOnly: a month shows in no report until it settles,
// survey.SettleDays after it ends, so that nobody can subtract one day's
// report from the next; a rating that arrives later counts in the month it
// arrived.
func TestReportSettledMonthsOnly(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	rs.Clock.Set(time.Date(2031, 3, 15, 14, 0, 0, 0, wib))
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 3, 14, 9, 0, 0, 0, wib), time.Hour, repeatRatings(6, all(4)), nil)
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 3, 15, 8, 0, 0, 0, wib), time.Hour, repeatRatings(3, all(1)), nil)
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	q := fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-03&nip=%s", rs.Office.ID, nipSiti)
	got := MustAPI(t, rs.URL, token, q, http.StatusOK)
	if num(t, got["responses"]) != 0 || got["individual"].(map[string]any)["index"] != nil || got["period"].(map[string]any)["closed_through"] != nil {
		t.Errorf("March before it settles: %v responses, period %v; want nothing", got["responses"], got["period"])
	}
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	_, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d/staff/%s?period=2031-03", rs.Office.ID, nipSiti), http.StatusOK)
	if byID(t, page, "rpt-count") != "0" || !strings.Contains(page, "belum ada bulan yang final") {
		t.Errorf("staff page counts %s before March settles, want 0", byID(t, page, "rpt-count"))
	}
	// On 7 April March has not settled; from 01:00 on the 8th it has, whole.
	rs.Clock.Set(time.Date(2031, 4, 7, 23, 0, 0, 0, wib))
	if got := MustAPI(t, rs.URL, token, q, http.StatusOK); num(t, got["responses"]) != 0 {
		t.Errorf("on 7 April March shows %v responses, want 0", got["responses"])
	}
	// A rating of March that reaches central on 8 April counts in April,
	// even in the hour's grace before March is shown.
	rs.Clock.Set(time.Date(2031, 4, 8, 0, 30, 0, 0, wib))
	late := rs.chains[rs.Kiosk.ID]
	late.NIP, late.Ratings = nipSiti, func(int64) survey.Ratings { return all(1) }
	late.Edit = func(r *survey.Response) { r.CreatedAt = time.Date(2031, 3, 31, 9, 0, 0, 0, wib).UTC() }
	storetest.MustIngest(t, rs.Store, storetest.Request(rs.Kiosk.ID, late.Next(1), rs.Clock.Now()))
	if got := MustAPI(t, rs.URL, token, q, http.StatusOK); num(t, got["responses"]) != 0 {
		t.Errorf("at 00:30 on 8 April March shows %v responses, want 0", got["responses"])
	}
	rs.Clock.Set(time.Date(2031, 4, 8, 1, 0, 0, 0, wib))
	got = MustAPI(t, rs.URL, token, q, http.StatusOK)
	ind := got["individual"].(map[string]any)
	if num(t, got["responses"]) != 9 || num(t, ind["responses"]) != 9 || got["period"].(map[string]any)["closed_through"] != "2031-03-31" {
		t.Errorf("March once settled: %v responses, individual %v; want the 9 given and received in March", got["responses"], ind)
	}
	// Without a period: the quarter holding the last settled month.
	for at, want := range map[time.Time]string{
		time.Date(2031, 4, 2, 9, 0, 0, 0, wib): "2031-Q1",
		time.Date(2031, 5, 7, 9, 0, 0, 0, wib): "2031-Q1",
		time.Date(2031, 5, 8, 9, 0, 0, 0, wib): "2031-Q2",
	} {
		rs.Clock.Set(at)
		got = MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d", rs.Office.ID), http.StatusOK)
		if code := got["period"].(map[string]any)["code"]; code != want {
			t.Errorf("default period on %s = %v, want %s", at.Format(time.DateOnly), code, want)
		}
	}
	rs.Clock.Set(time.Date(2031, 5, 8, 9, 0, 0, 0, wib))
	if got := MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-04&nip=%s", rs.Office.ID, nipSiti), http.StatusOK); got["suppressed"] != true || num(t, got["held_back"]) != 1 {
		t.Errorf("April: %v responses, %v held back; want the late rating, held back (one alone)", got["responses"], got["held_back"])
	}
}

func TestReportAppraisalLists(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	start := time.Date(2031, 1, 2, 8, 0, 0, 0, wib)
	// Siti: 20 × all 4 and 15 × (perilaku 3): interval well above 88.31.
	high := append(repeatRatings(20, all(4)), repeatRatings(15, survey.Ratings{4, 4, 4, 4, 4, 4, 3, 4, 4})...)
	rs.MustIngestRatings(t, nipSiti, "KIA", start, 2*time.Hour, high, nil)
	// Agus: 35 × kompetensi 2, perilaku 2 or 3: upper bound far below 76.61.
	low := append(repeatRatings(18, all(2)), repeatRatings(17, survey.Ratings{3, 3, 3, 3, 3, 2, 3, 3, 3})...)
	rs.MustIngestRatings(t, nipAgus, "KIA", start.Add(time.Minute), 2*time.Hour, low, nil)
	token := MustCreateToken(t, rs.Store, survey.RoleKepala, rs.Office.ID)
	got := MustAPI(t, rs.URL, token, "/api/v1/reports/appraisal?period=2031-Q1", http.StatusOK)
	names := func(key string) string {
		var s []string
		for _, c := range got[key].([]any) {
			s = append(s, c.(map[string]any)["nip"].(string))
		}
		return strings.Join(s, ",")
	}
	if names("reward") != nipSiti || names("coaching") != nipAgus {
		t.Fatalf("reward %q, coaching %q", names("reward"), names("coaching"))
	}
	ev := got["coaching"].([]any)[0].(map[string]any)["evidence"].([]any)[0].(map[string]any)
	if ev["rule"] != "interval_high" || num(t, ev["bound"]) != 76.61 || !strings.Contains(ev["text_id"].(string), "batas atas") {
		t.Errorf("coaching evidence = %v", ev)
	}
	admin := rs.MustLogin(t, "kepala", survey.RoleKepala, rs.Office.ID, "")
	_, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d/appraisal?period=2031-Q1", rs.Office.ID), http.StatusOK)
	if !strings.Contains(byID(t, page, "rpt-reward"), "Siti Rahma") || !strings.Contains(byID(t, page, "rpt-coaching"), "Agus Salim") {
		t.Error("the appraisal page lacks a candidate")
	}
	for _, word := range []string{"Sangat Kurang", "Butuh Perbaikan", "Misconduct"} {
		if strings.Contains(page, word) {
			t.Errorf("the appraisal page names a predikat kinerja: %q", word)
		}
	}
	_, body := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d/export/reward.csv?period=2031-Q1", rs.Office.ID), http.StatusOK)
	h, rows := csvRows(t, body)
	apiLow := num(t, got["reward"].([]any)[0].(map[string]any)["interval"].(map[string]any)["low"])
	if v, _ := strconv.ParseFloat(col(t, h, rows[nipSiti], "interval_low"), 64); math.Abs(v-apiLow) > 0 || v < 88.31 {
		t.Errorf("reward.csv interval_low = %v, API %v", v, apiLow)
	}
}

// TestReportVisitResponseRate: the visit codes the kiosks reported for the
// period show on the office report and in the API, narrowed like the rest.
func TestReportVisitResponseRate(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	ctx := context.Background()
	if err := rs.Store.SaveVisitTallies(ctx, rs.Kiosk.ID, []survey.VisitTally{
		{Day: "2031-02-03", NIP: nipSiti, Service: "KIA", Issued: 6, Rated: 3},
		{Day: "2031-02-04", NIP: nipBudi, Service: "KIA", Issued: 2, Rated: 2},
		{Day: "2031-03-01", NIP: nipBudi, Service: "KIA", Issued: 9, Rated: 0}, // another month
	}); err != nil {
		t.Fatal(err)
	}
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	visits := func(q string) map[string]any {
		t.Helper()
		return MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=%s%s", rs.Office.ID, february, q), http.StatusOK)["visits"].(map[string]any)
	}
	if v := visits(""); num(t, v["issued"]) != 8 || num(t, v["rated"]) != 5 || num(t, v["response_rate"]) != 62.5 {
		t.Errorf("office visits = %v, want 8 issued, 5 rated, 62.5 %%", v)
	}
	if v := visits("&nip=" + nipSiti); num(t, v["issued"]) != 6 || num(t, v["response_rate"]) != 50 {
		t.Errorf("Siti's visits = %v, want 6 issued, 50 %%", v)
	}
	if v := visits("&unit=Capil"); num(t, v["issued"]) != 2 || num(t, v["rated"]) != 2 {
		t.Errorf("unit Capil's visits = %v, want 2 and 2", v)
	}
	if v := visits("&service=KK_BARU"); num(t, v["issued"]) != 0 || v["response_rate"] != nil {
		t.Errorf("a service without codes = %v, want 0 issued and a null rate", v)
	}
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	_, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=%s", rs.Office.ID, february), http.StatusOK)
	if got := byID(t, page, "rpt-visits"); got != "62,50 %" || !strings.Contains(page, "5 dari 8 kode kunjungan") {
		t.Errorf("the office report shows the visit rate as %q", got)
	}
	_, page = admin.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=2031-01", rs.Office.ID), http.StatusOK)
	if strings.Contains(page, `id="rpt-visits"`) {
		t.Error("a month without visit codes shows a visit rate")
	}
}
