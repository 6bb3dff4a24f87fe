package survey

import "math"

// Mutu is the quality grade of PermenPAN-RB 14/2017's interval table.
type Mutu string

// Grades, best first.
const (
	MutuA Mutu = "A"
	MutuB Mutu = "B"
	MutuC Mutu = "C"
	MutuD Mutu = "D"
)

// Kinerja returns the performance label (kinerja unit pelayanan) of the grade.
func (m Mutu) Kinerja(lang string) string {
	l, ok := kinerjaLabels[m]
	if !ok {
		return ""
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

var kinerjaLabels = map[Mutu][2]string{
	MutuA: {"Sangat Baik", "Very good"},
	MutuB: {"Baik", "Good"},
	MutuC: {"Kurang Baik", "Poor"},
	MutuD: {"Tidak Baik", "Very poor"},
}

// Lower bounds of the grades on the converted scale, in hundredths: the table
// is applied to the converted value rounded to two decimals (docs/domain.md#ikm).
const (
	minCentsA = 8831
	minCentsB = 7661
	minCentsC = 6500
)

// MutuForCents classifies a converted value given in hundredths (8831 = 88.31).
func MutuForCents(cents int64) Mutu {
	switch {
	case cents >= minCentsA:
		return MutuA
	case cents >= minCentsB:
		return MutuB
	case cents >= minCentsC:
		return MutuC
	default:
		return MutuD
	}
}

// Classify rounds a converted value (25–100) to two decimals and grades it.
func Classify(converted float64) Mutu { return MutuForCents(roundCents(converted)) }

// Round2 rounds x half away from zero to two decimals, for display.
func Round2(x float64) float64 { return float64(roundCents(x)) / 100 }

func roundCents(x float64) int64 {
	// Round on the shortest decimal form first so that 88.31 (stored as
	// 88.30999…) and 76.605 behave as written, not as their binary neighbours.
	return int64(math.Round(math.Round(x*1e6) / 1e4))
}

// Tally accumulates answers. It is the one input of every IKM figure, so
// pages, API and exports that share a Tally show the same numbers.
type Tally struct {
	N    int64                 // number of responses
	Sum  [NumElements]int64    // sum of answers per element
	Dist [NumElements][4]int64 // count of each answer 1–4 per element
}

// Add counts one response. Unanswered elements (0) are not counted; the kiosk
// makes all nine mandatory, so Sum[i] always divides by N.
func (t *Tally) Add(r Ratings) {
	t.N++
	for i, v := range r {
		if v >= 1 && v <= 4 {
			t.Sum[i] += int64(v)
			t.Dist[i][v-1]++
		}
	}
}

// Merge adds another tally, for rolling days up into months and units into offices.
func (t *Tally) Merge(o Tally) {
	t.N += o.N
	for i := range t.Sum {
		t.Sum[i] += o.Sum[i]
		for j := range t.Dist[i] {
			t.Dist[i][j] += o.Dist[i][j]
		}
	}
}

// answered returns how many responses answered element i.
func (t Tally) answered(i int) int64 {
	return t.Dist[i][0] + t.Dist[i][1] + t.Dist[i][2] + t.Dist[i][3]
}

// NRR returns the average answer (nilai rata-rata) of element e, 0 when nobody answered it.
func (t Tally) NRR(e Element) float64 {
	i := e.Index()
	if i < 0 {
		return 0
	}
	n := t.answered(i)
	if n == 0 {
		return 0
	}
	return float64(t.Sum[i]) / float64(n)
}

// Index is the IKM of a tally: NRR per element, the index on the 1–4 scale,
// the converted value (25–100) and its grade.
type Index struct {
	N         int64                // responses behind the figure
	NRR       [NumElements]float64 // per element, full precision
	Value     float64              // Σ NRR × 1/9 (the 1–4 scale)
	Converted float64              // Value × 25, full precision
	Cents     int64                // Converted rounded to hundredths, used for the grade
	Mutu      Mutu                 // grade from Cents; "" when N == 0
	Template  bool                 // computed with the legacy 0,111 weight
}

// Rounded returns the converted value rounded to two decimals, as displayed.
func (x Index) Rounded() float64 { return float64(x.Cents) / 100 }

// Empty reports whether no response stands behind the index.
func (x Index) Empty() bool { return x.N == 0 }

// Index computes the IKM with exact 1/9 weights: the mean of the nine NRR,
// times 25 (PermenPAN-RB 14/2017, nilai dasar 25). With every element answered
// by every response, the converted value is exactly 2500·ΣSum / (9·N) hundredths,
// which is rounded in integers so that grade boundaries are exact.
func (t Tally) Index() Index {
	x := Index{N: t.N}
	if t.N == 0 {
		return x
	}
	allAnswered := true
	var total int64
	for i, e := range Elements {
		x.NRR[i] = t.NRR(e)
		x.Value += x.NRR[i]
		total += t.Sum[i]
		if t.answered(i) != t.N {
			allAnswered = false
		}
	}
	x.Value /= NumElements
	x.Converted = x.Value * 25
	if allAnswered {
		num, den := 2500*total, int64(NumElements)*t.N
		x.Cents = (2*num + den) / (2 * den) // half up, in integers
	} else {
		x.Cents = roundCents(x.Converted)
	}
	x.Mutu = MutuForCents(x.Cents)
	return x
}

// TemplateWeight is the rounded weight of the official spreadsheet template.
const TemplateWeight = 0.111

// TemplateIndex computes the IKM the way the legacy spreadsheet template does
// (Σ NRR × 0,111 × 25), for an office that must match an old report. It is
// always labelled as such; its maximum is 99.9, not 100.
func (t Tally) TemplateIndex() Index {
	x := t.Index()
	if t.N == 0 {
		return x
	}
	var sum float64
	for _, v := range x.NRR {
		sum += v
	}
	x.Value = sum * TemplateWeight
	x.Converted = x.Value * 25
	x.Cents = roundCents(x.Converted)
	x.Mutu = MutuForCents(x.Cents)
	x.Template = true
	return x
}
