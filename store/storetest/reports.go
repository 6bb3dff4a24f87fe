package storetest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// MustReportStore returns s as a survey.ReportStore, failing the test if the
// backend does not answer report queries.
func MustReportStore(tb testing.TB, s survey.CentralStore) survey.ReportStore {
	tb.Helper()
	rs, ok := s.(survey.ReportStore)
	if !ok {
		tb.Fatalf("%T does not implement survey.ReportStore", s)
	}
	return rs
}

// reportFixture is an office with two staff members in two units and 40
// responses from 16 October to 22 November 2026 (WIB): NIP2 on every third,
// AKTA_LAHIR on every second, verified on every fourth, a comment on every
// fifth, and one row (seq 8) edited after hashing, hence suspect.
type reportFixture struct {
	*ingestFixture
	rs      survey.ReportStore
	rows    []survey.Response
	suspect map[int64]bool
	units   map[string][2]string // NIP → unit, counter
}

// reportPeriod is October and November 2026, WIB.
var reportPeriod = survey.ReportFilter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, wib), To: time.Date(2026, 12, 1, 0, 0, 0, 0, wib)}

func newReportFixture(t *testing.T, open Opener) *reportFixture {
	t.Helper()
	f := &reportFixture{ingestFixture: newIngestFixture(t, open), suspect: map[int64]bool{8: true},
		units: map[string][2]string{NIP1: {"Dafduk", "1"}, NIP2: {"Capil", "2"}}}
	f.rs = MustReportStore(t, f.s)
	MustAddStaff(t, f.s, f.office.ID, NIP2, "Budi Santoso", "Capil", "2")
	ch := &Chain{Start: time.Date(2026, 10, 16, 9, 30, 0, 0, wib), Step: 23 * time.Hour, Edit: func(r *survey.Response) {
		if r.Seq%3 == 0 {
			r.NIP = NIP2
		}
		if r.Seq%2 == 0 {
			r.Service = "AKTA_LAHIR"
			r.Profile = survey.Profile{AgeBand: "20-29", Sex: "L", Education: "s1"}
		}
		r.Verified = r.Seq%4 == 0
		if r.Seq%5 == 0 {
			r.Comment = fmt.Sprintf("komentar %02d", 45-r.Seq)
		}
		if r.Seq == 10 {
			r.Comment = `=HYPERLINK("http://x")`
		}
	}}
	f.rows = ch.Next(40)
	f.rows[7].Ratings[1] = f.rows[7].Ratings[1]%4 + 1 // seq 8: content no longer matches its hash
	// October's rows arrive before October settles (8 November), so that
	// every row counts on the day it was given (survey.ReportDay).
	october := slices.IndexFunc(f.rows, func(r survey.Response) bool { return month(r) == "2026-11" })
	f.ingest(f.rows[:october], time.Date(2026, 11, 1, 2, 0, 0, 0, wib))
	f.ingest(f.rows[october:], time.Date(2026, 11, 24, 2, 0, 0, 0, wib))
	if r := f.response(f.rows[7].ID); !r.Suspect {
		t.Fatalf("the edited row is not suspect: %+v", r.Flags)
	}
	return f
}

// filter returns the fixture's period filter for its office, changed by edit.
func (f *reportFixture) filter(edit func(*survey.ReportFilter)) survey.ReportFilter {
	rf := reportPeriod
	rf.OfficeID = f.office.ID
	if edit != nil {
		edit(&rf)
	}
	return rf
}

// want tallies the fixture's rows that keep accepts.
func (f *reportFixture) want(keep func(r survey.Response) bool) survey.Tally {
	var t survey.Tally
	for _, r := range f.rows {
		if keep == nil || keep(r) {
			t.Add(r.Ratings)
		}
	}
	return t
}

func month(r survey.Response) string { return r.CreatedAt.In(wib).Format("2006-01") }

