package survey

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// A Release decides which ratings every figure of an office may rest on
// (docs/reports-api.md, "Disclosure rule"). It splits the office's ratings of
// settled months into release groups of at least MinCell ratings each, and
// a figure is built only from groups that lie wholly inside what it asks
// for. Two ratings of one group appear together in every figure or in none,
// so no combination of figures (a report minus another, a unit minus its
// staff, one export beside another) can tell them apart: the most anyone can
// learn is the total of a group of at least MinCell ratings.
//
// Groups are formed bottom-up, per settled month and per class (verified or
// not, suspect or not), along one hierarchy: a staff member's ratings of
// the class, then the rest of their unit, then the rest of the office; a
// month's office-wide rest joins its quarter's, then its semester's, then
// its year's. At each level the ratings that formed no group of their own
// are pooled, and the pool becomes a group once it holds MinCell ratings. A
// staff member's few ratings of a month and class are thus counted in
// their unit's (or the office's) figures and left out of their own;
// nobody's figures lose ratings because a colleague had few. No group mixes
// classes, so a figure's verified, unverified, suspect and other ratings
// (and those of any of its months) each rest on whole groups too: the
// appraisal lists' figures by class and month are figures like the others.
//
// The groups depend only on counts, which reports show anyway, and on
// settled months, which never change (ReportDay), so they never change
// either once shown.
type Release struct {
	minCell int64
	cells   []Cell
	// leafOf is the leaf of each cell, -1 for a cell of a month not settled.
	leafOf []int
	leaves []releaseLeaf
	groups []int64 // the size of each group
}

// leafKey names a staff member's ratings of one month, verification and
// suspicion class: the finest unit a group is made of.
type leafKey struct {
	month, nip        string
	verified, suspect bool
}

// releaseLeaf is a leaf with its ratings and group (-1: held back, in none).
type releaseLeaf struct {
	leafKey
	n     int64
	group int
}

// NewRelease forms the release groups of one office's cells: its daily
// rollups grouped by every dimension (AllDimensions), for whole calendar
// years, so that months' rests can join their quarter, semester and year.
// Cells of months from settledEnd (YYYY-MM, the first month not settled)
// on belong to no group and are never shown.
func NewRelease(cells []Cell, minCell int, settledEnd string) *Release {
	r := &Release{minCell: int64(max(minCell, 1)), cells: cells, leafOf: make([]int, len(cells))}
	index := map[leafKey]int{}
	units := map[[2]string]map[string]int64{} // month, NIP → unit → ratings
	for i, c := range cells {
		r.leafOf[i] = -1
		if c.Month >= settledEnd || c.Tally.N == 0 {
			continue
		}
		key := leafKey{month: c.Month, nip: c.NIP, verified: c.Verified, suspect: c.Suspect}
		l, ok := index[key]
		if !ok {
			l = len(r.leaves)
			index[key] = l
			r.leaves = append(r.leaves, releaseLeaf{leafKey: key, group: -1})
		}
		r.leafOf[i] = l
		r.leaves[l].n += c.Tally.N
		person := [2]string{c.Month, c.NIP}
		if units[person] == nil {
			units[person] = map[string]int64{}
		}
		units[person][c.Unit] += c.Tally.N
	}
	r.form(units, settledEnd)
	return r
}

// pool is a set of leaves that formed no group yet.
type pool struct {
	leaves []int
	n      int64
}

func (p *pool) add(q pool) { p.leaves, p.n = append(p.leaves, q.leaves...), p.n+q.n }

// settle makes p a group if it holds minCell ratings, and returns what is
// left to pool at the next level.
func (r *Release) settle(p pool) pool {
	if p.n < r.minCell {
		return p
	}
	id := len(r.groups)
	r.groups = append(r.groups, p.n)
	for _, l := range p.leaves {
		r.leaves[l].group = id
	}
	return pool{}
}

