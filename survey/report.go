package survey

import (
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
	// template mode), rounded to three decimals: the "NRR tertimbang" column.
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
}

// Figures computes the report figures of t.
func (r ReportRules) Figures(t Tally) Figures {
	x := r.Index(t)
	f := Figures{Responses: t.N, Template: x.Template, Elements: make([]ElementFigure, NumElements)}
	weight := 1.0 / NumElements
	if x.Template {
		weight = TemplateWeight
	}
	for i, e := range Elements {
		ef := ElementFigure{Element: e, Answers: t.Dist[i], nrr: x.NRR[i]}
		if t.answered(i) > 0 {
			ef.NRR, ef.Weighted, ef.Mutu = Round2(x.NRR[i]), roundTo(x.NRR[i]*weight, 3), Classify(x.NRR[i]*25)
		}
		f.Elements[i] = ef
	}
	for i, e := range f.Ranked() {
		f.Elements[e.Element.Index()].Rank = i + 1
	}
	if t.N > 0 {
		f.Value, f.IKM, f.Mutu = roundTo(x.Value, 4), x.Rounded(), x.Mutu
	}
	return f
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
