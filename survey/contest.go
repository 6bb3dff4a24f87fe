package survey

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Kinds of contest: the detectors that can call a person's unverified
// ratings into question (docs/reports-api.md, "Contested ratings").
const (
	// ContestUnverifiedDiffers: the person's unverified ratings differ
	// significantly from their verified ones over the same period.
	ContestUnverifiedDiffers = "unverified_differs"
	// ContestNoVisit: unverified ratings arrived on days when the office
	// issued visit codes but none for this person.
	ContestNoVisit = "no_visit_days"
	// ContestShift: a month's unverified ratings differ significantly from
	// the person's ratings of the months before.
	ContestShift = "sudden_shift"
)

// ContestRules are the thresholds of the detectors, central's [reports]
// contest_* keys.
type ContestRules struct {
	// Z is the |z| of the Mann–Whitney rank-sum test (normal approximation,
	// corrected for ties) from which two groups of ratings differ
	// significantly: 3.29 is a two-sided p of 0.001.
	Z float64 `json:"z"`
	// Shift is the smallest difference of the groups' individual indexes,
	// in points of 25–100, that counts: a significant but small difference
	// is not a reason to doubt ratings.
	Shift float64 `json:"shift"`
	// NoVisitShare is the share (percent) of a person's unverified ratings
	// that must fall on days without a visit code for them, besides at
	// least min_cell such ratings.
	NoVisitShare float64 `json:"no_visit_share"`
	// BaselineMonths is how many months before each month the sudden-shift
	// detector compares it with.
	BaselineMonths int `json:"baseline_months"`
}

// DefaultContestRules returns the thresholds central uses without configuration.
func DefaultContestRules() ContestRules {
	return ContestRules{Z: 3.29, Shift: 10, NoVisitShare: 10, BaselineMonths: 3}
}

// Contest is one reason a person's unverified ratings are contested, with
// its evidence. Contested ratings stay in every figure that counts all
// ratings; only the figures the lists decide on leave them out.
type Contest struct {
	Kind string `json:"kind"`
	// Ratings is how many unverified ratings the contest leaves out of the lists' figures.
	Ratings int64 `json:"ratings"`
	// Months are the months contested (sudden_shift); Days the days without
	// a visit code (no_visit_days).
	Months []string `json:"months,omitempty"`
	Days   []string `json:"days,omitempty"`
	// Z is the rank-sum statistic and Shift the difference of the indexes
	// (contested ratings minus reference), for the two tests.
	Z     float64 `json:"z,omitempty"`
	Shift float64 `json:"shift,omitempty"`
	// Reference counts the ratings compared with: the verified ones, or the
	// months before the month of the largest |z|; for no_visit_days, all
	// the person's unflagged unverified ratings.
	Reference int64 `json:"reference"`
}

// Text explains the contest in lang ("id" or "en").
func (c Contest) Text(lang string) string {
	en := lang == "en"
	switch c.Kind {
	case ContestUnverifiedDiffers:
		if en {
			return fmt.Sprintf("%d unverified ratings differ from %d verified ones of the same period by %+.2f points (rank-sum z = %.2f)", c.Ratings, c.Reference, c.Shift, c.Z)
		}
		return fmt.Sprintf("%d penilaian tak terverifikasi berbeda %s poin dari %d penilaian terverifikasi pada periode yang sama (uji jumlah peringkat z = %s)", c.Ratings, idSigned(c.Shift), c.Reference, idNum(c.Z))
	case ContestNoVisit:
		if en {
			return fmt.Sprintf("%d of %d unverified ratings came on %d days when the office issued visit codes but none for this officer (%s)", c.Ratings, c.Reference, len(c.Days), listed(c.Days))
		}
		return fmt.Sprintf("%d dari %d penilaian tak terverifikasi datang pada %d hari ketika kantor menerbitkan kode kunjungan tetapi tidak untuk petugas ini (%s)", c.Ratings, c.Reference, len(c.Days), listed(c.Days))
	case ContestShift:
		if en {
			return fmt.Sprintf("unverified ratings of %s differ from the %d ratings of the months before by %+.2f points (rank-sum z = %.2f)", listed(c.Months), c.Reference, c.Shift, c.Z)
		}
		return fmt.Sprintf("penilaian tak terverifikasi %s berbeda %s poin dari %d penilaian bulan-bulan sebelumnya (uji jumlah peringkat z = %s)", listed(c.Months), idSigned(c.Shift), c.Reference, idNum(c.Z))
	}
	return c.Kind
}

func idSigned(x float64) string {
	if x >= 0 {
		return "+" + idNum(x)
	}
	return idNum(x)
}

// listed shows at most five items, then how many more.
func listed(xs []string) string {
	if len(xs) <= 5 {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s … (+%d)", strings.Join(xs[:5], ", "), len(xs)-5)
}

// Contests are the contests raised about one person.
type Contests []Contest

// Covers reports whether a rating of the given verification and month is
// contested: detectors contest only unverified ratings, those of the whole
// period or of the months a sudden shift names.
func (cs Contests) Covers(verified bool, month string) bool {
	if verified {
		return false
	}
	for _, c := range cs {
		if c.Kind != ContestShift || slices.Contains(c.Months, month) {
			return true
		}
	}
	return false
}

// NoVisitCount is how many unverified, unflagged ratings of a person arrived
// on one day (Asia/Jakarta) when the office issued visit codes but none for
// that person.
type NoVisitCount struct {
	NIP string
	Day string // YYYY-MM-DD
	N   int64
}

// RankSum compares two groups of ratings given as counts per level (the same
// levels, in order) with the Mann–Whitney rank-sum test: z > 0 when the
// first group ranks higher. It uses the normal approximation with the
// correction for ties, and is 0 when either group is empty or every rating
// is tied.
func RankSum(a, b []int64) float64 {
	var n1, n2 float64
	for i := range a {
		n1 += float64(a[i])
		n2 += float64(b[i])
	}
	if n1 == 0 || n2 == 0 {
		return 0
	}
	var u, below, ties float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		u += x * (below + y/2)
		below += y
		t := x + y
		ties += t*t*t - t
	}
	n := n1 + n2
	variance := n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return 0
	}
	return (u - n1*n2/2) / math.Sqrt(variance)
}

