package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// testReportAccess records report queries, reads them newest first with
// and without filters, and purges the old ones.
func testReportAccess(t *testing.T, open Opener) {
	f := newFixture(t, open)
	rs := MustReportStore(t, f.s)
	ctx := context.Background()
	entries := []survey.ReportAccess{
		{At: T0.Add(-48 * time.Hour), Actor: "kepala", Role: survey.RoleKepala, Via: "page", What: "office", OfficeID: 1, Period: "2026-Q3", Remote: "10.0.0.5"},
		{At: T0.Add(-time.Hour), Actor: "token 3 (dasbor)", Role: survey.RoleViewer, Via: "api", What: "ikm", OfficeID: 2, Period: "2026-10", Filter: "unit=Capil&nip=" + NIP1},
		{Actor: "kepala", Role: survey.RoleKepala, Via: "export", What: "staff.csv", OfficeID: 1, Period: "2026-Q3"}, // At: now
	}
	for i := range entries {
		if err := rs.AddReportAccess(ctx, &entries[i]); err != nil {
			t.Fatal(err)
		}
		if entries[i].ID == 0 {
			t.Errorf("entry %d has no id", i)
		}
	}
	all, err := rs.FindReportAccess(ctx, survey.ReportAccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].What != "staff.csv" || !all[0].At.Equal(T0) || all[2].What != "office" {
		t.Fatalf("all queries, newest first = %+v", all)
	}
	if got := all[1]; got.Actor != "token 3 (dasbor)" || got.Role != survey.RoleViewer || got.Via != "api" || got.OfficeID != 2 ||
		got.Period != "2026-10" || got.Filter != "unit=Capil&nip="+NIP1 || !got.At.Equal(T0.Add(-time.Hour)) {
		t.Errorf("the API query read back as %+v", got)
	}
	if got, _ := rs.FindReportAccess(ctx, survey.ReportAccessFilter{OfficeID: 1}); len(got) != 2 || got[1].Remote != "10.0.0.5" {
		t.Errorf("office 1's queries = %+v", got)
	}
	if got, _ := rs.FindReportAccess(ctx, survey.ReportAccessFilter{Actor: "kepala", Limit: 1}); len(got) != 1 || got[0].What != "staff.csv" {
		t.Errorf("kepala's newest query = %+v", got)
	}
	n, err := rs.PurgeReportAccess(ctx, T0.Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purge before yesterday: %d (%v), want 1", n, err)
	}
	if got, _ := rs.FindReportAccess(ctx, survey.ReportAccessFilter{}); len(got) != 2 {
		t.Errorf("after the purge %d queries remain, want 2", len(got))
	}
}
