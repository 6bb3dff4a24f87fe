package survey

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// ReportRules are the fairness rules of appraisal reports: central's
// [reports] configuration, checked there.
type ReportRules struct {
	// MinResponses is the count below which a per-person figure is not final.
	MinResponses int
	// MinCell hides any cell built from fewer responses (k-anonymity).
	MinCell int
	// Attributable lists the elements a person is judged on.
	Attributable []Element
	// RewardLowerBound: a reward candidate's interval lower bound is at least this (25–100).
	RewardLowerBound float64
	// CoachingUpperBound: a coaching candidate's interval upper bound is below this (25–100).
	CoachingUpperBound float64
	// CoachingWeakMonths: an attributable element that is the person's weakest
	// and below CoachingUpperBound in this many months makes a coaching
	// candidate too (0 turns the rule off).
	CoachingWeakMonths int
	// TemplateMode computes IKM with the legacy 0,111 weight.
	TemplateMode bool
	// Contest holds the thresholds of the detectors that contest unverified ratings.
	Contest ContestRules
}

// DefaultReportRules returns the rules central uses without configuration.
func DefaultReportRules() ReportRules {
	return ReportRules{MinResponses: 30, MinCell: 5, Attributable: []Element{Kompetensi, Perilaku},
		RewardLowerBound: 88.31, CoachingUpperBound: 76.61, CoachingWeakMonths: 3, Contest: DefaultContestRules()}
}

// Hidden reports whether a cell of n responses must not be shown: it has
// some responses but fewer than MinCell, so a staff member might tell which
// citizen gave which rating.
func (r ReportRules) Hidden(n int64) bool { return n > 0 && n < int64(r.MinCell) }

// IsAttributable reports whether a person is judged on element e.
func (r ReportRules) IsAttributable(e Element) bool { return slices.Contains(r.Attributable, e) }

// AttributableNames lists the names of the attributable elements in lang.
func (r ReportRules) AttributableNames(lang string) string {
	names := make([]string, len(r.Attributable))
	for i, e := range r.Attributable {
		names[i] = e.Name(lang)
	}
	return strings.Join(names, ", ")
}

// Index returns the IKM of t with exact 1/9 weights, or the legacy template
// weight in template mode.
func (r ReportRules) Index(t Tally) Index {
	if r.TemplateMode {
		return t.TemplateIndex()
	}
	return t.Index()
}

// ElementFigure is one element's line in a report.
type ElementFigure struct {
	Element Element `json:"code"`
	// NRR is the element's average answer (1–4), rounded to two decimals.
	NRR float64 `json:"nrr"`
	// Weighted is the NRR times the element weight (1/9, or 0,111 in
	// template mode) to six decimals: the "NRR tertimbang" column. The nine
	// are rounded together (WeightedMicros) so that 25 × their sum, rounded
	// half up to two decimals, is exactly the headline IKM.
	Weighted float64 `json:"nrr_weighted"`
	// Answers counts the answers 1, 2, 3 and 4.
	Answers [4]int64 `json:"answers"`
	// Mutu grades the element on its own (NRR × 25, rounded).
	Mutu Mutu `json:"mutu,omitempty"`
	// Rank orders the elements by NRR, 1 for the lowest.
	Rank int `json:"rank"`

	nrr float64 // full precision, for ranking
}

// Total returns the sum of the element's answers (Σ nilai persepsi).
func (e ElementFigure) Total() int64 {
	return e.Answers[0] + 2*e.Answers[1] + 3*e.Answers[2] + 4*e.Answers[3]
}

// Count returns how many responses answered the element.
func (e ElementFigure) Count() int64 {
	return e.Answers[0] + e.Answers[1] + e.Answers[2] + e.Answers[3]
}

// Figures are the SKM figures of a set of responses (PermenPAN-RB 14/2017):
// what every page, API answer and export shows for them.
type Figures struct {
	Responses int64 `json:"responses"`
	// Value is the index on the 1–4 scale (nilai indeks), rounded to four decimals.
	Value float64 `json:"index"`
	// IKM is the converted value (25–100), rounded to two decimals.
	IKM float64 `json:"ikm"`
	// Mutu is the grade of IKM; "" without responses.
	Mutu Mutu `json:"mutu,omitempty"`
	// Template marks figures computed with the legacy 0,111 weight.
	Template bool            `json:"template_mode"`
	Elements []ElementFigure `json:"elements"`
	// WeightedSum is the sum of the elements' Weighted, six decimals.
	WeightedSum float64 `json:"-"`
}

