package survey

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// cell returns a cell of n ratings.
func cell(month, unit, counter, nip, service string, verified, suspect bool, n int64) Cell {
	return Cell{Month: month, Unit: unit, Counter: counter, NIP: nip, Service: service, Verified: verified, Suspect: suspect, Tally: Tally{N: n}}
}

// monthFilter selects months [from, to] of 2031 (Asia/Jakarta).
func monthFilter(from, to int, edit func(*ReportFilter)) ReportFilter {
	loc := time.FixedZone("WIB", 7*3600)
	f := ReportFilter{OfficeID: 1, From: time.Date(2031, time.Month(from), 1, 0, 0, 0, 0, loc), To: time.Date(2031, time.Month(to+1), 1, 0, 0, 0, 0, loc)}
	if edit != nil {
		edit(&f)
	}
	return f
}

func TestReleaseStaffMemberFewRatingsCountInTheUnitOnly(t *testing.T) {
	// Siti 30 ratings in January; Budi 3, Agus 4 (same unit): their 7 form the
	// unit's rest, so the unit's figure is whole and theirs are withheld.
	r := NewRelease([]Cell{
		cell("2031-01", "Dafduk", "1", "siti", "KIA", false, false, 30),
		cell("2031-01", "Dafduk", "2", "budi", "KIA", false, false, 3),
		cell("2031-01", "Dafduk", "3", "agus", "KK", false, false, 4),
	}, 5, "2031-04")
	for _, tc := range []struct {
		name        string
		edit        func(*ReportFilter)
		shown, held int64
		suppressed  bool
	}{
		{"office", nil, 37, 0, false},
		{"unit", func(f *ReportFilter) { f.Unit = "Dafduk" }, 37, 0, false},
		{"siti", func(f *ReportFilter) { f.NIP = "siti" }, 30, 0, false},
		{"budi", func(f *ReportFilter) { f.NIP = "budi" }, 0, 3, true},
		// Service KK is Agus's 4 ratings, part of the unit's rest: withheld.
		{"service KK", func(f *ReportFilter) { f.Service = "KK" }, 0, 4, true},
		// Service KIA is Siti's group and part of the rest: a strict figure, withheld whole.
		{"service KIA", func(f *ReportFilter) { f.Service = "KIA" }, 30, 3, true},
		// Counter 1 is exactly Siti's group: shown.
		{"counter 1", func(f *ReportFilter) { f.Counter = "1" }, 30, 0, false},
	} {
		p := r.Part(monthFilter(1, 1, tc.edit))
		if p.Shown != tc.shown || p.HeldBack() != tc.held || p.Suppressed() != tc.suppressed {
			t.Errorf("%s: shown %d, held back %d, suppressed %v; want %d, %d, %v", tc.name, p.Shown, p.HeldBack(), p.Suppressed(), tc.shown, tc.held, tc.suppressed)
		}
	}
}

func TestReleaseRestsClimbToOfficeAndTime(t *testing.T) {
	// Two units with one staff member of 3 ratings each in January: the
	// units' rests are too small, the office's rest (6) is a group: each
	// unit's figure holds its 3 back, the office's is whole.
	r := NewRelease([]Cell{
		cell("2031-01", "A", "", "a1", "", false, false, 20),
		cell("2031-01", "A", "", "a2", "", false, false, 3),
		cell("2031-01", "B", "", "b1", "", false, false, 20),
		cell("2031-01", "B", "", "b2", "", false, false, 3),
		// February and March: 2 and 3 ratings, and 3 flagged ones in March:
		// the quarter's rest (5) is a group of its own; the flagged 3 are
		// pooled apart, with the year's.
		cell("2031-02", "A", "", "a1", "", false, false, 2),
		cell("2031-03", "A", "", "a1", "", false, false, 3),
		cell("2031-03", "B", "", "b1", "", false, true, 3),
	}, 5, "2031-04")
	check := func(name string, f ReportFilter, shown, held int64) {
		t.Helper()
		if p := r.Part(f); p.Shown != shown || p.HeldBack() != held {
			t.Errorf("%s: shown %d, held back %d; want %d, %d", name, p.Shown, p.HeldBack(), shown, held)
		}
	}
	check("office January", monthFilter(1, 1, nil), 46, 0)
	check("unit A January", monthFilter(1, 1, func(f *ReportFilter) { f.Unit = "A" }), 20, 3)
	check("office February", monthFilter(2, 2, nil), 0, 2)
	check("office March", monthFilter(3, 3, nil), 0, 6)
	check("office Q1", monthFilter(1, 3, nil), 51, 3)
	check("office without suspect Q1", monthFilter(1, 3, func(f *ReportFilter) { f.Suspect = TriNo }), 51, 0)
	// February–March holds the quarter's rest whole.
	check("office February–March", monthFilter(2, 3, nil), 5, 3)

	// Before March settles, the quarter's rest is no group: held back.
	r = NewRelease(r.cells, 5, "2031-03")
	check("office January–February before March settles", monthFilter(1, 2, nil), 46, 2)
}

