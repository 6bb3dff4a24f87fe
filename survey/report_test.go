package survey

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// tallyOfTotal builds a consistent tally of n responses whose answers add up
// to total over the nine elements, every element answered by everyone.
func tallyOfTotal(t *testing.T, n, total int64) Tally {
	t.Helper()
	if total < 9*n || total > 36*n {
		t.Fatalf("total %d impossible for %d responses", total, n)
	}
	tl := Tally{N: n}
	for i := range Elements {
		s := total / NumElements
		if int64(i) < total%NumElements {
			s++
		}
		base, rem := s/n, s%n // rem answers of base+1, the rest base
		tl.Sum[i] = s
		tl.Dist[i][base-1] += n - rem
		if rem > 0 {
			tl.Dist[i][base] += rem
		}
	}
	return tl
}

// TestWeightedNRRRecomputesTheHeadline: over many tallies, including values
// at a grade boundary, 25 × Σ nrr_weighted rounded half up to two decimals
// is the headline IKM, and each weighted NRR is within two millionths of
// its exact value, with exact and template weights.
func TestWeightedNRRRecomputesTheHeadline(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 7))
	for trial := range 20000 {
		var tl Tally
		n := 1 + r.IntN(400)
		for range n {
			var rt Ratings
			for i := range rt {
				rt[i] = int8(1 + r.IntN(4))
				if r.IntN(3) > 0 {
					rt[i] = int8(3 + r.IntN(2))
				}
			}
			tl.Add(rt)
		}
		for _, rules := range []ReportRules{{}, {TemplateMode: true}} {
			f := rules.Figures(tl)
			var sum float64
			for _, e := range f.Elements {
				sum += e.Weighted
				exact := e.nrr / 9
				if rules.TemplateMode {
					exact = e.nrr * TemplateWeight
				}
				if math.Abs(e.Weighted-exact) > 2.000001e-6 {
					t.Fatalf("trial %d: %s weighted %v, exact %v", trial, e.Element, e.Weighted, exact)
				}
			}
			if got := Round2(25 * sum); got != f.IKM || Classify(25*sum) != f.Mutu {
				t.Fatalf("trial %d (template %v): 25 × Σ nrr_weighted = %v → %v %s, headline %v %s", trial, rules.TemplateMode, 25*sum, got, Classify(25*sum), f.IKM, f.Mutu)
			}
		}
	}
	// At the A line: an exact IKM of 88.305 rounds up to 88.31, and so does the sum.
	var exact [NumElements]float64
	for i := range exact {
		exact[i] = 3.5322 / 9
	}
	m := WeightedMicros(exact, 8831)
	var s int64
	for _, x := range m {
		s += x
	}
	if Round2(25*float64(s)/1e6) != 88.31 {
		t.Errorf("boundary: Σ = %d millionths, 25 × Σ = %v", s, 25*float64(s)/1e6)
	}
}

func TestFiguresWorkedExampleB(t *testing.T) {
	tl := tallyWithSums(t, 29, map[Element]int{
		Persyaratan: 105, Prosedur: 101, Waktu: 100, Biaya: 116, Produk: 102,
		Kompetensi: 105, Perilaku: 106, Sarana: 105, Pengaduan: 115,
	})
	f := DefaultReportRules().Figures(tl)
	if f.Responses != 29 || f.IKM != 91.48 || f.Mutu != MutuA || f.Kinerja("id") != "Sangat Baik" || f.Template {
		t.Errorf("figures = %d %v %s %q template=%v, want 29 91.48 A Sangat Baik exact", f.Responses, f.IKM, f.Mutu, f.Kinerja("id"), f.Template)
	}
	if f.Value != 3.659 {
		t.Errorf("index value = %v, want 3.659 (91.4751/25 to four decimals)", f.Value)
	}
	p := f.Element(Persyaratan)
	// 105 / 29 / 9 = 0.4022988…: six decimals.
	if p.NRR != 3.62 || math.Abs(p.Weighted-0.402299) > 2e-6 || p.Mutu != MutuA {
		t.Errorf("persyaratan = %+v, want NRR 3.62, weighted 0.402299, mutu A", p)
	}
	if w := f.Element(Waktu); w.NRR != 3.45 || w.Rank != 1 || w.Mutu != MutuB {
		t.Errorf("waktu = %+v, want NRR 3.45 ranked first with mutu B (86.21)", w)
	}
	var order []Element
	for _, e := range f.Ranked() {
		order = append(order, e.Element)
	}
	want := []Element{Waktu, Prosedur, Produk, Persyaratan, Kompetensi, Sarana, Perilaku, Pengaduan, Biaya}
	if !slices.Equal(order, want) {
		t.Errorf("ranking = %v, want %v (lowest first, ties in the regulation's order)", order, want)
	}
	tm := ReportRules{TemplateMode: true}.Figures(tl)
	if tm.IKM != 91.38 || !tm.Template || math.Abs(tm.Element(Persyaratan).Weighted-0.401897) > 2e-6 {
		t.Errorf("template-mode figures = %v template=%v", tm.IKM, tm.Template)
	}
	for _, v := range []float64{f.IKM, tm.IKM} {
		if v == 90.56 {
			t.Error("IKM equals the 0,11 bug's 90.56")
		}
	}
}

