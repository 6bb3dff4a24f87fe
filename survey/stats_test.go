package survey

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestLevelIntervalProperties: the interval is never of zero width, stays in
// 25–100, holds the observed mean, is symmetric for symmetric answers and
// narrows as answers accumulate.
func TestLevelIntervalProperties(t *testing.T) {
	// Thirty answers of 4 do not prove that the thirty-first will be a 4.
	fours := LevelInterval([]int64{0, 0, 0, 30})
	if !fours.Defined || fours.High != 100 || fours.Low >= 98 || fours.Low <= 90 {
		t.Errorf("thirty 4s: %+v, want a lower bound between 90 and 98 and 100 above", fours)
	}
	ones := LevelInterval([]int64{30, 0, 0, 0})
	if ones.Low != 25 || ones.High <= 27 || ones.High >= 35 {
		t.Errorf("thirty 1s: %+v, want 25 below and an upper bound between 27 and 35", ones)
	}
	if got := LevelInterval([]int64{0, 0, 1, 0}); !got.Defined || got.High-got.Low < 30 {
		t.Errorf("one answer: %+v, want a wide interval", got)
	}
	sym := LevelInterval([]int64{10, 5, 5, 10})
	if math.Abs((sym.Low-25)-(100-sym.High)) > 1e-9 || sym.Low >= 62.5 || sym.High <= 62.5 {
		t.Errorf("symmetric answers: %+v, want symmetric around 62.5", sym)
	}
	small, large := LevelInterval([]int64{1, 2, 12, 15}), LevelInterval([]int64{10, 20, 120, 150})
	if large.High-large.Low >= small.High-small.Low {
		t.Errorf("300 answers %+v not narrower than 30 %+v", large, small)
	}
	if (LevelInterval(nil) != Interval{}) || (LevelInterval([]int64{0, 0, 0, 0}) != Interval{}) {
		t.Error("an interval without answers")
	}
}

// coverageCase is a distribution of a person's two attributable answers:
// each answer is 1–4 with probabilities p, and the second repeats the first
// with probability same (answers to kompetensi and perilaku go together).
type coverageCase struct {
	name string
	p    [4]float64
	same float64
}

// draw returns one response's score (the sum of its k answers).
func (c coverageCase) draw(r *rand.Rand, k int) int {
	answer := func() int {
		u := r.Float64()
		for i, x := range c.p {
			if u < x {
				return i + 1
			}
			u -= x
		}
		return 4
	}
	first := answer()
	s := first
	for range k - 1 {
		if r.Float64() < c.same {
			s += first
		} else {
			s += answer()
		}
	}
	return s
}

// expected returns the exact mean score of k answers.
func (c coverageCase) expected(k int) float64 {
	var m float64
	for i, x := range c.p {
		m += float64(i+1) * x
	}
	return float64(k) * m // every answer has the same marginal distribution
}

// coverageCases are realistic distributions of ratings of one officer, from
// a near-certain 4 to polarised.
var coverageCases = []coverageCase{
	{"typical", [4]float64{.02, .05, .38, .55}, .7},
	{"excellent", [4]float64{0, .02, .08, .90}, .7},
	{"nearly all 4", [4]float64{0, 0, .03, .97}, .7},
	{"mediocre", [4]float64{.05, .30, .50, .15}, .6},
	{"polarised", [4]float64{.30, .10, .10, .50}, .8},
	{"poor", [4]float64{.20, .50, .25, .05}, .6},
}

// Coverage band of LevelInterval at n = 30, documented in docs/reports-api.md:
// each distribution's interval holds the true mean in 93–97.5 % of samples.
const coverageLow, coverageHigh = 0.93, 0.975

// TestLevelIntervalCoverage draws 2,000 samples of 30 responses from each
// distribution, for one element (k = 1, the weakest-element rule) and for
// the default two attributable elements (k = 2), with a fixed seed, and
// counts how often the interval holds the true mean.
func TestLevelIntervalCoverage(t *testing.T) {
	const n, trials = 30, 2000
	for _, k := range []int{1, 2} {
		for _, c := range coverageCases {
			r := rand.New(rand.NewPCG(uint64(k), 30))
			truth := 25 * c.expected(k) / float64(k)
			covered := 0
			for range trials {
				levels := make([]int64, 3*k+1)
				for range n {
					levels[c.draw(r, k)-k]++
				}
				if ci := LevelInterval(levels); ci.Low <= truth && truth <= ci.High {
					covered++
				}
			}
			got := float64(covered) / trials
			if got < coverageLow || got > coverageHigh {
				t.Errorf("k=%d %s: coverage %.3f, want %.2f–%.2f", k, c.name, got, coverageLow, coverageHigh)
			}
			t.Logf("k=%d %-13s coverage %.3f", k, c.name, got)
		}
	}
}

// BenchmarkLevelInterval is the cost of one person's interval (k = 2, seven
// score levels): lists of thousands of officers compute two to five each.
func BenchmarkLevelInterval(b *testing.B) {
	levels := []int64{0, 1, 2, 3, 6, 10, 18}
	for b.Loop() {
		LevelInterval(levels)
	}
}

func TestParsePeriod(t *testing.T) {
	jkt := time.FixedZone("WIB", 7*3600)
	for in, want := range map[string][2]string{
		"2026-11": {"2026-11-01", "2026-11-30"}, "2026-Q4": {"2026-10-01", "2026-12-31"},
		"2026-S1": {"2026-01-01", "2026-06-30"}, "2026": {"2026-01-01", "2026-12-31"},
	} {
		p, err := ParsePeriod(in, jkt)
		if err != nil {
			t.Fatal(err)
		}
		if f, l := p.Days(); f != want[0] || l != want[1] {
			t.Errorf("%s = %s..%s, want %v", in, f, l, want)
		}
	}
	for _, bad := range []string{"2026-13", "2026-Q5", "26", "2026-S3", ""} {
		if _, err := ParsePeriod(bad, jkt); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	p, _ := ParsePeriod("2026-Q4", jkt)
	if ms := p.Months(); len(ms) != 3 || ms[2].Label != "2026-12" {
		t.Errorf("months = %+v", ms)
	}
	closed := p.ClosedAt(time.Date(2026, 11, 26, 15, 0, 0, 0, jkt))
	if _, l := closed.Days(); l != "2026-11-25" {
		t.Errorf("closed period ends %s, want 2026-11-25", l)
	}
	if _, err := ParseRange("2026-11-05", "2026-11-01", jkt); err == nil {
		t.Error("reversed range accepted")
	}
}