func TestReleaseClassesNeverPoolTogether(t *testing.T) {
	// Siti: 2 unverified and 3 verified ratings, 40 flagged unverified and 2
	// flagged verified ones. Only the 40 make a group; the others go to the
	// unit's rest of their own class. No group mixes classes, so her figure
	// without flagged ratings, and her verified one, are withheld, not cut
	// out of a mixed group.
	r := NewRelease([]Cell{
		cell("2031-01", "A", "", "siti", "", false, false, 2),
		cell("2031-01", "A", "", "siti", "", true, false, 3),
		cell("2031-01", "A", "", "siti", "", false, true, 40),
		cell("2031-01", "A", "", "siti", "", true, true, 2),
	}, 5, "2031-02")
	for _, tc := range []struct {
		name        string
		edit        func(*ReportFilter)
		shown, held int64
	}{
		{"all", nil, 40, 7},
		{"without suspect", func(f *ReportFilter) { f.Suspect = TriNo }, 0, 5},
		{"verified", func(f *ReportFilter) { f.Verified = TriYes }, 0, 5},
		{"unverified", func(f *ReportFilter) { f.Verified = TriNo }, 40, 2},
	} {
		p := r.Part(monthFilter(1, 1, func(f *ReportFilter) {
			f.NIP = "siti"
			if tc.edit != nil {
				tc.edit(f)
			}
		}))
		if p.Shown != tc.shown || p.HeldBack() != tc.held {
			t.Errorf("%s: shown %d, held back %d; want %d, %d", tc.name, p.Shown, p.HeldBack(), tc.shown, tc.held)
		}
	}
	p := r.Part(monthFilter(1, 1, func(f *ReportFilter) { f.NIP = "siti" }))
	if !p.ShowsLeaf("2031-01", "siti", false, true) || p.ShowsLeaf("2031-01", "siti", true, false) || p.ShowsLeaf("2031-01", "siti", true, true) {
		t.Error("ShowsLeaf disagrees with the groups")
	}
	if total, shown := p.Leaf("2031-01", "siti", true, false); total != 3 || shown != 0 {
		t.Errorf("Leaf of the verified ratings = %d, %d; want 3 asked, none shown", total, shown)
	}
}

func TestReleaseUnsettledMonthsAreNeverShown(t *testing.T) {
	r := NewRelease([]Cell{cell("2031-04", "A", "", "a", "", false, false, 50)}, 5, "2031-04")
	if p := r.Part(monthFilter(4, 4, nil)); p.Shown != 0 || p.Total != 50 || !p.Suppressed() {
		t.Errorf("an unsettled month: %+v", p)
	}
}

