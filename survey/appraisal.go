package survey

import (
	"fmt"
	"slices"
	"strings"
)

// MaxScore is the highest score a response can have: 4 on every element.
const MaxScore = 4 * NumElements

// PersonCell sums the individual scores of one staff member's responses in
// one month, verification, suspicion, channel and set of flags. A response's
// score is the sum of its answers to the attributable elements; Sum and
// SumSq add those scores and their squares, and Scores counts them per
// score, exactly, so that means and intervals can be derived for any union
// of cells.
type PersonCell struct {
	NIP      string
	Month    string // YYYY-MM, Asia/Jakarta
	Verified bool
	Suspect  bool
	// Channel is how the responses arrived (ChannelQR, ChannelVisit, ChannelKiosk, ChannelAPI).
	Channel string
	// Flags are the responses' flags as stored, comma-separated; "" for none.
	Flags string
	N     int64
	Sum   int64
	SumSq int64
	// Scores[s] counts the responses whose score is s.
	Scores [MaxScore + 1]int64
}

// sameKey reports whether c and o are the same cell (all but the counts).
func (c PersonCell) sameKey(o PersonCell) bool {
	return c.NIP == o.NIP && c.Month == o.Month && c.Verified == o.Verified && c.Suspect == o.Suspect &&
		c.Channel == o.Channel && c.Flags == o.Flags
}

// AddScoreRow folds one row of a store's person query, the n responses of
// key's cell whose score is score, into cells. Stores read their rows
// ordered by cell, so a row joins the last cell or starts a new one. A score
// outside 0–MaxScore (which the schema's checks rule out) is an error.
func AddScoreRow(cells []PersonCell, key PersonCell, score, n int64) ([]PersonCell, error) {
	if score < 0 || score > MaxScore {
		return cells, fmt.Errorf("score %d of %s %s is outside 0–%d", score, key.NIP, key.Month, MaxScore)
	}
	if len(cells) == 0 || !cells[len(cells)-1].sameKey(key) {
		key.N, key.Sum, key.SumSq, key.Scores = 0, 0, 0, [MaxScore + 1]int64{}
		cells = append(cells, key)
	}
	c := &cells[len(cells)-1]
	c.N, c.Sum, c.SumSq = c.N+n, c.Sum+n*score, c.SumSq+n*score*score
	c.Scores[score] += n
	return cells, nil
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
	// Interval is the 95 % interval (LevelInterval), rounded to two decimals.
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
	var n, sum int64
	var scores [MaxScore + 1]int64
	for _, c := range cells {
		n, sum = n+c.N, sum+c.Sum
		for s, m := range c.Scores {
			scores[s] += m
		}
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
	if k <= NumElements {
		x.Interval = LevelInterval(scores[k : 4*k+1]).Rounded()
	}
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
	// Cells are the person's rollup cells of the period by month,
	// verification and suspicion, for the monthly NRR of each attributable element.
	Cells []Cell
	// History are the person's score cells of the months before the period,
	// the baseline of the sudden-shift detector.
	History []PersonCell
	// NoVisit are the person's unverified ratings on days without a visit code for them.
	NoVisit []NoVisitCount
	// VisitCodes reports that the office issued visit codes in the period:
	// unverified ratings then have less say (see Appraise).
	VisitCodes bool
}

// Bases of the list rules: the ratings a rule was checked on.
const (
	// BasisTrusted: without suspect or contested ratings.
	BasisTrusted = "trusted"
	// BasisVerified: verified, unflagged ratings alone.
	BasisVerified = "verified"
	// BasisBoth: both of the above (coaching in an office that issues visit codes).
	BasisBoth = "trusted_and_verified"
)

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
	// Basis names the ratings the rule held on (BasisTrusted, BasisVerified, BasisBoth).
	Basis string `json:"basis"`
	// ElementInterval is the element's own 95 % interval over the period
	// (weakest_element), whose upper bound is below Bound.
	ElementInterval *Interval `json:"element_interval,omitempty"`
}

// Text explains the evidence in lang ("id" or "en").
func (e Evidence) Text(lang string) string {
	en := lang == "en"
	on := basisText(e.Basis, lang)
	switch e.Rule {
	case "interval_low":
		if en {
			return fmt.Sprintf("lower bound of the 95 %% interval %.2f ≥ %.2f, %s", e.Value, e.Bound, on)
		}
		return fmt.Sprintf("batas bawah interval 95 %% %s ≥ %s, %s", idNum(e.Value), idNum(e.Bound), on)
	case "interval_high":
		if en {
			return fmt.Sprintf("upper bound of the 95 %% interval %.2f < %.2f, %s", e.Value, e.Bound, on)
		}
		return fmt.Sprintf("batas atas interval 95 %% %s < %s, %s", idNum(e.Value), idNum(e.Bound), on)
	case "weakest_element":
		months := strings.Join(e.Months, ", ")
		var ci string
		if e.ElementInterval != nil {
			ci = fmt.Sprintf("%.2f–%.2f", e.ElementInterval.Low, e.ElementInterval.High)
			if !en {
				ci = idNum(e.ElementInterval.Low) + "–" + idNum(e.ElementInterval.High)
			}
		}
		if en {
			return fmt.Sprintf("%s was the weakest attributable element and below %.2f in %d months (%s); its own 95 %% interval over the period %s, %s", e.Element.Name("en"), e.Bound, len(e.Months), months, ci, on)
		}
		return fmt.Sprintf("%s adalah unsur terlemah yang menjadi tanggung jawab petugas dan di bawah %s selama %d bulan (%s); interval 95 %% unsur ini sepanjang periode %s, %s", e.Element.Name("id"), idNum(e.Bound), len(e.Months), months, ci, on)
	}
	return e.Rule
}

