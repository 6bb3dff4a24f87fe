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

// testReportLateRows ingests rows of October after October settled (on 8
// November, survey.SettleDays after it ended): they count on the day they
// arrived, in every report query, while the row keeps the time it was given.
func testReportLateRows(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := MustReportStore(t, f.s)
	ctx := context.Background()
	ch := &Chain{Start: time.Date(2026, 10, 30, 10, 0, 0, 0, wib), Step: time.Hour, Edit: func(r *survey.Response) { r.Comment = "terlambat" }}
	late := ch.Next(2)
	ch.Start, ch.Edit = time.Date(2026, 11, 2, 10, 0, 0, 0, wib), nil
	onTime := ch.Next(1)
	f.ingest(append(late, onTime...), time.Date(2026, 11, 8, 0, 0, 0, 0, wib))
	october := survey.ReportFilter{OfficeID: f.office.ID, From: time.Date(2026, 10, 1, 0, 0, 0, 0, wib), To: time.Date(2026, 11, 1, 0, 0, 0, 0, wib)}
	both := october
	both.To = time.Date(2026, 12, 1, 0, 0, 0, 0, wib)
	if tl, err := rs.SumRollups(ctx, october); err != nil || tl.N != 0 {
		t.Errorf("October after its rows arrived late: %d responses (%v), want 0", tl.N, err)
	}
	cells, err := rs.RollupCells(ctx, both, survey.ByMonth)
	if err != nil || len(cells) != 1 || cells[0].Month != "2026-11" || cells[0].Tally.N != 3 {
		t.Errorf("cells by month = %+v (%v), want the 3 rows in 2026-11", cells, err)
	}
	pcells, err := rs.PersonCells(ctx, both, []survey.Element{survey.Kompetensi})
	if err != nil || len(pcells) != 1 || pcells[0].Month != "2026-11" || pcells[0].N != 3 {
		t.Errorf("person cells = %+v (%v), want the 3 rows in 2026-11", pcells, err)
	}
	if pcells, err := rs.PersonCells(ctx, october, []survey.Element{survey.Kompetensi}); err != nil || len(pcells) != 0 {
		t.Errorf("person cells of October = %+v (%v), want none", pcells, err)
	}
	comments, err := rs.FindComments(ctx, both)
	if err != nil || len(comments) != 2 || comments[0].Month != "2026-11" {
		t.Errorf("comments = %+v (%v), want the 2 late ones in 2026-11", comments, err)
	}
	profiles, err := rs.ProfileCells(ctx, october)
	if err != nil || len(profiles) != 0 {
		t.Errorf("profiles of October = %+v (%v), want none", profiles, err)
	}
	if r := f.response(late[0].ID); !r.CreatedAt.Equal(late[0].CreatedAt) {
		t.Errorf("the late row's time changed: %s, want %s", r.CreatedAt, late[0].CreatedAt)
	}
}
