package central_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/assets"
	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

func TestReportPublicPage(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 3, 9, 0, 0, 0, wib), time.Hour, repeatRatings(6, all(4)), nil)
	rs.MustIngestRatings(t, nipBudi, "KIA", time.Date(2031, 2, 4, 9, 0, 0, 0, wib), time.Hour, repeatRatings(2, all(2)), nil)
	anon := &browser{base: rs.URL, hc: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, path := range []string{
		fmt.Sprintf("/publik/%d?period=2031-Q1", rs.Office.ID),
		fmt.Sprintf("/publik/%d?period=2031-Q1&nip=%s&unit=Capil", rs.Office.ID, nipBudi), // filters are ignored
	} {
		_, page := anon.MustGet(t, path, http.StatusOK)
		// Budi's 2 ratings form no group of 5, even with the quarter's
		// (Siti's 6 are hers alone): the office figure holds them back, or
		// it minus Siti's figure would give them.
		if got := pageNum(t, byID(t, page, "rpt-ikm")); got != 100 || byID(t, page, "rpt-responses") != "6" || !strings.Contains(page, "2 penilaian ditahan") {
			t.Errorf("%s: IKM %v of %s responses, want 100 of 6 with 2 held back", path, got, byID(t, page, "rpt-responses"))
		}
		for _, private := range []string{nipSiti, nipBudi, "Siti Rahma", "Budi Santoso", "Capil", "Dafduk"} {
			if strings.Contains(page, private) {
				t.Errorf("%s: the public page shows %q", path, private)
			}
		}
		if !strings.Contains(page, "PermenPAN-RB 14/2017") {
			t.Errorf("%s: the public page does not state the method", path)
		}
	}
	_, page := anon.MustGet(t, "/publik", http.StatusOK)
	if !strings.Contains(page, fmt.Sprintf(`href="/publik/%d"`, rs.Office.ID)) {
		t.Error("the public index does not link the office")
	}
	anon.MustGet(t, "/publik/999", http.StatusNotFound)
	anon.MustGet(t, "/publik/abc", http.StatusNotFound)
	anon.MustGet(t, fmt.Sprintf("/publik/%d?period=2031-Q7", rs.Office.ID), http.StatusBadRequest)
	if resp, _ := anon.MustGet(t, fmt.Sprintf("/admin/reports/%d", rs.Office.ID), 0); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an admin report without a login: %d, want a redirect to the login", resp.StatusCode)
	}
}