// basisText says which ratings a rule held on.
func basisText(basis, lang string) string {
	en := lang == "en"
	switch basis {
	case BasisVerified:
		if en {
			return "on verified, unflagged ratings alone"
		}
		return "pada penilaian terverifikasi tanpa tanda saja"
	case BasisBoth:
		if en {
			return "both on ratings without suspect or contested ones and on verified, unflagged ratings alone"
		}
		return "baik pada penilaian tanpa yang mencurigakan atau dipersoalkan maupun pada penilaian terverifikasi tanpa tanda saja"
	}
	if en {
		return "on ratings without suspect or contested ones"
	}
	return "pada penilaian tanpa yang mencurigakan atau dipersoalkan"
}

func idNum(x float64) string { return strings.Replace(fmt.Sprintf("%.2f", x), ".", ",", 1) }

// ChannelCounts count a person's ratings per channel.
type ChannelCounts struct {
	QR    int64 `json:"qr"`
	Visit int64 `json:"visit"`
	Kiosk int64 `json:"kiosk"` // the desk tablet
	API   int64 `json:"api"`
}

// FlagCount is how many of a person's ratings carry one flag.
type FlagCount struct {
	Flag string `json:"flag"`
	N    int64  `json:"ratings"`
}

// Candidate is a staff member with the figures the appraisal lists weigh,
// and the evidence when they are on one.
type Candidate struct {
	Staff Staff
	// All counts every rating; Clean leaves suspect (flagged) ratings out;
	// Trusted leaves out suspect and contested ones, and is what the lists
	// decide on. Verified holds the verified, unflagged ratings alone and
	// Unverified every unverified rating, shown apart.
	All        Individual
	Clean      Individual
	Trusted    Individual
	Verified   Individual
	Unverified Individual
	Channels   ChannelCounts
	// VerifiedShare is the percentage of all ratings that are verified, two decimals.
	VerifiedShare float64
	// Suspect counts the flagged ratings; Flags counts them per flag.
	Suspect int64
	Flags   []FlagCount
	// Contests are the reasons some unverified ratings are contested: the
	// contested marker the appraiser sees. They hide no rating.
	Contests Contests
	// VisitCodes: the office issued visit codes in the period.
	VisitCodes bool
	Evidence   []Evidence
}

// Contested reports whether the person carries the contested marker.
func (c Candidate) Contested() bool { return len(c.Contests) > 0 }

// Appraisal holds the candidate lists of a period. It lists evidence; the
// appraiser decides (no predikat kinerja is assigned here).
type Appraisal struct {
	Reward   []Candidate
	Coaching []Candidate
	// Others are the staff on neither list, with their figures and status.
	Others []Candidate
}

// Appraise applies the reward and coaching rules to each person. The rules
// are checked only on final figures without suspect or contested ratings
// (Trusted), so a flagged or contested rating can neither make a coaching
// entry nor remove a reward. Where the office issues visit codes,
// unverified ratings cannot on their own do either: a coaching rule must
// hold on the verified, unflagged ratings alone as well, and a reward holds
// when it holds on those.
func (r ReportRules) Appraise(people []PersonInput) Appraisal {
	var a Appraisal
	for _, p := range people {
		c, reward := r.Candidate(p)
		switch {
		case reward:
			a.Reward = append(a.Reward, c)
		case len(c.Evidence) > 0:
			a.Coaching = append(a.Coaching, c)
		default:
			a.Others = append(a.Others, c)
		}
	}
	return a
}

