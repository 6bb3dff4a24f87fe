package survey

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Interval is a two-sided 95 % interval on the converted scale (25–100).
type Interval struct {
	Low     float64 `json:"low"`
	High    float64 `json:"high"`
	Defined bool    `json:"-"` // false without responses
}

// PriorWeight is the total weight of the interval's Dirichlet prior: one
// pseudo-response spread evenly over every score a response can have.
// docs/reports-api.md explains the choice and the coverage it gives.
const PriorWeight = 1.0

// LevelInterval returns the 95 % interval of the mean of answers counted
// per level, the levels spaced evenly over the converted scale 25–100
// (counts[0] at 25, the last at 100): for one element's answers 1–4, four
// levels; for individual scores over k attributable elements, 3k+1.
//
// The answers are bounded and ordinal and n is small, so the interval is
// Bayesian: a Dirichlet posterior over the levels, with a prior of total
// weight PriorWeight spread evenly over them, and the 2.5 % and 97.5 %
// quantiles of the posterior mean, read from the Beta distribution with the
// same mean and variance (the mean of Dirichlet weights over [0, 1] is close
// to Beta, and exactly Beta for two levels). It is deterministic, never of
// zero width (thirty identical answers leave room for a different thirty-
// first), stays inside 25–100, and contains the observed mean. Its coverage
// is checked by simulation in stats_test.go.
func LevelInterval(counts []int64) Interval {
	k := len(counts)
	var n float64
	for _, c := range counts {
		n += float64(c)
	}
	if k < 2 || n == 0 {
		return Interval{}
	}
	a := PriorWeight / float64(k)
	total := n + PriorWeight
	var mean, second, observed float64
	for j, c := range counts {
		v := float64(j) / float64(k-1)
		w := (float64(c) + a) / total
		mean += v * w
		second += v * v * w
		observed += v * float64(c)
	}
	observed /= n
	variance := (second - mean*mean) / (total + 1)
	phi := mean*(1-mean)/variance - 1
	lo := mathext.InvRegIncBeta(mean*phi, (1-mean)*phi, 0.025)
	hi := mathext.InvRegIncBeta(mean*phi, (1-mean)*phi, 0.975)
	// The prior pulls a sample at an end of the scale a little inwards:
	// widen the interval to the observed mean rather than exclude it.
	lo, hi = math.Min(lo, observed), math.Max(hi, observed)
	return Interval{Low: 25 + 75*lo, High: 25 + 75*hi, Defined: true}
}

// Rounded returns the interval with both bounds rounded to two decimals.
func (i Interval) Rounded() Interval {
	if i.Defined {
		i.Low, i.High = Round2(i.Low), Round2(i.High)
	}
	return i
}

// IndividualScore is one response's score for a person: the mean of the
// officer-attributable elements' answers (1–4).
func IndividualScore(r Ratings, attributable []Element) float64 {
	var sum, n float64
	for _, e := range attributable {
		if v := r.Get(e); v > 0 {
			sum += float64(v)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}
