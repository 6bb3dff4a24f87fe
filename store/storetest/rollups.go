package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// mustTally sums the office's rollups through the backend's Tally.
func mustTally(t *testing.T, s survey.CentralStore, officeID int64, from, to time.Time) survey.Tally {
	t.Helper()
	ts, ok := s.(Tallier)
	if !ok {
		t.Fatalf("%T has no Tally method", s)
	}
	tl, err := ts.Tally(context.Background(), officeID, from, to)
	if err != nil {
		t.Fatalf("tally office %d: %v", officeID, err)
	}
	return tl
}

// wibDay returns midnight (Asia/Jakarta) of the given November 2026 day.
func wibDay(day int) time.Time { return time.Date(2026, 11, day, 0, 0, 0, 0, wib) }

func testRollups(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	MustAddStaff(t, f.s, f.office.ID, NIP2, "Budi Santoso", "Capil", "2")
	// Every 3 hours from 10:00 WIB on the 26th: the rows span the 26th, 27th and 28th.
	ch := &Chain{Step: 3 * time.Hour, Edit: func(r *survey.Response) {
		if r.Seq%3 == 0 {
			r.NIP, r.Service = NIP2, "AKTA_LAHIR"
		}
		r.Verified = r.Seq%4 == 0
	}}
	rs := ch.Next(16)
	rs[5].Ratings[1] = rs[5].Ratings[1]%4 + 1 // one suspect row: counted in the rollups too
	f.ingest(rs[:10], T0.Add(time.Hour))
	f.ingest(rs[4:], T0.Add(2*time.Hour)) // overlapping: duplicates must not count twice

	byDay := map[string]*survey.Tally{}
	var all survey.Tally
	for _, r := range rs {
		day := r.CreatedAt.In(wib).Format(time.DateOnly)
		if byDay[day] == nil {
			byDay[day] = &survey.Tally{}
		}
		byDay[day].Add(r.Ratings)
		all.Add(r.Ratings)
	}
	if got := mustTally(t, f.s, f.office.ID, wibDay(26), wibDay(29)); got != all {
		t.Errorf("tally of every day = %+v, want %+v", got, all)
	}
	if got := mustTally(t, f.s, f.office.ID, wibDay(27), wibDay(28)); got != *byDay["2026-11-27"] {
		t.Errorf("tally of the 27th = %+v, want %+v", got, *byDay["2026-11-27"])
	}
	// A period is whole Asia/Jakarta days: the 26th in UTC terms starts at 17:00 on the 25th.
	if got := mustTally(t, f.s, f.office.ID, time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC), wibDay(27)); got != *byDay["2026-11-26"] {
		t.Errorf("tally of the 26th = %+v, want %+v", got, *byDay["2026-11-26"])
	}
	if got := mustTally(t, f.s, f.office.ID, wibDay(1), wibDay(26)); got.N != 0 {
		t.Errorf("tally before any response = %+v, want empty", got)
	}
	other := MustCreateOffice(t, f.s, "Kantor Lain")
	if got := mustTally(t, f.s, other.ID, wibDay(1), wibDay(30)); got.N != 0 {
		t.Errorf("another office's tally = %+v, want empty", got)
	}
}

// workedExampleB is docs/domain.md#examples (B): 29 respondents whose answers sum
// per element to these totals; exact IKM 91.48, template-mode 91.38.
var workedExampleB = map[survey.Element]int{
	survey.Persyaratan: 105, survey.Prosedur: 101, survey.Waktu: 100, survey.Biaya: 116, survey.Produk: 102,
	survey.Kompetensi: 105, survey.Perilaku: 106, survey.Sarana: 105, survey.Pengaduan: 115,
}

// ratingsWithSums returns n answer sets whose per-element sums are sums,
// lowering answers from 4 until each sum is reached.
func ratingsWithSums(n int, sums map[survey.Element]int) []survey.Ratings {
	rs := make([]survey.Ratings, n)
	for i := range rs {
		for j := range rs[i] {
			rs[i][j] = 4
		}
	}
	for e, sum := range sums {
		for i, deficit := 0, 4*n-sum; deficit > 0; i++ {
			d := min(deficit, 3)
			rs[i].Set(e, 4-d)
			deficit -= d
		}
	}
	return rs
}

func testRollupsWorkedExample(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	answers := ratingsWithSums(29, workedExampleB)
	ch := &Chain{Step: 17 * time.Minute, Ratings: func(seq int64) survey.Ratings { return answers[seq-1] }}
	f.ingest(ch.Next(29), T0.Add(10*time.Hour))
	tl := mustTally(t, f.s, f.office.ID, wibDay(26), wibDay(27))
	if tl.N != 29 {
		t.Fatalf("tally n = %d, want 29", tl.N)
	}
	if got, want := tl.Index().Rounded(), 91.48; got != want {
		t.Errorf("IKM from rollups = %v, want %v", got, want)
	}
	if got, want := tl.TemplateIndex().Rounded(), 91.38; got != want {
		t.Errorf("template-mode IKM from rollups = %v, want %v", got, want)
	}
	if got, want := tl.Index().Mutu, survey.MutuA; got != want {
		t.Errorf("mutu = %s, want %s", got, want)
	}
}

func testIngestLargeBatch(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	const n = 1500
	// One response a day: as many rollup rows as responses, more than one
	// multi-row statement holds.
	rs := (&Chain{Step: 24 * time.Hour}).Next(n)
	// Received as the first is given: none arrives after its month settled
	// (survey.ReportDay), so each counts on its own day.
	p := f.ingest(rs, T0)
	if p.Counts.Stored != n || f.count() != n {
		t.Fatalf("stored %d (counted %d), want %d", p.Counts.Stored, f.count(), n)
	}
	var want survey.Tally
	for _, r := range rs {
		want.Add(r.Ratings)
	}
	if got := mustTally(t, f.s, f.office.ID, wibDay(26), wibDay(26).AddDate(0, 0, n)); got != want {
		t.Errorf("tally of %d days = %+v, want %+v", n, got, want)
	}
	if got := mustTally(t, f.s, f.office.ID, wibDay(26), wibDay(26).AddDate(0, 0, 10)); got.N != 10 {
		t.Errorf("tally of the first 10 days counts %d, want 10", got.N)
	}
}