func testReportSums(t *testing.T, open Opener) {
	f := newReportFixture(t, open)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		edit func(*survey.ReportFilter)
		keep func(survey.Response) bool
	}{
		{"office", nil, nil},
		{"unit", func(rf *survey.ReportFilter) { rf.Unit = "Capil" }, func(r survey.Response) bool { return r.NIP == NIP2 }},
		{"counter", func(rf *survey.ReportFilter) { rf.Counter = "1" }, func(r survey.Response) bool { return r.NIP == NIP1 }},
		{"nip", func(rf *survey.ReportFilter) { rf.NIP = NIP2 }, func(r survey.Response) bool { return r.NIP == NIP2 }},
		{"service", func(rf *survey.ReportFilter) { rf.Service = "KIA" }, func(r survey.Response) bool { return r.Service == "KIA" }},
		{"verified", func(rf *survey.ReportFilter) { rf.Verified = survey.TriYes }, func(r survey.Response) bool { return r.Verified }},
		{"unverified", func(rf *survey.ReportFilter) { rf.Verified = survey.TriNo }, func(r survey.Response) bool { return !r.Verified }},
		{"without suspect", func(rf *survey.ReportFilter) { rf.Suspect = survey.TriNo }, func(r survey.Response) bool { return !f.suspect[r.Seq] }},
		{"november", func(rf *survey.ReportFilter) { rf.From = time.Date(2026, 11, 1, 0, 0, 0, 0, wib) }, func(r survey.Response) bool { return month(r) == "2026-11" }},
		// To is exclusive: the day of seq 40 (22 November) is left out.
		{"to 22 November", func(rf *survey.ReportFilter) { rf.To = time.Date(2026, 11, 22, 0, 0, 0, 0, wib) }, func(r survey.Response) bool { return r.Seq < 40 }},
	} {
		rf := f.filter(tc.edit)
		want := f.want(tc.keep)
		got, err := f.rs.SumRollups(ctx, rf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != want {
			t.Errorf("%s: SumRollups n=%d, want n=%d (%+v)", tc.name, got.N, want.N, got)
		}
		cells, err := f.rs.RollupCells(ctx, rf, survey.AllDimensions...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := survey.SumCells(cells, nil); got != want {
			t.Errorf("%s: RollupCells add up to n=%d, want n=%d", tc.name, got.N, want.N)
		}
	}
	other := MustCreateOffice(t, f.s, "Kantor Lain")
	if got, err := f.rs.SumRollups(ctx, f.filter(func(rf *survey.ReportFilter) { rf.OfficeID = other.ID })); err != nil || got.N != 0 {
		t.Errorf("another office: n=%d, %v", got.N, err)
	}
	if _, err := f.rs.SumRollups(ctx, survey.ReportFilter{From: reportPeriod.From, To: reportPeriod.To}); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("a filter without an office: %v, want EINVALID", err)
	}
}