func TestFiguresSmallAndEmpty(t *testing.T) {
	rules := DefaultReportRules()
	empty := rules.Figures(Tally{})
	if !empty.Empty() || empty.IKM != 0 || empty.Mutu != "" || empty.Kinerja("id") != "" || empty.Element(Biaya).Mutu != "" {
		t.Errorf("empty figures = %+v", empty)
	}
	if len(empty.Ranked()) != NumElements || empty.Ranked()[0].Element != Persyaratan {
		t.Errorf("empty ranking = %v", empty.Ranked())
	}
	var one Tally
	one.Add(Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4})
	f := rules.Figures(one)
	if f.Responses != 1 || f.IKM != 100 || f.Value != 4 || f.Mutu != MutuA || f.Element(Sarana).Answers != [4]int64{0, 0, 0, 1} {
		t.Errorf("one response of fours = %+v, want 100.00 A", f)
	}
	if got := (ReportRules{TemplateMode: true}).Figures(one).IKM; got != 99.9 {
		t.Errorf("template mode of all fours = %v, want 99.9", got)
	}
}

func TestFiguresRoundingBoundaries(t *testing.T) {
	// docs/domain.md#examples (D) as whole tallies: 2,500 responses whose mean answer
	// is the table's boundary; then 5,000 responses landing exactly on a
	// half hundredth, which rounds up.
	for _, tc := range []struct {
		n, total int64
		ikm      float64
		mutu     Mutu
	}{
		{2500, 79479, 88.31, MutuA}, {2500, 79470, 88.30, MutuB},
		{2500, 68949, 76.61, MutuB}, {2500, 68940, 76.60, MutuC},
		{2500, 58500, 65.00, MutuC}, {2500, 58491, 64.99, MutuD},
		{5000, 158949, 88.31, MutuA}, {5000, 137889, 76.61, MutuB}, {5000, 116991, 65.00, MutuC},
		{1, 9, 25, MutuD},
	} {
		f := DefaultReportRules().Figures(tallyOfTotal(t, tc.n, tc.total))
		if f.IKM != tc.ikm || f.Mutu != tc.mutu {
			t.Errorf("n=%d total=%d: IKM %v %s, want %v %s", tc.n, tc.total, f.IKM, f.Mutu, tc.ikm, tc.mutu)
		}
	}
}