// form builds the groups: per month and class along staff member, unit
// and office, then the office's rests along quarter, semester and year.
func (r *Release) form(units map[[2]string]map[string]int64, settledEnd string) {
	order := make([]int, len(r.leaves))
	for i := range order {
		order[i] = i
	}
	// Month, class, NIP: each level's leaves are adjacent.
	slices.SortFunc(order, func(a, b int) int {
		x, y := r.leaves[a], r.leaves[b]
		return cmp.Or(cmp.Compare(x.month, y.month), cmpBool(x.suspect, y.suspect), cmpBool(x.verified, y.verified), cmp.Compare(x.nip, y.nip))
	})
	rests := map[restKey]pool{}
	for start := 0; start < len(order); {
		first := r.leaves[order[start]]
		key := restKey{first.month, first.verified, first.suspect}
		end := start
		for end < len(order) && (restKey{r.leaves[order[end]].month, r.leaves[order[end]].verified, r.leaves[order[end]].suspect}) == key {
			end++
		}
		rests[key] = r.formMonth(order[start:end], units)
		start = end
	}
	r.formTime(rests, settledEnd)
}

// restKey is a month and class.
type restKey struct {
	month             string
	verified, suspect bool
}

// formMonth groups one month's leaves of one class (one per staff member)
// and returns the office's rest.
func (r *Release) formMonth(leaves []int, units map[[2]string]map[string]int64) pool {
	unitRest := map[string]pool{}
	for _, l := range leaves {
		leaf := r.leaves[l]
		unit := majorityUnit(units[[2]string{leaf.month, leaf.nip}])
		rest := unitRest[unit]
		rest.add(r.settle(pool{leaves: []int{l}, n: leaf.n}))
		unitRest[unit] = rest
	}
	var office pool
	for _, u := range sortedKeys(unitRest) {
		office.add(r.settle(unitRest[u]))
	}
	return r.settle(office)
}

// formTime pools the months' office rests along quarter, semester and year,
// each only once all of its months have settled; until then, and for what
// is left of a year, they stay held back.
func (r *Release) formTime(rests map[restKey]pool, settledEnd string) {
	years := map[int]bool{}
	for k := range rests {
		var y int
		fmt.Sscanf(k.month, "%d", &y)
		years[y] = true
	}
	for _, y := range sortedKeys(years) {
		settled := func(lastMonth int) bool { return fmt.Sprintf("%d-%02d", y, lastMonth) < settledEnd }
		for _, class := range []restKey{{}, {verified: true}, {suspect: true}, {verified: true, suspect: true}} {
			var year pool
			for s := range 2 {
				var semester pool
				for q := 2 * s; q < 2*s+2; q++ {
					var quarter pool
					for m := 3*q + 1; m <= 3*q+3; m++ {
						quarter.add(rests[restKey{fmt.Sprintf("%d-%02d", y, m), class.verified, class.suspect}])
					}
					if settled(3*q + 3) {
						semester.add(r.settle(quarter))
					}
				}
				if settled(6*s + 6) {
					year.add(r.settle(semester))
				}
			}
			if settled(12) {
				r.settle(year)
			}
		}
	}
}