var (
	inlineStyle  = regexp.MustCompile(`\sstyle=`)
	inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>`)
)

func TestReportPagesKeepTheCSP(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 3, 9, 0, 0, 0, wib), 20*time.Hour, repeatRatings(40, survey.Ratings{4, 3, 2, 4, 3, 4, 3, 2, 4}), func(r *survey.Response) {
		if r.Seq%4 == 0 {
			r.Comment = `<script>alert("x")</script> pelayanan baik`
		}
	})
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	base := fmt.Sprintf("/admin/reports/%d", rs.Office.ID)
	for _, path := range []string{"/admin/reports", base + "?period=2031-Q1", base + "/appraisal?period=2031-Q1", base + "/rtl?period=2031-Q1",
		base + "/skm?period=2031-Q1", base + "/staff/" + nipSiti + "?period=2031-Q1", base + "/staff/" + nipSiti + "/evidence?period=2031-Q1",
		fmt.Sprintf("/publik/%d?period=2031-Q1", rs.Office.ID), "/publik", base + "?period=2031-Q1&lang=en"} {
		resp, page := admin.MustGet(t, path, http.StatusOK)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if inlineStyle.MatchString(page) {
			t.Errorf("%s: an inline style attribute", path)
		}
		for _, tag := range inlineScript.FindAllString(page, -1) {
			if !strings.Contains(tag, " src=") {
				t.Errorf("%s: an inline script %s", path, tag)
			}
		}
		if !strings.Contains(page, "css/reports.css") {
			t.Errorf("%s: reports.css is not linked", path)
		}
		if strings.Contains(page, `<script>alert`) {
			t.Errorf("%s: a comment is not escaped", path)
		}
	}
	_, page := admin.MustGet(t, base+"/staff/"+nipSiti+"/evidence?period=2031-Q1", http.StatusOK)
	if !strings.Contains(page, "js/print.js") || !strings.Contains(page, "data-print") {
		t.Error("the evidence page has no print button")
	}
	_, page = admin.MustGet(t, base+"?period=2031-Q1&lang=en", http.StatusOK)
	if !strings.Contains(page, "IKM report") || !strings.Contains(page, "Officer competence") {
		t.Error("the English report is not in English")
	}
}

func TestReportEvidenceCSV(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 3, 9, 0, 0, 0, wib), time.Hour, repeatRatings(6, survey.Ratings{3, 3, 3, 3, 3, 4, 3, 3, 3}), func(r *survey.Response) {
		if r.Seq == 2 {
			r.Comment = `=HYPERLINK("http://x","klik")`
		}
	})
	// March has 3 responses, under the cell minimum: their comment stays
	// hidden, and the quarter holds them back, or the quarter minus
	// February would give them.
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 3, 3, 9, 0, 0, 0, wib), time.Hour, repeatRatings(3, all(3)), func(r *survey.Response) {
		r.Comment = "komentar bulan maret"
	})
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	resp, body := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d/staff/%s/evidence.csv?period=2031-Q1", rs.Office.ID, nipSiti), http.StatusOK)
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "bukti-dukung-"+nipSiti+"-2031-Q1.csv") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	h := recs[0]
	var individual, comment, marchMonth, held string
	for _, r := range recs[1:] {
		switch col(t, h, r, "section") {
		case "individual":
			individual = col(t, h, r, "value") + " " + col(t, h, r, "responses") + " " + col(t, h, r, "status")
		case "held_back":
			held = col(t, h, r, "responses")
		case "comment":
			comment += col(t, h, r, "text")
		case "individual_month":
			if col(t, h, r, "month") == "2031-03" {
				marchMonth = col(t, h, r, "status") + " " + col(t, h, r, "value")
			}
		}
	}
	// Kompetensi 4 and perilaku 3 six times: 7 / 8 → 87.50; March's 3 held back.
	if individual != "87.5 6 not_final" || held != "3" {
		t.Errorf("individual line = %q, held back %q; want 87.5 of 6, 3 held back", individual, held)
	}
	if comment != `'=HYPERLINK("http://x","klik")` {
		t.Errorf("comments = %q, want the formula neutralised and March's hidden", comment)
	}
	if marchMonth != "suppressed " {
		t.Errorf("March = %q, want suppressed without a value", marchMonth)
	}
	audit, err := rs.Store.FindAudit(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) == 0 || audit[0].Action != "report_export" || audit[0].Username != "admin" || !strings.Contains(audit[0].Detail, nipSiti) {
		t.Errorf("the evidence download is not in the audit log: %+v", audit)
	}
}

// TestReportTranslationKeys checks the keys the report code passes to pages,
// and those templates build at run time, against assets/i18n.
func TestReportTranslationKeys(t *testing.T) {
	tr, err := web.LoadTranslations(assets.FS)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("report*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`"(rpt_[a-z0-9_]+)"`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			found++
			if !tr.Has(m[1]) {
				t.Errorf("%s uses translation key %q, which assets/i18n lacks", f, m[1])
			}
		}
	}
	var built []string
	for _, k := range []string{"all", "without_suspect", "verified", "unverified"} {
		built = append(built, "rpt_variant_"+k)
	}
	for _, s := range survey.RTLStatuses {
		built = append(built, "rpt_rtl_status_"+string(s))
	}
	for _, name := range []string{"summary", "elements", "months", "units", "counters", "services", "staff", "reward", "coaching", "others", "rtl", "profile"} {
		built = append(built, "rpt_table_"+name)
	}
	for _, f := range survey.ProfileFields {
		built = append(built, "profile_"+f.Name)
	}
	for _, k := range built {
		if !tr.Has(k) {
			t.Errorf("no translation %q for a key a template builds", k)
		}
	}
	if found < 10 {
		t.Errorf("only %d keys found in report*.go; the pattern is wrong", found)
	}
}

// The office report lists the units, and the office, whose share of poor
// answers rose in the latest settled month over the three before: without
// suspect responses, without the month in progress, from the release groups
// every report uses, and only on the whole office's report.
func TestReportAttention(t *testing.T) { testAttention(t, openSQLite) }

