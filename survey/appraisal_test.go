package survey

import (
	"fmt"
	"strings"
	"testing"
)

// scoreCells sums responses given as their attributable answers (kompetensi, perilaku).
func scoreCells(nip, month string, suspect bool, answers ...[2]int64) PersonCell {
	c := PersonCell{NIP: nip, Month: month, Suspect: suspect}
	for _, a := range answers {
		s := a[0] + a[1]
		c.N, c.Sum, c.SumSq = c.N+1, c.Sum+s, c.SumSq+s*s
		c.Scores[s]++
	}
	return c
}

// repeat returns n copies of a.
func repeat(n int, a [2]int64) [][2]int64 {
	out := make([][2]int64, n)
	for i := range out {
		out[i] = a
	}
	return out
}

func TestIndividualHandComputed(t *testing.T) {
	rules := DefaultReportRules()
	// 15 × (4, 4) and 15 × (4, 3): scores 8 and 7, mean 3.75 → 93.75. The
	// interval (LevelInterval) is over the seven levels of a score, 2–8, at
	// 0, 1/6 … 1 of the scale, with a prior of 1/7 on each: posterior mean
	// (15 + 15 × 5/6 + 1/7 × 3.5) / 31 = 28/31 = 0.903226, mean of squares
	// (15 + 15 × 25/36 + 1/7 × 91/36) / 31 = 0.831541, variance of the mean
	// (0.831541 − 0.903226²) / 32 = 0.00049137; the Beta of that mean and
	// variance is Beta(159.77, 17.12), whose 2.5 % and 97.5 % quantiles
	// 0.85573 and 0.94211 are 89.18 and 95.66 on 25–100. The Student-t
	// interval was 91.38–96.12: narrower, and blind to the bounded scale.
	cells := []PersonCell{
		scoreCells("x", "2026-10", false, repeat(15, [2]int64{4, 4})...),
		scoreCells("x", "2026-11", false, repeat(15, [2]int64{4, 3})...),
	}
	x := rules.Individual(cells)
	if x.Responses != 30 || x.Index != 93.75 || x.Status != PersonFinal || !x.Final() || !x.Shown() {
		t.Errorf("individual = %+v, want 30 responses, 93.75, final", x)
	}
	if !x.Interval.Defined || x.Interval.Low != 89.18 || x.Interval.High != 95.66 {
		t.Errorf("interval = %+v, want 89.18–95.66", x.Interval)
	}
	if x.Reason("id") != "" {
		t.Errorf("a final figure has a reason: %q", x.Reason("id"))
	}

	// Scores 8, 6, 8, 6: mean 3.5 → 87.5, and a wide interval on four
	// responses; under the minimum of 30.
	few := rules
	few.MinCell = 2
	y := few.Individual([]PersonCell{scoreCells("x", "2026-11", false, [2]int64{4, 4}, [2]int64{3, 3}, [2]int64{4, 4}, [2]int64{3, 3})})
	if y.Index != 87.5 || y.Interval.Low != 65.55 || y.Interval.High != 94.83 || y.Status != PersonNotFinal || !y.Shown() {
		t.Errorf("four responses = %+v, want 87.5 (65.55–94.83) not final", y)
	}
	if r := y.Reason("en"); !strings.Contains(r, "4 responses") || !strings.Contains(r, "30") {
		t.Errorf("reason = %q, want the count and the minimum", r)
	}
	if r := y.Reason("id"); !strings.Contains(r, "belum final") {
		t.Errorf("Indonesian reason = %q", r)
	}
}

func TestIndividualSuppressedAndEmpty(t *testing.T) {
	rules := DefaultReportRules()
	four := rules.Individual([]PersonCell{scoreCells("x", "2026-11", false, repeat(4, [2]int64{1, 1})...)})
	if four.Status != PersonSuppressed || four.Shown() || four.Index != 0 || four.Interval.Defined {
		t.Errorf("a cell of 4 = %+v, want suppressed with no figure", four)
	}
	if r := four.Reason("en"); !strings.Contains(r, "fewer than 5") {
		t.Errorf("reason = %q", r)
	}
	five := rules.Individual([]PersonCell{scoreCells("x", "2026-11", false, repeat(5, [2]int64{1, 2})...)})
	if five.Status != PersonNotFinal || five.Index != 37.5 {
		t.Errorf("a cell of 5 = %+v, want shown (37.50), not final", five)
	}
	if none := rules.Individual(nil); none.Status != PersonNoData || none.Shown() {
		t.Errorf("no cells = %+v", none)
	}
	one := rules
	one.MinCell = 1
	if x := one.Individual([]PersonCell{scoreCells("x", "2026-11", false, [2]int64{4, 4})}); x.Index != 100 || x.Interval.High != 100 || x.Interval.Low > 50 {
		t.Errorf("a single response = %+v, want 100 with an interval reaching below 50", x)
	}
}

// monthCell makes a person's rollup cell of one month from the kompetensi
// and perilaku answers of its responses (the other elements answered 3).
func monthCell(month string, suspect bool, answers ...[2]int64) Cell {
	c := Cell{Month: month, NIP: "x", Suspect: suspect}
	for _, a := range answers {
		r := Ratings{3, 3, 3, 3, 3, 3, 3, 3, 3}
		r.Set(Kompetensi, int(a[0]))
		r.Set(Perilaku, int(a[1]))
		c.Tally.Add(r)
	}
	return c
}