func testReportCells(t *testing.T, open Opener) {
	f := newReportFixture(t, open)
	cells, err := f.rs.RollupCells(context.Background(), f.filter(nil), survey.AllDimensions...)
	if err != nil {
		t.Fatal(err)
	}
	for _, dim := range []struct {
		d   survey.Dimension
		key func(survey.Response) string
	}{
		{survey.ByMonth, month},
		{survey.ByUnit, func(r survey.Response) string { return f.units[r.NIP][0] }},
		{survey.ByCounter, func(r survey.Response) string { return f.units[r.NIP][1] }},
		{survey.ByNIP, func(r survey.Response) string { return r.NIP }},
		{survey.ByService, func(r survey.Response) string { return r.Service }},
		{survey.ByVerified, func(r survey.Response) string { return fmt.Sprint(r.Verified) }},
		{survey.BySuspect, func(r survey.Response) string { return fmt.Sprint(f.suspect[r.Seq]) }},
	} {
		want := map[string]survey.Tally{}
		for _, r := range f.rows {
			t := want[dim.key(r)]
			t.Add(r.Ratings)
			want[dim.key(r)] = t
		}
		got := map[string]survey.Tally{}
		for _, g := range survey.GroupCells(cells, dim.d) {
			got[g.Key] = g.Tally
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cells by %s: %d groups, want %d: %v", dim.d, len(got), len(want), keys(got))
		}
		// Grouped by this dimension alone, the store gives the same groups,
		// with the other keys left zero.
		alone, err := f.rs.RollupCells(context.Background(), f.filter(nil), dim.d)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range alone {
			if c.Key(dim.d) != "" && !reflect.DeepEqual(c.Tally, want[c.Key(dim.d)]) {
				t.Errorf("cells by %s alone: %q = n %d, want n %d", dim.d, c.Key(dim.d), c.Tally.N, want[c.Key(dim.d)].N)
			}
			if c.Month != "" && dim.d != survey.ByMonth || c.NIP != "" && dim.d != survey.ByNIP {
				t.Errorf("cells by %s alone carry other keys: %+v", dim.d, c)
			}
		}
		if len(alone) != len(want) {
			t.Errorf("cells by %s alone: %d groups, want %d", dim.d, len(alone), len(want))
		}
	}
	total, err := f.rs.RollupCells(context.Background(), f.filter(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(total) != 1 || total[0].Tally != f.want(nil) {
		t.Errorf("cells without a dimension = %+v, want the one total", total)
	}
	if _, err := f.rs.RollupCells(context.Background(), f.filter(nil), "day; DROP TABLE x"); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("an unknown dimension: %v, want EINVALID", err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func testReportPersonCells(t *testing.T, open Opener) {
	f := newReportFixture(t, open)
	ctx := context.Background()
	attributable := []survey.Element{survey.Kompetensi, survey.Perilaku}
	type key struct {
		nip, month, channel, flags string
		verified, suspect          bool
	}
	want := map[key]survey.PersonCell{}
	for _, r := range f.rows {
		stored := f.response(r.ID)
		k := key{r.NIP, month(r), stored.Channel, survey.FlagsString(stored.Flags), r.Verified, f.suspect[r.Seq]}
		c := want[k]
		c.NIP, c.Month, c.Verified, c.Suspect, c.Channel, c.Flags = k.nip, k.month, k.verified, k.suspect, k.channel, k.flags
		s := int64(r.Ratings.Get(survey.Kompetensi) + r.Ratings.Get(survey.Perilaku))
		c.N, c.Sum, c.SumSq = c.N+1, c.Sum+s, c.SumSq+s*s
		c.Scores[s]++
		want[k] = c
	}
	cells, err := f.rs.PersonCells(ctx, f.filter(nil), attributable)
	if err != nil {
		t.Fatal(err)
	}
	got := map[key]survey.PersonCell{}
	for _, c := range cells {
		got[key{c.NIP, c.Month, c.Channel, c.Flags, c.Verified, c.Suspect}] = c
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("person cells = %+v\nwant %+v", cells, want)
	}
	nip2, err := f.rs.PersonCells(ctx, f.filter(func(rf *survey.ReportFilter) { rf.NIP = NIP2 }), attributable)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range nip2 {
		if c.NIP != NIP2 {
			t.Errorf("NIP filter returned %s", c.NIP)
		}
		n += c.N
	}
	if n != 13 {
		t.Errorf("NIP2 has %d scored responses, want 13", n)
	}
	if _, err := f.rs.PersonCells(ctx, f.filter(nil), []survey.Element{"kompetensi; DROP TABLE responses"}); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("an unknown element: %v, want EINVALID", err)
	}
	if _, err := f.rs.PersonCells(ctx, f.filter(nil), nil); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("no attributable element: %v, want EINVALID", err)
	}
}

// testReportNoVisit: unverified, unflagged responses are counted per NIP and
// day only on days when the office issued visit codes, none of them for the
// staff member rated.
func testReportNoVisit(t *testing.T, open Opener) {
	f := newReportFixture(t, open)
	ctx := context.Background()
	day := func(r survey.Response) string { return r.CreatedAt.In(wib).Format(time.DateOnly) }
	// The first row's day: codes for NIP2 only. The second row's day: codes
	// for its own staff member. Other days: no codes at all.
	first, second := f.rows[0], f.rows[1]
	if day(first) == day(second) {
		t.Fatal("the fixture's first two rows share a day")
	}
	other := NIP2
	if first.NIP == NIP2 {
		other = NIP1
	}
	tallies := []survey.VisitTally{{Day: day(first), NIP: other, Service: "KIA", Issued: 2, Rated: 1},
		{Day: day(second), NIP: second.NIP, Service: "KIA", Issued: 1}}
	if err := f.s.SaveVisitTallies(ctx, f.kiosk.ID, tallies); err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]int64{}
	for _, r := range f.rows {
		if !r.Verified && !f.suspect[r.Seq] && day(r) == day(first) && r.NIP != other {
			want[[2]string{r.NIP, day(r)}]++
		}
	}
	if len(want) == 0 {
		t.Fatal("the fixture has no unverified row on the first day")
	}
	got, err := f.rs.NoVisitCounts(ctx, f.filter(nil))
	if err != nil {
		t.Fatal(err)
	}
	gotMap := map[[2]string]int64{}
	for _, c := range got {
		gotMap[[2]string{c.NIP, c.Day}] = c.N
	}
	if !reflect.DeepEqual(gotMap, want) {
		t.Errorf("NoVisitCounts = %v, want %v", gotMap, want)
	}
	if got, err := f.rs.NoVisitCounts(ctx, f.filter(func(rf *survey.ReportFilter) { rf.NIP = other })); err != nil || len(got) != 0 {
		t.Errorf("the staff member with codes that day: %v (%v), want none", got, err)
	}
	if _, err := f.rs.NoVisitCounts(ctx, survey.ReportFilter{OfficeID: f.office.ID}); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("without a period: %v, want EINVALID", err)
	}
}

