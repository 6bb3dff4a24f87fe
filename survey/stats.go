package survey

import "math"

// Interval is a two-sided 95 % confidence interval on the converted scale (25–100).
type Interval struct {
	Low, High float64
	Defined   bool // false below two responses
}

// MeanInterval returns the mean of values and its 95 % confidence interval
// (Student's t), both multiplied by scale and clipped to [lo, hi].
func MeanInterval(sum, sumSq float64, n int64, scale, lo, hi float64) (float64, Interval) {
	if n == 0 {
		return 0, Interval{}
	}
	mean := sum / float64(n)
	if n < 2 {
		return mean * scale, Interval{}
	}
	variance := (sumSq - float64(n)*mean*mean) / float64(n-1)
	if variance < 0 {
		variance = 0 // rounding when every value is equal
	}
	half := tQuantile975(n-1) * math.Sqrt(variance/float64(n))
	return mean * scale, Interval{Low: math.Max(lo, (mean-half)*scale), High: math.Min(hi, (mean+half)*scale), Defined: true}
}

// tQuantile975 returns the 0.975 quantile of Student's t with df degrees of
// freedom: exact table values for small df, then the Cornish–Fisher
// expansion, whose error is below 0.001 from df = 30.
func tQuantile975(df int64) float64 {
	table := []float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df < int64(len(table)) {
		return table[df]
	}
	const z = 1.959963984540054
	d := float64(df)
	z3, z5, z7 := z*z*z, math.Pow(z, 5), math.Pow(z, 7)
	return z + (z3+z)/(4*d) + (5*z5+16*z3+3*z)/(96*d*d) + (3*z7+19*z5+17*z3-15*z)/(384*d*d*d)
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
