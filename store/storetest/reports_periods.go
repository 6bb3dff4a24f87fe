package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// testReportPeriods sums the report fixture over periods that start and end
// on and off month boundaries (PostgreSQL answers whole months from monthly
// rollups and the edges from daily ones) and compares each with the rows
// whose Asia/Jakarta day falls in it.
func testReportPeriods(t *testing.T, open Opener) {
	f := newReportFixture(t, open)
	ctx := context.Background()
	days := []time.Time{
		time.Date(2026, 9, 30, 0, 0, 0, 0, wib), time.Date(2026, 10, 1, 0, 0, 0, 0, wib), time.Date(2026, 10, 16, 0, 0, 0, 0, wib),
		time.Date(2026, 10, 17, 0, 0, 0, 0, wib), time.Date(2026, 10, 31, 0, 0, 0, 0, wib), time.Date(2026, 11, 1, 0, 0, 0, 0, wib),
		time.Date(2026, 11, 2, 0, 0, 0, 0, wib), time.Date(2026, 11, 22, 0, 0, 0, 0, wib), time.Date(2026, 12, 1, 0, 0, 0, 0, wib),
		time.Date(2027, 1, 1, 0, 0, 0, 0, wib),
		// 16:59 UTC on 31 October is 23:59 on the 31st in Jakarta: the period starts on the 31st.
		time.Date(2026, 10, 31, 16, 59, 0, 0, time.UTC),
	}
	day := func(t time.Time) string { return t.In(wib).Format(time.DateOnly) }
	for _, from := range days {
		for _, to := range days {
			if day(from) >= day(to) {
				continue
			}
			want := f.want(func(r survey.Response) bool { d := day(r.CreatedAt); return d >= day(from) && d < day(to) })
			rf := f.filter(func(rf *survey.ReportFilter) { rf.From, rf.To = from, to })
			got, err := f.rs.SumRollups(ctx, rf)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s to %s: SumRollups n=%d, want n=%d", day(from), day(to), got.N, want.N)
			}
			cells, err := f.rs.RollupCells(ctx, rf, survey.ByMonth, survey.ByNIP, survey.ByVerified)
			if err != nil {
				t.Fatal(err)
			}
			byMonth := map[string]survey.Tally{}
			for _, g := range survey.GroupCells(cells, survey.ByMonth) {
				byMonth[g.Key] = g.Tally
			}
			for _, m := range []string{"2026-10", "2026-11"} {
				w := f.want(func(r survey.Response) bool {
					d := day(r.CreatedAt)
					return d >= day(from) && d < day(to) && month(r) == m
				})
				if byMonth[m] != w {
					t.Errorf("%s to %s: cells of %s n=%d, want n=%d", day(from), day(to), m, byMonth[m].N, w.N)
				}
			}
		}
	}
}