func TestReportAttentionPostgres(t *testing.T) {
	testAttention(t, func(tb testing.TB, now func() time.Time) survey.CentralStore { return pgtest.MustOpen(tb, now) })
}

func testAttention(t *testing.T, open func(testing.TB, func() time.Time) survey.CentralStore) {
	rs := MustStartReportServer(t, open) // today is 10 April 2031: March settled on the 8th
	day := func(m time.Month, d int) time.Time { return time.Date(2031, m, d, 9, 0, 0, 0, wib) }
	// Baseline (December to February): all good.
	rs.MustIngestRatings(t, nipSiti, "KIA", day(time.January, 10), time.Hour, repeatRatings(20, all(4)), nil)
	rs.MustIngestRatings(t, nipBudi, "KIA", day(time.February, 11), time.Hour, repeatRatings(10, all(4)), nil)
	// March: Dafduk (Siti) 4 poor of 10; Capil (Budi) good, but for 6 poor
	// answers flagged suspect; and 10 poor ones in April, not settled.
	rs.MustIngestRatings(t, nipSiti, "KIA", day(time.March, 5), time.Minute, append(repeatRatings(6, all(4)), repeatRatings(4, all(1))...), nil)
	rs.MustIngestRatings(t, nipBudi, "KIA", day(time.March, 6), time.Minute, repeatRatings(10, all(4)), nil)
	rs.MustIngestRatings(t, nipBudi, "KIA", day(time.March, 7), time.Minute, repeatRatings(6, all(1)),
		func(r *survey.Response) { r.Flags = []string{"burst"} })
	rs.MustIngestRatings(t, nipBudi, "KIA", time.Date(2031, 4, 9, 8, 0, 0, 0, wib), time.Minute, repeatRatings(10, all(1)), nil)

	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	_, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=2031-Q1", rs.Office.ID), http.StatusOK)
	// Dafduk: 40 % of its answers poor against 0 %; the office: 4 of 20 responses, 20 % against 0 %.
	want := "Seluruh kantor 20,00 % 0,00 % 20"
	table := byID(t, page, "rpt-attention")
	if !strings.Contains(table, "Dafduk 40,00 % 0,00 % 10") || !strings.Contains(table, want) || strings.Contains(table, "Capil") {
		t.Errorf("attention table = %q, want Dafduk (40 %% against 0 %%) and the office (20 %% against 0 %%), not Capil", table)
	}
	if !strings.Contains(page, fmt.Sprintf(`href="/admin/reports/%d?period=2031-03&amp;unit=Dafduk"`, rs.Office.ID)) {
		t.Error("the Dafduk row does not link to its report of March")
	}
	// The kepala of the office sees the same list on the dashboard.
	_, dash := rs.MustLogin(t, "kepala", survey.RoleKepala, rs.Office.ID, "").MustGet(t, "/admin", http.StatusOK)
	if got := byID(t, dash, "dash-attention"); !strings.Contains(got, "Dafduk : jawaban buruk 40,00 % pada 2031-03, 0,00 %") {
		t.Errorf("kepala's dashboard attention = %q", got)
	}
	// A filtered report has no such list; nor a central configured without it.
	if _, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d?period=2031-Q1&unit=Dafduk", rs.Office.ID), http.StatusOK); strings.Contains(page, `id="rpt-attention"`) {
		t.Error("a unit's report lists rising shares")
	}
	off := MustStartReportServer(t, openSQLite, func(c *central.Config) { c.Reports.AttentionRise = 0 })
	off.MustIngestRatings(t, nipSiti, "KIA", day(time.January, 10), time.Hour, repeatRatings(20, all(4)), nil)
	off.MustIngestRatings(t, nipSiti, "KIA", day(time.March, 5), time.Minute, repeatRatings(10, all(1)), nil)
	if _, page := off.MustLogin(t, "admin", survey.RoleAdmin, 0, "").MustGet(t, fmt.Sprintf("/admin/reports/%d", off.Office.ID), http.StatusOK); strings.Contains(page, `id="rpt-attention"`) {
		t.Error("attention_rise = 0 still lists rising shares")
	}
}