// TestReleaseNoFigureSeparatesAGroup generates random offices and checks,
// for every figure a report can ask for, that it rests on whole groups of
// at least MinCell ratings: two ratings of one group are in every figure or
// in none, so no combination of figures tells them apart.
func TestReleaseNoFigureSeparatesAGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 23))
	units, counters, nips, services := []string{"A", "B", ""}, []string{"1", "2", "3"}, []string{"p1", "p2", "p3", "p4", "p5", "p6"}, []string{"KIA", "KK", "AKTA"}
	for round := range 40 {
		var cells []Cell
		for m := 1; m <= 12; m++ {
			for range rng.IntN(25) {
				n := int64(1 + rng.IntN(8))
				if rng.IntN(3) == 0 {
					n = int64(1 + rng.IntN(3))
				}
				cells = append(cells, cell(fmt.Sprintf("2031-%02d", m), units[rng.IntN(3)], counters[rng.IntN(3)], nips[rng.IntN(6)],
					services[rng.IntN(3)], rng.IntN(3) == 0, rng.IntN(5) == 0, n))
			}
		}
		k := 2 + rng.IntN(5)
		r := NewRelease(cells, k, fmt.Sprintf("2031-%02d", 6+rng.IntN(8)))
		for g, n := range r.groups {
			if n < int64(k) {
				t.Fatalf("round %d: group %d has %d ratings, fewer than %d", round, g, n, k)
			}
		}
		var filters []ReportFilter
		for from := 1; from <= 12; from++ {
			for to := from; to <= 12; to++ {
				for _, edit := range []func(*ReportFilter){nil,
					func(f *ReportFilter) { f.Unit = units[rng.IntN(3)] },
					func(f *ReportFilter) { f.NIP = nips[rng.IntN(6)]; f.Suspect = TriNo },
					func(f *ReportFilter) { f.Service = services[rng.IntN(3)] },
					func(f *ReportFilter) { f.Counter = counters[rng.IntN(3)]; f.Verified = TriYes },
				} {
					filters = append(filters, monthFilter(from, to, edit))
				}
			}
		}
		for _, f := range filters {
			p := r.Part(f)
			sum := map[int]int64{}
			for _, c := range p.Cells {
				for i := range r.cells {
					if r.cells[i] == c && r.leafOf[i] >= 0 {
						sum[r.leaves[r.leafOf[i]].group] += c.Tally.N
						break
					}
				}
			}
			for g, n := range sum {
				if n != r.groups[g] {
					t.Fatalf("round %d, %+v: rests on %d of group %d's %d ratings", round, f, n, g, r.groups[g])
				}
			}
			// No group mixes classes: leaving the suspect (or unverified)
			// ones out of a figure's cells gives the figure without them.
			if f.Suspect == TriAny && f.Verified == TriAny && !p.Strict {
				for _, sub := range []ReportFilter{{Suspect: TriNo}, {Verified: TriYes}, {Verified: TriNo, Suspect: TriYes}} {
					g := f
					g.Verified, g.Suspect = sub.Verified, sub.Suspect
					keep := func(c Cell) bool { return g.Verified.Keeps(c.Verified) && g.Suspect.Keeps(c.Suspect) }
					if got, want := SumCells(p.Cells, keep).N, r.Part(g).Shown; got != want {
						t.Fatalf("round %d, %+v: %d shown ratings of class %+v, the figure of the class rests on %d", round, f, got, sub, want)
					}
				}
			}
		}
	}
}

func TestReportDaySettle(t *testing.T) {
	jkt := time.FixedZone("WIB", 7*3600)
	created := time.Date(2031, 1, 31, 15, 0, 0, 0, jkt)
	for _, tc := range []struct {
		received time.Time
		want     string
	}{
		{time.Date(2031, 1, 31, 16, 0, 0, 0, jkt), "2031-01-31"},
		{time.Date(2031, 2, 7, 23, 59, 0, 0, jkt), "2031-01-31"}, // the last night before January settles
		{time.Date(2031, 2, 8, 0, 0, 0, 0, jkt), "2031-02-08"},   // late: counted the day it arrived
		{time.Date(2031, 5, 2, 9, 0, 0, 0, jkt), "2031-05-02"},
	} {
		if got := ReportDay(created, tc.received, jkt).Format(time.DateOnly); got != tc.want {
			t.Errorf("received %s: report day %s, want %s", tc.received, got, tc.want)
		}
	}
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2031, 4, 7, 23, 0, 0, 0, jkt), "2031-02"},
		{time.Date(2031, 4, 8, 0, 30, 0, 0, jkt), "2031-02"}, // an hour's grace for uploads in flight
		{time.Date(2031, 4, 8, 1, 0, 0, 0, jkt), "2031-03"},
		{time.Date(2031, 4, 30, 0, 0, 0, 0, jkt), "2031-03"},
	} {
		if got := LastSettledMonth(tc.now, jkt); got != tc.want {
			t.Errorf("on %s the last settled month is %s, want %s", tc.now, got, tc.want)
		}
	}
	p, _ := ParsePeriod("2031-Q1", jkt)
	if got := p.SettledAt(time.Date(2031, 4, 7, 12, 0, 0, 0, jkt)); got.To != time.Date(2031, 3, 1, 0, 0, 0, 0, jkt) {
		t.Errorf("Q1 on 7 April ends %s, want 1 March (March settles on the 8th)", got.To)
	}
	if got := DefaultPeriodCode(time.Date(2031, 4, 7, 12, 0, 0, 0, jkt), jkt); got != "2031-Q1" {
		t.Errorf("default period on 7 April = %s", got)
	}
	if got := DefaultPeriodCode(time.Date(2031, 5, 8, 12, 0, 0, 0, jkt), jkt); got != "2031-Q2" {
		t.Errorf("default period on 8 May = %s", got)
	}
}