// Figures computes the report figures of t.
func (r ReportRules) Figures(t Tally) Figures {
	x := r.Index(t)
	f := Figures{Responses: t.N, Template: x.Template, Elements: make([]ElementFigure, NumElements)}
	weight := 1.0 / NumElements
	if x.Template {
		weight = TemplateWeight
	}
	var exact [NumElements]float64
	for i := range Elements {
		if t.answered(i) > 0 {
			exact[i] = x.NRR[i] * weight
		}
	}
	micros := WeightedMicros(exact, x.Cents)
	for i, e := range Elements {
		ef := ElementFigure{Element: e, Answers: t.Dist[i], nrr: x.NRR[i]}
		if t.answered(i) > 0 {
			ef.NRR, ef.Weighted, ef.Mutu = Round2(x.NRR[i]), float64(micros[i])/1e6, Classify(x.NRR[i]*25)
			f.WeightedSum += float64(micros[i])
		}
		f.Elements[i] = ef
	}
	f.WeightedSum /= 1e6
	for i, e := range f.Ranked() {
		f.Elements[e.Element.Index()].Rank = i + 1
	}
	if t.N > 0 {
		f.Value, f.IKM, f.Mutu = roundTo(x.Value, 4), x.Rounded(), x.Mutu
	}
	return f
}

// WeightedMicros rounds the weighted NRR of the elements (exact, on the
// 1–4 scale) to millionths so that they add up to a sum S whose 25 × S,
// rounded half up to hundredths, is cents: the element table then
// recomputes the headline IKM, and its grade, exactly. Each stays within
// two millionths of its exact value: the sum is the exact sum rounded,
// kept one millionth inside the headline's rounding interval, and shared
// out by largest remainder.
func WeightedMicros(exact [NumElements]float64, cents int64) [NumElements]int64 {
	var out [NumElements]int64
	var sum float64
	var floors int64
	for i, x := range exact {
		out[i] = int64(math.Floor(x * 1e6))
		floors += out[i]
		sum += x * 1e6
	}
	if sum == 0 {
		return out
	}
	// 25 × S / 10⁶ rounds to cents / 100 exactly when S / 400 is in
	// [cents − ½, cents + ½): keep S one millionth inside.
	target := min(max(int64(math.Round(sum)), 400*cents-199), 400*cents+199)
	order := make([]int, 0, NumElements)
	for i, x := range exact {
		if x > 0 {
			order = append(order, i)
		}
	}
	rem := func(i int) float64 { return exact[i]*1e6 - float64(out[i]) }
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem(b), rem(a)) })
	// Largest remainders first up, smallest first down.
	for d, j := target-floors, 0; d != 0 && len(order) > 0; j++ {
		if d > 0 {
			out[order[j%len(order)]]++
			d--
		} else {
			out[order[len(order)-1-j%len(order)]]--
			d++
		}
	}
	return out
}

// Ungraded returns the figures without mutu, for the responses about one
// person: a grade (and its kinerja label) describes a service unit, and no
// person is given one.
func (f Figures) Ungraded() Figures {
	f.Mutu = ""
	f.Elements = slices.Clone(f.Elements)
	for i := range f.Elements {
		f.Elements[i].Mutu = ""
	}
	return f
}

// Empty reports whether no response stands behind the figures.
func (f Figures) Empty() bool { return f.Responses == 0 }

// Kinerja returns the performance label of the grade (kinerja unit pelayanan).
func (f Figures) Kinerja(lang string) string { return f.Mutu.Kinerja(lang) }

// Ranked returns the elements lowest NRR first (ties in the regulation's
// order): the follow-up plan starts with the first.
func (f Figures) Ranked() []ElementFigure {
	out := slices.Clone(f.Elements)
	slices.SortStableFunc(out, func(a, b ElementFigure) int {
		switch {
		case a.nrr < b.nrr:
			return -1
		case a.nrr > b.nrr:
			return 1
		}
		return 0
	})
	return out
}

// Element returns the figure of element e.
func (f Figures) Element(e Element) ElementFigure {
	if i := e.Index(); i >= 0 && i < len(f.Elements) {
		return f.Elements[i]
	}
	return ElementFigure{Element: e}
}

// Round4 rounds x half away from zero to four decimals.
func Round4(x float64) float64 { return roundTo(x, 4) }

// roundTo rounds x to d decimals, first on its shortest decimal form so that
// a value written as 3.6205 rounds as written, not as its binary neighbour.
func roundTo(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(math.Round(x*p*100)/100) / p
}
