package survey

import (
	"fmt"
	"slices"
	"strings"
)

// PersonCell sums the individual scores of one staff member's responses in
// one month, verification and suspicion. A response's score is the sum of
// its answers to the attributable elements; Sum and SumSq add those scores
// and their squares, exactly, so that means and intervals can be derived for
// any union of cells.
type PersonCell struct {
	NIP      string
	Month    string // YYYY-MM, Asia/Jakarta
	Verified bool
	Suspect  bool
	N        int64
	Sum      int64
	SumSq    int64
}

// PersonStatus says how far a per-person figure may be used.
type PersonStatus string

// Per-person statuses.
const (
	PersonNoData     PersonStatus = "no_responses" // nothing in the period
	PersonSuppressed PersonStatus = "suppressed"   // fewer than MinCell responses: not shown
	PersonNotFinal   PersonStatus = "not_final"    // fewer than MinResponses: shown, not final
	PersonFinal      PersonStatus = "final"
)

// Individual is a staff member's individual index over the attributable
// elements: evidence for a human appraiser, never a verdict (UU 27/2022
// Pasal 10), so it carries its count, its 95 % interval and its status.
type Individual struct {
	Responses int64
	// Index is the mean score × 25 (25–100), rounded to two decimals; 0 when suppressed.
	Index float64
	// Interval is the 95 % confidence interval, rounded to two decimals.
	Interval     Interval
	Status       PersonStatus
	MinResponses int
	MinCell      int
}

// Shown reports whether the figure may be displayed.
func (i Individual) Shown() bool { return i.Status == PersonFinal || i.Status == PersonNotFinal }

// Final reports whether the figure rests on enough responses to be used.
func (i Individual) Final() bool { return i.Status == PersonFinal }

// Reason explains a status other than final, in lang ("id" or "en").
func (i Individual) Reason(lang string) string {
	en, id := "", ""
	switch i.Status {
	case PersonNoData:
		en, id = "no responses in this period", "belum ada penilaian pada periode ini"
	case PersonSuppressed:
		en = fmt.Sprintf("%d responses, fewer than %d: hidden so that no one can tell which citizen gave which rating", i.Responses, i.MinCell)
		id = fmt.Sprintf("%d penilaian, kurang dari %d: disembunyikan agar tidak ada yang dapat menebak warga mana memberi nilai apa", i.Responses, i.MinCell)
	case PersonNotFinal:
		en = fmt.Sprintf("not final: %d responses, fewer than the minimum of %d for the period", i.Responses, i.MinResponses)
		id = fmt.Sprintf("belum final: %d penilaian, kurang dari minimum %d untuk periode ini", i.Responses, i.MinResponses)
	}
	if lang == "en" {
		return en
	}
	return id
}

// Individual computes the individual index of the given cells (one person's).
func (r ReportRules) Individual(cells []PersonCell) Individual {
	var n, sum, sq int64
	for _, c := range cells {
		n, sum, sq = n+c.N, sum+c.Sum, sq+c.SumSq
	}
	x := Individual{Responses: n, MinResponses: r.MinResponses, MinCell: r.MinCell}
	k := int64(len(r.Attributable))
	switch {
	case n == 0 || k == 0:
		x.Status = PersonNoData
		return x
	case r.Hidden(n):
		x.Status = PersonSuppressed
		return x
	case n < int64(r.MinResponses):
		x.Status = PersonNotFinal
	default:
		x.Status = PersonFinal
	}
	// Mean score × 25 in hundredths is 2500·sum / (n·k): rounded half up in integers.
	num, den := 2500*sum, n*k
	x.Index = float64((2*num+den)/(2*den)) / 100
	kf := float64(k)
	_, ci := MeanInterval(float64(sum)/kf, float64(sq)/(kf*kf), n, 25, 25, 100)
	if ci.Defined {
		ci.Low, ci.High = Round2(ci.Low), Round2(ci.High)
	}
	x.Interval = ci
	return x
}