// Candidate computes a person's figures, contests and list evidence;
// reward reports that the evidence is for the reward list (otherwise any
// evidence is for coaching).
func (r ReportRules) Candidate(p PersonInput) (c Candidate, reward bool) {
	c = Candidate{Staff: p.Staff, VisitCodes: p.VisitCodes, Contests: r.DetectContests(p.Scores, p.History, p.NoVisit)}
	trusted := func(verified, suspect bool, month string) bool {
		return !suspect && !c.Contests.Covers(verified, month)
	}
	verified := func(v, suspect bool, _ string) bool { return v && !suspect }
	scores := func(keep func(bool, bool, string) bool) Individual {
		return r.Individual(PersonCellsWhere(p.Scores, func(x PersonCell) bool { return keep(x.Verified, x.Suspect, x.Month) }))
	}
	cells := func(keep func(bool, bool, string) bool) []Cell {
		return slices.DeleteFunc(slices.Clone(p.Cells), func(x Cell) bool { return !keep(x.Verified, x.Suspect, x.Month) })
	}
	c.All = scores(func(bool, bool, string) bool { return true })
	c.Clean = scores(func(_, s bool, _ string) bool { return !s })
	c.Trusted = scores(trusted)
	c.Verified = scores(verified)
	c.Unverified = scores(func(v, _ bool, _ string) bool { return !v })
	c.countChannelsAndFlags(p.Scores)

	rewardOn, coachingOn := r.rulesOn(c.Trusted, cells(trusted), BasisTrusted)
	if !p.VisitCodes {
		if rewardOn != nil {
			return c.with([]Evidence{*rewardOn}), true
		}
		return c.with(coachingOn), false
	}
	rewardV, coachingV := r.rulesOn(c.Verified, cells(verified), BasisVerified)
	switch {
	case rewardOn != nil:
		return c.with([]Evidence{*rewardOn}), true
	case rewardV != nil:
		return c.with([]Evidence{*rewardV}), true
	}
	var both []Evidence
	for _, e := range coachingOn {
		i := slices.IndexFunc(coachingV, func(v Evidence) bool { return v.Rule == e.Rule && v.Element == e.Element })
		if i < 0 {
			continue
		}
		e.Basis = BasisBoth
		if e.Rule == "interval_high" {
			e.Value = max(e.Value, coachingV[i].Value)
		}
		both = append(both, e)
	}
	return c.with(both), false
}

func (c Candidate) with(ev []Evidence) Candidate {
	c.Evidence = ev
	return c
}

// countChannelsAndFlags fills the channel split, the verified share and the flag counts.
func (c *Candidate) countChannelsAndFlags(cells []PersonCell) {
	flags := map[string]int64{}
	var n, verified int64
	for _, x := range cells {
		n += x.N
		if x.Verified {
			verified += x.N
		}
		switch x.Channel {
		case ChannelQR:
			c.Channels.QR += x.N
		case ChannelVisit:
			c.Channels.Visit += x.N
		case ChannelKiosk:
			c.Channels.Kiosk += x.N
		case ChannelAPI:
			c.Channels.API += x.N
		}
		if x.Suspect {
			c.Suspect += x.N
		}
		for _, f := range ParseFlags(x.Flags) {
			flags[f] += x.N
		}
	}
	if n > 0 {
		c.VerifiedShare = Round2(100 * float64(verified) / float64(n))
	}
	for f, k := range flags {
		c.Flags = append(c.Flags, FlagCount{Flag: f, N: k})
	}
	slices.SortFunc(c.Flags, func(a, b FlagCount) int { return strings.Compare(a.Flag, b.Flag) })
}

// rulesOn checks the list rules on one basis: its individual figure and
// its rollup cells. Nothing holds unless the figure is final.
func (r ReportRules) rulesOn(x Individual, cells []Cell, basis string) (reward *Evidence, coaching []Evidence) {
	if !x.Final() || !x.Interval.Defined {
		return nil, nil
	}
	if x.Interval.Low >= r.RewardLowerBound {
		return &Evidence{Rule: "interval_low", Value: x.Interval.Low, Bound: r.RewardLowerBound, Basis: basis}, nil
	}
	if x.Interval.High < r.CoachingUpperBound {
		coaching = append(coaching, Evidence{Rule: "interval_high", Value: x.Interval.High, Bound: r.CoachingUpperBound, Basis: basis})
	}
	return nil, append(coaching, r.weakestEvidence(cells, basis)...)
}

// weakestEvidence finds attributable elements that were the person's weakest
// and below the coaching line in at least CoachingWeakMonths months, and
// whose own 95 % interval over the cells lies wholly below that line.
func (r ReportRules) weakestEvidence(cells []Cell, basis string) []Evidence {
	if r.CoachingWeakMonths <= 0 {
		return nil
	}
	weak := r.WeakMonths(cells)
	total := SumCells(cells, nil)
	var out []Evidence
	for _, e := range r.Attributable {
		if len(weak[e]) < r.CoachingWeakMonths {
			continue
		}
		ci := LevelInterval(total.Dist[e.Index()][:]).Rounded()
		if !ci.Defined || ci.High >= r.CoachingUpperBound {
			continue
		}
		ev := Evidence{Rule: "weakest_element", Element: e, Value: float64(len(weak[e])), Bound: r.CoachingUpperBound, Basis: basis, ElementInterval: &ci}
		for _, m := range weak[e] {
			ev.Months, ev.NRR = append(ev.Months, m.Month), append(ev.NRR, m.NRR)
		}
		out = append(out, ev)
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