// scoreLevels returns the counts of cells' responses per score level of k
// attributable elements, and their number.
func scoreLevels(cells []PersonCell, k int) ([]int64, int64) {
	levels := make([]int64, 3*k+1)
	var n int64
	for _, c := range cells {
		for j := range levels {
			levels[j] += c.Scores[k+j]
		}
		n += c.N
	}
	return levels, n
}

// levelShift is the difference of two groups' means, in index points.
func levelShift(a, b []int64) float64 {
	mean := func(x []int64) float64 {
		var n, s float64
		for j, c := range x {
			n += float64(c)
			s += float64(j) * float64(c)
		}
		return s / n
	}
	return 75 * (mean(a) - mean(b)) / float64(len(a)-1)
}

// differs runs the rank-sum test on two groups of cells; it reports the
// statistic and the shift when both groups have at least min_cell ratings
// and the difference passes both thresholds.
func (r ReportRules) differs(a, b []PersonCell) (z, shift float64, na, nb int64, ok bool) {
	k := len(r.Attributable)
	if k == 0 || k > NumElements {
		return 0, 0, 0, 0, false
	}
	la, na := scoreLevels(a, k)
	lb, nb := scoreLevels(b, k)
	if na < int64(r.MinCell) || nb < int64(r.MinCell) {
		return 0, 0, na, nb, false
	}
	z, shift = RankSum(la, lb), levelShift(la, lb)
	return Round2(z), Round2(shift), na, nb, math.Abs(z) >= r.Contest.Z && math.Abs(shift) >= r.Contest.Shift
}

// DetectContests runs the detectors on one person's ratings: scores are the
// period's cells, history the cells of the months before it, noVisit the
// person's ratings on days without a visit code. Suspect ratings take part
// in none of the tests: they are flagged already.
func (r ReportRules) DetectContests(scores, history []PersonCell, noVisit []NoVisitCount) Contests {
	var out Contests
	clean := func(cells []PersonCell, keep func(PersonCell) bool) []PersonCell {
		return PersonCellsWhere(cells, func(c PersonCell) bool { return !c.Suspect && keep(c) })
	}
	unverified := clean(scores, func(c PersonCell) bool { return !c.Verified })
	verified := clean(scores, func(c PersonCell) bool { return c.Verified })
	if z, shift, nu, nv, ok := r.differs(unverified, verified); ok {
		out = append(out, Contest{Kind: ContestUnverifiedDiffers, Ratings: nu, Reference: nv, Z: z, Shift: shift})
	}
	var nu int64
	for _, c := range unverified {
		nu += c.N
	}
	var off int64
	var days []string
	for _, d := range noVisit {
		off += d.N
		days = append(days, d.Day)
	}
	if off >= int64(r.MinCell) && nu > 0 && 100*float64(off) >= r.Contest.NoVisitShare*float64(nu) {
		slices.Sort(days)
		out = append(out, Contest{Kind: ContestNoVisit, Ratings: off, Days: slices.Compact(days), Reference: nu})
	}
	if c, ok := r.shift(scores, history); ok {
		out = append(out, c)
	}
	return out
}

// shift compares each month's unverified ratings with all the person's
// unflagged ratings of the BaselineMonths months before it (from history or
// from the period itself), and contests the months that differ.
func (r ReportRules) shift(scores, history []PersonCell) (Contest, bool) {
	if r.Contest.BaselineMonths <= 0 {
		return Contest{}, false
	}
	all := append(slices.Clone(history), scores...)
	var months []string
	for _, c := range scores {
		if !slices.Contains(months, c.Month) {
			months = append(months, c.Month)
		}
	}
	slices.Sort(months)
	c := Contest{Kind: ContestShift}
	for _, m := range months {
		first := monthsBefore(m, r.Contest.BaselineMonths)
		month := PersonCellsWhere(scores, func(x PersonCell) bool { return !x.Suspect && !x.Verified && x.Month == m })
		base := PersonCellsWhere(all, func(x PersonCell) bool { return !x.Suspect && x.Month >= first && x.Month < m })
		z, shift, nm, nb, ok := r.differs(month, base)
		if !ok {
			continue
		}
		c.Months, c.Ratings = append(c.Months, m), c.Ratings+nm
		if math.Abs(z) > math.Abs(c.Z) {
			c.Z, c.Shift, c.Reference = z, shift, nb
		}
	}
	return c, len(c.Months) > 0
}

// monthsBefore returns the month (YYYY-MM) n months before m.
func monthsBefore(m string, n int) string {
	var y, mo int
	if _, err := fmt.Sscanf(m, "%d-%d", &y, &mo); err != nil {
		return m
	}
	total := y*12 + (mo - 1) - n
	return fmt.Sprintf("%04d-%02d", total/12, total%12+1)
}