func TestHidden(t *testing.T) {
	r := DefaultReportRules()
	for n, want := range map[int64]bool{0: false, 1: true, 4: true, 5: false, 30: false} {
		if got := r.Hidden(n); got != want {
			t.Errorf("Hidden(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestGroupAndSumCells(t *testing.T) {
	var a, b Tally
	a.Add(Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4})
	b.Add(Ratings{1, 1, 1, 1, 1, 1, 1, 1, 1})
	b.Add(Ratings{2, 2, 2, 2, 2, 2, 2, 2, 2})
	cells := []Cell{
		{Month: "2026-11", Unit: "Dafduk", NIP: "x", Tally: a},
		{Month: "2026-10", Unit: "Dafduk", NIP: "y", Suspect: true, Tally: b},
		{Month: "2026-11", Unit: "Capil", NIP: "y", Tally: b},
	}
	g := GroupCells(cells, ByMonth)
	if len(g) != 2 || g[0].Key != "2026-10" || g[0].Tally.N != 2 || g[1].Tally.N != 3 {
		t.Errorf("by month = %+v", g)
	}
	if g := GroupCells(cells, BySuspect); len(g) != 2 || g[0].Key != "false" || g[0].Tally.N != 3 {
		t.Errorf("by suspect = %+v", g)
	}
	if got := SumCells(cells, func(c Cell) bool { return c.NIP == "y" }); got.N != 4 || got.Sum[0] != 6 {
		t.Errorf("sum of y = %+v", got)
	}
	if got := SumCells(cells, nil); got.N != 5 {
		t.Errorf("sum of all = %d, want 5", got.N)
	}
}

func TestCountProfiles(t *testing.T) {
	counts := CountProfiles([]ProfileCell{
		{Profile: Profile{AgeBand: "30-39", Sex: "P"}, N: 3},
		{Profile: Profile{AgeBand: "30-39", Sex: "L", Education: "s1"}, N: 1},
	})
	get := func(field, code string) ProfileCount {
		for _, c := range counts {
			if c.Field == field && c.Code == code {
				return c
			}
		}
		t.Fatalf("no line %s=%q", field, code)
		return ProfileCount{}
	}
	if c := get("sex", "P"); c.N != 3 || c.Share != 75 {
		t.Errorf("sex P = %+v, want 3 (75 %%)", c)
	}
	if c := get("education", ""); c.N != 3 || c.Option.EN != "Not given" {
		t.Errorf("education not given = %+v", c)
	}
	if c := get("age_band", "60+"); c.N != 0 || c.Share != 0 {
		t.Errorf("age 60+ = %+v", c)
	}
}

func TestParseReportPeriod(t *testing.T) {
	jkt := time.FixedZone("WIB", 7*3600)
	for _, tc := range []struct{ code, from, to, want, first, last string }{
		{"2026-q4", "", "", "2026-Q4", "2026-10-01", "2026-12-31"},
		{"2026-11", "", "", "2026-11", "2026-11-01", "2026-11-30"},
		{"", "2026-11-01", "2026-11-30", "2026-11", "2026-11-01", "2026-11-30"},
		{"", "2026-02", "2026-07", "2026-02~2026-07", "2026-02-01", "2026-07-31"},
		{"2026-02~2026-07", "", "", "2026-02~2026-07", "2026-02-01", "2026-07-31"},
		{"2026-10-01~2026-12-31", "", "", "2026-Q4", "2026-10-01", "2026-12-31"},
		{"", "2026-07", "2026-12", "2026-S2", "2026-07-01", "2026-12-31"},
		{"", "2025-11", "2026-02", "2025-11~2026-02", "2025-11-01", "2026-02-28"},
	} {
		p, code, err := ParseReportPeriod(tc.code, tc.from, tc.to, jkt)
		if err != nil {
			t.Fatalf("%q %q %q: %v", tc.code, tc.from, tc.to, err)
		}
		if f, l := p.Days(); code != tc.want || f != tc.first || l != tc.last {
			t.Errorf("%q %q %q = %s %s..%s, want %s %s..%s", tc.code, tc.from, tc.to, code, f, l, tc.want, tc.first, tc.last)
		}
	}
	for _, tc := range []struct{ code, from, to, field string }{
		{"2026-Q4", "2026-01-01", "", "period"},
		{"", "2026-01-01", "", "to"},
		{"", "", "", "from"},
		{"2026-Q9", "", "", "period"},
		{"", "2026-01-32", "2026-02-01", "from"},
		{"", "2020-01", "2026-01", "to"},
		// Days that do not make whole months: the differencing the rule closes.
		{"", "2026-11-03", "2026-11-09", "from"},
		{"", "2026-11-01", "2026-11-09", "to"},
		{"2026-11-03~2026-11-30", "", "", "from"},
		{"", "2026-07", "2026-02", "to"},
		{"1999", "", "", "period"},
	} {
		_, _, err := ParseReportPeriod(tc.code, tc.from, tc.to, jkt)
		if e := AsError(err); e == nil || e.Code != EINVALID || e.Field != tc.field {
			t.Errorf("%q %q %q: err = %v, want EINVALID on %s", tc.code, tc.from, tc.to, err, tc.field)
		}
	}
}

func TestRecentPeriods(t *testing.T) {
	jkt := time.FixedZone("WIB", 7*3600)
	// On 8 December November has settled: it is the latest period offered.
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, jkt)
	ps := RecentPeriods(now, jkt)
	if len(ps) != 27 || ps[0] != "2026-11" || ps[11] != "2025-12" || ps[12] != "2026-Q4" || ps[19] != "2025-Q1" ||
		ps[20] != "2026-S2" || ps[23] != "2025-S1" || ps[24] != "2026" || ps[26] != "2024" {
		t.Errorf("recent periods = %v", ps)
	}
	if ps := RecentPeriods(now.AddDate(0, 0, -1), jkt); ps[0] != "2026-10" {
		t.Errorf("on 7 December the latest period offered is %s, want 2026-10 (November settles on the 8th)", ps[0])
	}
	for _, p := range ps {
		if _, _, err := ParseReportPeriod(p, "", "", jkt); err != nil {
			t.Errorf("recent period %q does not parse: %v", p, err)
		}
	}
	if got := QuarterCode(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), jkt); got != "2026-Q2" {
		t.Errorf("quarter of 31 March 23:00 UTC (1 April WIB) = %s, want 2026-Q2", got)
	}
}

func TestFiguresUngraded(t *testing.T) {
	var tl Tally
	tl.Add(Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4})
	f := DefaultReportRules().Figures(tl)
	u := f.Ungraded()
	if u.Mutu != "" || u.Kinerja("id") != "" || u.Element(Biaya).Mutu != "" || u.IKM != 100 || u.Element(Biaya).NRR != 4 {
		t.Errorf("ungraded = %+v", u)
	}
	if f.Mutu != MutuA || f.Element(Biaya).Mutu != MutuA {
		t.Error("Ungraded changed the original figures")
	}
}