func TestAppraise(t *testing.T) {
	rules := DefaultReportRules()
	staff := func(nip string) Staff { return Staff{NIP: nip, Name: "Petugas " + nip} }
	people := []PersonInput{
		{Staff: staff("reward"), Scores: []PersonCell{scoreCells("reward", "2026-11", false, append(repeat(15, [2]int64{4, 4}), repeat(15, [2]int64{4, 3})...)...)}},
		// 2 and 2.5: mean 2.25 → 56.25, interval upper bound 59.13 < 76.61.
		{Staff: staff("low"), Scores: []PersonCell{scoreCells("low", "2026-11", false, append(repeat(15, [2]int64{2, 2}), repeat(15, [2]int64{3, 2})...)...)}},
		// High overall, but 5 of its 30 responses are suspect: without them
		// there are only 25, so neither list.
		{Staff: staff("suspect"), Scores: []PersonCell{
			scoreCells("suspect", "2026-11", false, repeat(25, [2]int64{4, 4})...),
			scoreCells("suspect", "2026-11", true, repeat(5, [2]int64{4, 4})...)}},
		// Too few responses for anything.
		{Staff: staff("few"), Scores: []PersonCell{scoreCells("few", "2026-11", false, repeat(12, [2]int64{1, 1})...)}},
	}
	a := rules.Appraise(people)
	names := func(cs []Candidate) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Staff.NIP)
		}
		return strings.Join(s, ",")
	}
	if got := names(a.Reward); got != "reward" {
		t.Errorf("reward = %q, want reward", got)
	}
	if got := names(a.Coaching); got != "low" {
		t.Errorf("coaching = %q, want low", got)
	}
	if got := names(a.Others); got != "suspect,few" {
		t.Errorf("others = %q, want suspect,few", got)
	}
	if ev := a.Reward[0].Evidence; len(ev) != 1 || ev[0].Rule != "interval_low" || ev[0].Value != 89.18 || ev[0].Bound != 88.31 || ev[0].Basis != BasisTrusted {
		t.Errorf("reward evidence = %+v", ev)
	}
	if ev := a.Coaching[0].Evidence; len(ev) != 1 || ev[0].Rule != "interval_high" || ev[0].Value != 59.13 {
		t.Errorf("coaching evidence = %+v", ev)
	} else if txt := ev[0].Text("id"); !strings.Contains(txt, "59,13 < 76,61") {
		t.Errorf("coaching evidence text = %q", txt)
	}
	if c := a.Others[0]; c.All.Status != PersonFinal || c.Clean.Status != PersonNotFinal {
		t.Errorf("suspect person: all %s, clean %s", c.All.Status, c.Clean.Status)
	}
}

func TestAppraiseWeakestElement(t *testing.T) {
	rules := DefaultReportRules()
	// An interval comfortably between the lines; perilaku is weakest and
	// graded C in three months; in the fourth it is weak on only 4 responses
	// (below the cell minimum), and in the fifth both elements tie for
	// weakest but above the line.
	// Scores 3.5 and 3, 20 each: 81.25, interval about 79.2–83.3.
	scores := []PersonCell{scoreCells("x", "2026-07", false, append(repeat(20, [2]int64{4, 3}), repeat(20, [2]int64{3, 3})...)...)}
	// Four answers of 3 and one of 1 to perilaku: NRR 2.6 → 65.00, C.
	weakMonth := append(repeat(4, [2]int64{4, 3}), [2]int64{4, 1})
	cells := []Cell{
		monthCell("2026-07", false, weakMonth...), monthCell("2026-08", false, weakMonth...), monthCell("2026-09", false, weakMonth...),
		monthCell("2026-10", false, repeat(4, [2]int64{4, 1})...),
		monthCell("2026-11", false, repeat(5, [2]int64{4, 4})...),
	}
	weak := rules.WeakMonths(cells)
	if got := len(weak[Perilaku]); got != 3 || weak[Perilaku][0].NRR != 2.6 {
		t.Fatalf("weak perilaku months = %+v, want 3 at NRR 2.60", weak[Perilaku])
	}
	a := rules.Appraise([]PersonInput{{Staff: Staff{NIP: "x"}, Scores: scores, Cells: cells}})
	if len(a.Coaching) != 1 {
		t.Fatalf("coaching = %+v, want x by the weakest-element rule", a.Coaching)
	}
	ev := a.Coaching[0].Evidence
	if len(ev) != 1 || ev[0].Rule != "weakest_element" || ev[0].Element != Perilaku || fmt.Sprint(ev[0].Months) != "[2026-07 2026-08 2026-09]" {
		t.Errorf("evidence = %+v", ev)
	}
	if txt := ev[0].Text("en"); !strings.Contains(txt, "Officer conduct") || !strings.Contains(txt, "3 months") {
		t.Errorf("evidence text = %q", txt)
	}
	// The same weakness made only of suspect responses is not evidence.
	for i := range cells {
		cells[i].Suspect = true
	}
	if a := rules.Appraise([]PersonInput{{Staff: Staff{NIP: "x"}, Scores: scores, Cells: cells}}); len(a.Coaching) != 0 {
		t.Errorf("suspect-only weakness made a coaching candidate: %+v", a.Coaching[0].Evidence)
	}
	off := rules
	off.CoachingWeakMonths = 0
	for i := range cells {
		cells[i].Suspect = false
	}
	if a := off.Appraise([]PersonInput{{Staff: Staff{NIP: "x"}, Scores: scores, Cells: cells}}); len(a.Coaching) != 0 {
		t.Error("the weakest-element rule applied while turned off")
	}
}