// PersonCellsWhere returns the cells keep accepts.
func PersonCellsWhere(cells []PersonCell, keep func(PersonCell) bool) []PersonCell {
	var out []PersonCell
	for _, c := range cells {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// PersonInput is what the appraisal lists need about one staff member for a period.
type PersonInput struct {
	Staff Staff
	// Scores are the person's score cells of the period.
	Scores []PersonCell
	// Cells are the person's rollup cells of the period (per month), for the
	// monthly NRR of each attributable element.
	Cells []Cell
}

// Evidence is one reason a person is on an appraisal list, with the figures
// behind it, for the appraiser to check.
type Evidence struct {
	// Rule is "interval_low", "interval_high" or "weakest_element".
	Rule    string   `json:"rule"`
	Element Element  `json:"element,omitempty"`
	Months  []string `json:"months,omitempty"`
	// Value is the figure compared with Bound: an interval bound, or the
	// number of months for weakest_element.
	Value float64 `json:"value"`
	Bound float64 `json:"bound"`
	// NRR holds the element's NRR in each of Months (weakest_element).
	NRR []float64 `json:"nrr,omitempty"`
}

// Text explains the evidence in lang ("id" or "en").
func (e Evidence) Text(lang string) string {
	switch e.Rule {
	case "interval_low":
		if lang == "en" {
			return fmt.Sprintf("lower bound of the 95 %% interval %.2f ≥ %.2f, with and without suspect responses", e.Value, e.Bound)
		}
		return fmt.Sprintf("batas bawah interval 95 %% %s ≥ %s, dengan maupun tanpa penilaian mencurigakan", idNum(e.Value), idNum(e.Bound))
	case "interval_high":
		if lang == "en" {
			return fmt.Sprintf("upper bound of the 95 %% interval %.2f < %.2f, with and without suspect responses", e.Value, e.Bound)
		}
		return fmt.Sprintf("batas atas interval 95 %% %s < %s, dengan maupun tanpa penilaian mencurigakan", idNum(e.Value), idNum(e.Bound))
	case "weakest_element":
		months := strings.Join(e.Months, ", ")
		if lang == "en" {
			return fmt.Sprintf("%s was the weakest attributable element and below %.2f in %d months (%s)", e.Element.Name("en"), e.Bound, len(e.Months), months)
		}
		return fmt.Sprintf("%s adalah unsur terlemah yang menjadi tanggung jawab petugas dan di bawah %s selama %d bulan (%s)", e.Element.Name("id"), idNum(e.Bound), len(e.Months), months)
	}
	return e.Rule
}

func idNum(x float64) string { return strings.Replace(fmt.Sprintf("%.2f", x), ".", ",", 1) }

// Candidate is a staff member on an appraisal list, with the evidence.
type Candidate struct {
	Staff Staff
	// All counts every response; Clean leaves suspect responses out. A rule
	// must hold for both, so neither planted nor pressed ratings make a candidate.
	All      Individual
	Clean    Individual
	Evidence []Evidence
}

// Appraisal holds the candidate lists of a period. It lists evidence; the
// appraiser decides (no predikat kinerja is assigned here).
type Appraisal struct {
	Reward   []Candidate
	Coaching []Candidate
	// Others are the staff on neither list, with their figures and status.
	Others []Candidate
}

// Appraise applies the reward and coaching rules to each person.
func (r ReportRules) Appraise(people []PersonInput) Appraisal {
	var a Appraisal
	clean := func(c PersonCell) bool { return !c.Suspect }
	for _, p := range people {
		c := Candidate{Staff: p.Staff, All: r.Individual(p.Scores), Clean: r.Individual(PersonCellsWhere(p.Scores, clean))}
		final := c.All.Final() && c.Clean.Final() && c.All.Interval.Defined && c.Clean.Interval.Defined
		if final && c.All.Interval.Low >= r.RewardLowerBound && c.Clean.Interval.Low >= r.RewardLowerBound {
			c.Evidence = []Evidence{{Rule: "interval_low", Value: min(c.All.Interval.Low, c.Clean.Interval.Low), Bound: r.RewardLowerBound}}
			a.Reward = append(a.Reward, c)
			continue
		}
		var ev []Evidence
		if final && c.All.Interval.High < r.CoachingUpperBound && c.Clean.Interval.High < r.CoachingUpperBound {
			ev = append(ev, Evidence{Rule: "interval_high", Value: max(c.All.Interval.High, c.Clean.Interval.High), Bound: r.CoachingUpperBound})
		}
		if final {
			ev = append(ev, r.weakestEvidence(p.Cells)...)
		}
		c.Evidence = ev
		if len(ev) > 0 {
			a.Coaching = append(a.Coaching, c)
		} else {
			a.Others = append(a.Others, c)
		}
	}
	return a
}

// weakestEvidence finds attributable elements that were the person's weakest
// and below the coaching line in at least CoachingWeakMonths months, both
// with and without suspect responses.
func (r ReportRules) weakestEvidence(cells []Cell) []Evidence {
	if r.CoachingWeakMonths <= 0 {
		return nil
	}
	all := r.WeakMonths(cells)
	clean := r.WeakMonths(slices.DeleteFunc(slices.Clone(cells), func(c Cell) bool { return c.Suspect }))
	var out []Evidence
	for _, e := range r.Attributable {
		var ev Evidence
		for _, m := range all[e] {
			if i := slices.IndexFunc(clean[e], func(x WeakMonth) bool { return x.Month == m.Month }); i >= 0 {
				ev.Months = append(ev.Months, m.Month)
				ev.NRR = append(ev.NRR, m.NRR)
			}
		}
		if len(ev.Months) >= r.CoachingWeakMonths {
			ev.Rule, ev.Element, ev.Value, ev.Bound = "weakest_element", e, float64(len(ev.Months)), r.CoachingUpperBound
			out = append(out, ev)
		}
	}
	return out
}

// WeakMonth is a month in which an attributable element was the person's
// weakest and graded below the coaching line.
type WeakMonth struct {
	Month string
	NRR   float64 // rounded to two decimals
}

// WeakMonths lists, per attributable element, the months (with at least
// MinCell responses) in which it was the person's weakest attributable
// element (ties count for each) and its NRR × 25 was below CoachingUpperBound.
func (r ReportRules) WeakMonths(cells []Cell) map[Element][]WeakMonth {
	out := map[Element][]WeakMonth{}
	for _, g := range GroupCells(cells, ByMonth) {
		if g.Tally.N < int64(r.MinCell) {
			continue
		}
		lowest := 5.0
		for _, e := range r.Attributable {
			lowest = min(lowest, g.Tally.NRR(e))
		}
		for _, e := range r.Attributable {
			nrr := g.Tally.NRR(e)
			if nrr == lowest && Round2(nrr*25) < r.CoachingUpperBound {
				out[e] = append(out[e], WeakMonth{Month: g.Key, NRR: Round2(nrr)})
			}
		}
	}
	return out
}