func testReportComments(t *testing.T, open Opener) {
	f := newReportFixture(t, open)
	got, err := f.rs.FindComments(context.Background(), f.filter(func(rf *survey.ReportFilter) { rf.NIP = NIP1 }))
	if err != nil {
		t.Fatal(err)
	}
	var want []survey.Comment
	for _, r := range f.rows {
		if r.NIP == NIP1 && r.Comment != "" {
			want = append(want, survey.Comment{Month: month(r), Text: r.Comment, NIP: r.NIP, Verified: r.Verified, Suspect: f.suspect[r.Seq]})
		}
	}
	slices.SortFunc(want, func(a, b survey.Comment) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Text, b.Text))
	})
	if len(want) < 4 || !reflect.DeepEqual(got, want) {
		t.Errorf("comments of NIP1 = %+v\nwant (by month, then text) %+v", got, want)
	}
}

func testReportProfiles(t *testing.T, open Opener) {
	f := newReportFixture(t, open)
	cells, err := f.rs.ProfileCells(context.Background(), f.filter(func(rf *survey.ReportFilter) { rf.Service = "AKTA_LAHIR" }))
	if err != nil {
		t.Fatal(err)
	}
	// Each cell is one profile, month, staff member and class: the keys a
	// report's release needs, counted as the fixture's rows say.
	want := map[survey.ProfileCell]int64{}
	for _, r := range f.rows {
		if r.Service == "AKTA_LAHIR" {
			want[survey.ProfileCell{Profile: r.Profile, Month: month(r), NIP: r.NIP, Verified: r.Verified, Suspect: f.suspect[r.Seq]}]++
		}
	}
	got := map[survey.ProfileCell]int64{}
	for _, c := range cells {
		n := c.N
		c.N = 0
		got[c] += n
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("profiles of AKTA_LAHIR = %+v, want %+v", got, want)
	}
	if !slices.IsSortedFunc(cells, func(a, b survey.ProfileCell) int {
		return cmp.Or(cmp.Compare(a.Profile.AgeBand, b.Profile.AgeBand), cmp.Compare(a.Profile.Sex, b.Profile.Sex),
			cmp.Compare(a.Profile.Education, b.Profile.Education), cmp.Compare(a.Profile.Occupation, b.Profile.Occupation),
			cmp.Compare(a.Month, b.Month), cmp.Compare(a.NIP, b.NIP))
	}) {
		t.Errorf("profile cells are not in profile, month and NIP order: %+v", cells)
	}
	all, err := f.rs.ProfileCells(context.Background(), f.filter(nil))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range survey.CountProfiles(all) {
		if c.Field == "sex" {
			n += c.N
		}
	}
	if n != 40 {
		t.Errorf("profiles of all count %d responses, want 40", n)
	}
}

func testReportWorkedExample(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := MustReportStore(t, f.s)
	answers := ratingsWithSums(29, workedExampleB)
	ch := &Chain{Step: 17 * time.Minute, Ratings: func(seq int64) survey.Ratings { return answers[seq-1] }}
	f.ingest(ch.Next(29), T0.Add(10*time.Hour))
	rf := survey.ReportFilter{OfficeID: f.office.ID, From: wibDay(1), To: wibDay(30)}
	tl, err := rs.SumRollups(context.Background(), rf)
	if err != nil {
		t.Fatal(err)
	}
	fig := survey.DefaultReportRules().Figures(tl)
	if fig.Responses != 29 || fig.IKM != 91.48 || fig.Mutu != survey.MutuA {
		t.Errorf("worked example from the store = %d %v %s, want 29 91.48 A", fig.Responses, fig.IKM, fig.Mutu)
	}
	if got := (survey.ReportRules{TemplateMode: true}).Figures(tl).IKM; got != 91.38 {
		t.Errorf("template mode = %v, want 91.38", got)
	}
	cells, err := rs.PersonCells(context.Background(), rf, []survey.Element{survey.Kompetensi, survey.Perilaku})
	if err != nil {
		t.Fatal(err)
	}
	// Kompetensi 105 and perilaku 106 over 29: (211 / 58) × 25 = 90.9483 → 90.95.
	if x := survey.DefaultReportRules().Individual(cells); x.Responses != 29 || x.Index != 90.95 || x.Status != survey.PersonNotFinal {
		t.Errorf("individual = %+v, want 29 responses, 90.95, not final", x)
	}
}
