package central_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/survey"
)

// TestReportQueriesAreRecorded: every report a person or a token asks for is
// recorded (who, what, when, from where) before it is answered; admins read
// and export the record; it is purged after access_log_retention.
func TestReportQueriesAreRecorded(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite, func(c *central.Config) { c.Reports.AccessLogRetention = survey.Duration(30 * 24 * time.Hour) })
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 2, 3, 9, 0, 0, 0, wib), time.Hour, repeatRatings(6, all(3)), nil)
	base := fmt.Sprintf("/admin/reports/%d", rs.Office.ID)
	kepala := rs.MustLogin(t, "kepala", survey.RoleKepala, rs.Office.ID, "")
	kepala.MustGet(t, base+"?period=2031-Q1&unit=Dafduk", http.StatusOK)
	kepala.MustGet(t, base+"/export/staff.csv?period=2031-02", http.StatusOK)
	siti := rs.MustLogin(t, "siti", survey.RoleCounter, rs.Office.ID, nipSiti)
	siti.MustGet(t, base+"/staff/"+nipSiti+"/evidence?period=2031-Q1", http.StatusOK)
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-Q1&nip=%s", rs.Office.ID, nipSiti), http.StatusOK)
	// A refused request shows nothing and is not a report.
	MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&from=2031-01-02&to=2031-01-05", rs.Office.ID), http.StatusBadRequest)

	got, err := rs.Store.(survey.ReportStore).FindReportAccess(context.Background(), survey.ReportAccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, a := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s %s %d %s %s", a.Actor, a.Role, a.Via, a.What, a.OfficeID, a.Period, a.Filter))
		if a.Remote == "" || !a.At.Equal(reportNow) {
			t.Errorf("entry %+v lacks the address or the time", a)
		}
	}
	want := []string{
		fmt.Sprintf("(test) viewer api ikm %d 2031-Q1 nip=%s", rs.Office.ID, nipSiti), // after "token N"
		fmt.Sprintf("siti counter page evidence %d 2031-Q1 nip=%s", rs.Office.ID, nipSiti),
		fmt.Sprintf("kepala kepala export staff.csv %d 2031-02 ", rs.Office.ID),
		fmt.Sprintf("kepala kepala page office %d 2031-Q1 unit=Dafduk", rs.Office.ID),
	}
	if len(lines) != len(want) || !strings.HasPrefix(lines[0], "token ") || !strings.HasSuffix(lines[0], want[0]) {
		t.Fatalf("recorded queries, newest first:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for i := 1; i < len(want); i++ {
		if lines[i] != want[i] {
			t.Errorf("query %d = %q, want %q", i, lines[i], want[i])
		}
	}

	// Admins read and export the record; nobody else does.
	admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
	_, page := admin.MustGet(t, "/admin/report-access", http.StatusOK)
	if table := byID(t, page, "rpt-access"); !strings.Contains(table, "staff.csv") || !strings.Contains(table, "unit=Dafduk") || !strings.Contains(table, "token") {
		t.Errorf("the access log page = %q", table)
	}
	_, page = admin.MustGet(t, "/admin/report-access?actor=siti", http.StatusOK)
	if table := byID(t, page, "rpt-access"); !strings.Contains(table, "evidence") || strings.Contains(table, "kepala") {
		t.Errorf("the access log of siti = %q", table)
	}
	resp, body := admin.MustGet(t, "/admin/report-access.csv", http.StatusOK)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "at,actor,role,via,what") || !strings.Contains(body, "staff.csv") {
		t.Errorf("access log CSV = %s", body)
	}
	kepala.MustGet(t, "/admin/report-access", http.StatusForbidden)
	kepala.MustGet(t, "/admin/report-access.csv", http.StatusForbidden)

	// Past the retention, the next recorded query purges the old ones.
	rs.Clock.Set(reportNow.AddDate(0, 0, 31))
	MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-Q1", rs.Office.ID), http.StatusOK)
	if got, _ := rs.Store.(survey.ReportStore).FindReportAccess(context.Background(), survey.ReportAccessFilter{}); len(got) != 1 {
		t.Errorf("after 31 days %d queries are kept, want only the new one", len(got))
	}
}