func majorityUnit(units map[string]int64) string {
	best, bestN := "", int64(-1)
	for _, u := range sortedKeys(units) {
		if units[u] > bestN {
			best, bestN = u, units[u]
		}
	}
	return best
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Groups returns the number of release groups and the size of the smallest
// (0 without groups): every group holds at least MinCell ratings.
func (r *Release) Groups() (n int, smallest int64) {
	for i, g := range r.groups {
		if i == 0 || g < smallest {
			smallest = g
		}
	}
	return len(r.groups), smallest
}

// Part is what a release shows of one figure's ratings.
type Part struct {
	// Cells are the cells of the groups wholly inside the figure: the
	// ratings the figure rests on.
	Cells []Cell
	// Total counts the ratings the figure asks for; Shown those it rests on.
	Total, Shown int64
	// Strict is set for a figure by counter or service, which is shown only
	// whole: such a figure cuts across staff members' groups, and the part
	// made of whole groups would be a biased sample of it.
	Strict bool
	leaves map[leafKey]bool
	// counts holds, per leaf the figure asks for, its ratings and those shown.
	counts map[leafKey][2]int64
}

// HeldBack counts the ratings the figure asks for but does not rest on.
func (p Part) HeldBack() int64 { return p.Total - p.Shown }

// Suppressed reports whether the figure is withheld although it has
// ratings: none of its ratings form whole groups, or it is a strict figure
// that would hold some back.
func (p Part) Suppressed() bool {
	return p.Total > 0 && (p.Shown == 0 || p.Strict && p.Shown < p.Total)
}

// Tally adds up the ratings the figure rests on (none when suppressed).
func (p Part) Tally() Tally {
	if p.Suppressed() {
		return Tally{}
	}
	return SumCells(p.Cells, nil)
}

// ShowsLeaf reports whether the figure rests on a staff member's ratings of
// one month and class: per-person cells, comments and profiles are kept
// only where it does.
func (p Part) ShowsLeaf(month, nip string, verified, suspect bool) bool {
	return !p.Suppressed() && p.leaves[leafKey{month: month, nip: nip, verified: verified, suspect: suspect}]
}

// Leaf counts a staff member's ratings of one settled month and class that
// the figure asks for, and those of them it rests on: what a per-person
// figure holds back, whatever subset of months and classes it is of.
func (p Part) Leaf(month, nip string, verified, suspect bool) (total, shown int64) {
	c := p.counts[leafKey{month: month, nip: nip, verified: verified, suspect: suspect}]
	if p.Suppressed() {
		return c[0], 0
	}
	return c[0], c[1]
}

// Matches reports whether cell c falls under filter f: its month in f's
// period, and its unit, counter, NIP, service, verification and suspicion.
func Matches(f ReportFilter, c Cell) bool {
	from, to := f.From.Format("2006-01"), f.To.Format("2006-01")
	if f.To.Day() != 1 || f.To.Hour() != 0 {
		to = f.To.AddDate(0, 1, 0).Format("2006-01") // a period ending inside a month includes it
	}
	return c.Month >= from && c.Month < to &&
		(f.Unit == "" || c.Unit == f.Unit) && (f.Counter == "" || c.Counter == f.Counter) &&
		(f.NIP == "" || c.NIP == f.NIP) && (f.Service == "" || c.Service == f.Service) &&
		f.Verified.Keeps(c.Verified) && f.Suspect.Keeps(c.Suspect)
}

// Part returns what the release shows of the ratings filter f selects (its
// OfficeID is not looked at: a release is one office's).
func (r *Release) Part(f ReportFilter) Part {
	p := Part{Strict: f.Counter != "" || f.Service != "", leaves: map[leafKey]bool{}, counts: map[leafKey][2]int64{}}
	inside := map[int]int64{} // group → ratings of it under f
	var under []int
	for i, c := range r.cells {
		if !Matches(f, c) {
			continue
		}
		p.Total += c.Tally.N
		l := r.leafOf[i]
		if l < 0 {
			continue
		}
		n := p.counts[r.leaves[l].leafKey]
		n[0] += c.Tally.N
		p.counts[r.leaves[l].leafKey] = n
		if r.leaves[l].group >= 0 {
			inside[r.leaves[l].group] += c.Tally.N
			under = append(under, i)
		}
	}
	for _, i := range under {
		l := r.leafOf[i]
		if g := r.leaves[l].group; inside[g] == r.groups[g] {
			p.Cells = append(p.Cells, r.cells[i])
			p.Shown += r.cells[i].Tally.N
			p.leaves[r.leaves[l].leafKey] = true
			n := p.counts[r.leaves[l].leafKey]
			n[1] += r.cells[i].Tally.N
			p.counts[r.leaves[l].leafKey] = n
		}
	}
	return p
}

// Keys lists, in order, the values along d of the cells filter f selects
// that hold ratings: the rows of a table split along d.
func (r *Release) Keys(f ReportFilter, d Dimension) []string {
	seen := map[string]bool{}
	for _, c := range r.cells {
		if c.Tally.N > 0 && Matches(f, c) {
			seen[c.Key(d)] = true
		}
	}
	return sortedKeys(seen)
}

// FirstUnsettled returns the code (YYYY-MM) of the first month not settled
// at now, the settledEnd of NewRelease.
func FirstUnsettled(now time.Time, loc *time.Location) string {
	return SettledEnd(now, loc).Format("2006-01")
}
