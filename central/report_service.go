package central

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// reports assembles report views from the store and the configured rules.
// Every figure of one view rests on the release groups of its office
// (survey.Release, docs/reports-api.md "Disclosure rule"): each figure is
// computed from the groups wholly inside it, never from the rows of another
// figure, so that no two figures, of one report or of several, differ by
// fewer than min_cell ratings. Pages, API answers and exports share the views.
type reports struct {
	store    survey.ReportStore
	central  survey.CentralStore
	rules    survey.ReportRules
	now      time.Time
	releases *releaseCache
}

// reports returns the report service, or EUNAVAILABLE when the store cannot
// answer report queries.
func (s *Server) reports() (reports, error) {
	rs, ok := s.store.(survey.ReportStore)
	if !ok {
		return reports{}, survey.NewError(survey.EUNAVAILABLE, "this database cannot answer report queries",
			"basis data ini tidak dapat menjawab kueri laporan")
	}
	return reports{store: rs, central: s.store, rules: s.cfg.Reports.Rules(), now: s.now(), releases: s.releases}, nil
}

// release forms the release groups of an office over the whole calendar
// years period covers (their rests join quarter, semester and year), from
// its settled months.
func (r reports) release(ctx context.Context, officeID int64, period survey.Period) (*survey.Release, error) {
	end := survey.SettledEnd(r.now, web.Jakarta)
	last := period.From
	if period.To.After(period.From) {
		last = period.To.AddDate(0, 0, -1)
	}
	from := time.Date(period.From.Year(), 1, 1, 0, 0, 0, 0, web.Jakarta)
	to := time.Date(last.Year()+1, 1, 1, 0, 0, 0, 0, web.Jakarta)
	if to.After(end) {
		to = end
	}
	key := releaseKey{officeID: officeID, from: from.Year(), to: last.Year(), settledEnd: end.Format("2006-01"), minCell: r.rules.MinCell}
	var cells []survey.Cell
	if to.After(from) {
		f := survey.ReportFilter{OfficeID: officeID, From: from, To: to}
		t, err := r.store.SumRollups(ctx, f)
		if err != nil {
			return nil, err
		}
		if key.responses = t.N; r.releases.get(key) != nil {
			return r.releases.get(key), nil
		}
		if cells, err = r.store.RollupCells(ctx, f, survey.AllDimensions...); err != nil {
			return nil, err
		}
	}
	rel := survey.NewRelease(cells, r.rules.MinCell, key.settledEnd)
	r.releases.put(key, rel)
	return rel, nil
}

// releaseKey names a release: an office's calendar years up to its
// settled months, under one min_cell, and the number of their ratings.
type releaseKey struct {
	officeID   int64
	from, to   int
	settledEnd string
	minCell    int
	responses  int64
}

// releaseCache keeps recent releases, to spare the database the grouped
// query of every dimension for each figure a reader opens. Settled months
// do not change (survey.ReportDay); the count of their ratings, one cheap
// sum, is in the key all the same, so that a rating stored in them anyway
// (an import dated in the past) is never missed.
type releaseCache struct {
	mu    sync.Mutex
	byKey map[releaseKey]*survey.Release
}

// maxReleases bounds the cache: a few offices' years, a few MiB.
const maxReleases = 64

func (c *releaseCache) get(k releaseKey) *survey.Release {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byKey[k]
}

func (c *releaseCache) put(k releaseKey, r *survey.Release) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil || len(c.byKey) >= maxReleases {
		c.byKey = map[releaseKey]*survey.Release{} // start over: cheaper than tracking use
	}
	c.byKey[k] = r
}

// groupRow is one figure of a report: a line of a table grouped by month,
// unit, counter or service, a variant, or a whole report.
type groupRow struct {
	Key     string
	Label   string // Indonesian label ("" to show the key)
	LabelEN string
	// Figures rest on the release groups wholly inside the row; empty when Hidden.
	Figures survey.Figures
	// Hidden is set when the row has ratings and shows no figure.
	Hidden bool
	// Total counts the row's ratings; HeldBack those its figures leave out.
	Total, HeldBack int64
}

// Count is the number of ratings shown beside the row: those its figures
// rest on, or all of them when it is hidden.
func (g groupRow) Count() int64 {
	if g.Hidden {
		return g.Total
	}
	return g.Figures.Responses
}

// Name returns the row's label in lang, or its key.
func (g groupRow) Name(lang string) string {
	switch {
	case lang == "en" && g.LabelEN != "":
		return g.LabelEN
	case g.Label != "":
		return g.Label
	}
	return g.Key
}

// Partial reports whether the row's figures leave some of its ratings out.
func (g groupRow) Partial() bool { return !g.Hidden && g.HeldBack > 0 }

// staffRow is one staff member's line: the individual index, never a grade.
type staffRow struct {
	Staff      survey.Staff
	Known      bool // on the office's roster
	Individual survey.Individual
	HeldBack   int64
}

// officeReport is the report of an office (or a filtered part of it) for a period.
type officeReport struct {
	Query reportQuery
	Rules survey.ReportRules
	groupRow
	// Variants are the figures with and without suspect responses, and of
	// verified and unverified responses apart: keys all, without_suspect,
	// verified, unverified.
	Variants []groupRow
	Months   []groupRow
	Units    []groupRow
	Counters []groupRow
	Services []groupRow
	Staff    []staffRow
	// Visits are the visit codes issued and rated that the kiosks reported
	// for the same office, period and filters (not verified or suspect).
	Visits survey.VisitCounts
}

// row is the figure of the ratings f selects.
func (r reports) row(rel *survey.Release, key string, f survey.ReportFilter) groupRow {
	p := rel.Part(f)
	g := groupRow{Key: key, Figures: r.rules.Figures(p.Tally()), Hidden: p.Suppressed(), Total: p.Total, HeldBack: p.HeldBack()}
	if g.Hidden {
		g.HeldBack = p.Total // a withheld figure shows none of its ratings
	}
	return g
}

// rows lists the figures of f split along d, one per value with ratings.
func (r reports) rows(rel *survey.Release, f survey.ReportFilter, d survey.Dimension, labels map[string][2]string) []groupRow {
	var out []groupRow
	for _, key := range rel.Keys(f, d) {
		g := r.row(rel, key, withKey(f, d, key))
		if l, ok := labels[key]; ok {
			g.Label, g.LabelEN = l[0], l[1]
		}
		out = append(out, g)
	}
	return out
}

// withKey narrows f to one value of d.
func withKey(f survey.ReportFilter, d survey.Dimension, key string) survey.ReportFilter {
	switch d {
	case survey.ByUnit:
		f.Unit = key
	case survey.ByCounter:
		f.Counter = key
	case survey.ByNIP:
		f.NIP = key
	case survey.ByService:
		f.Service = key
	}
	return f
}

// monthRows lists every settled month of the query's period, empty ones too.
func (r reports) monthRows(rel *survey.Release, q reportQuery, f survey.ReportFilter) []groupRow {
	var out []groupRow
	for _, m := range q.Period.Months() {
		mf := f
		mf.From, mf.To = m.From, m.To
		out = append(out, r.row(rel, m.Label, mf))
	}
	return out
}

// variants computes the figures with and without suspect responses and of
// verified and unverified responses, each on its own groups.
func (r reports) variants(rel *survey.Release, f survey.ReportFilter) []groupRow {
	with := func(v, s survey.Tristate) survey.ReportFilter { f.Verified, f.Suspect = v, s; return f }
	return []groupRow{
		r.row(rel, "all", f),
		r.row(rel, "without_suspect", with(survey.TriAny, survey.TriNo)),
		r.row(rel, "verified", with(survey.TriYes, survey.TriAny)),
		r.row(rel, "unverified", with(survey.TriNo, survey.TriAny)),
	}
}

// attention lists the units of the office, and the office itself (key ""),
// whose share of low answers in the latest settled month rose by at least
// rise points over the settled months before it (survey.RisingLowShares),
// without suspect responses, from the same release groups as every report.
func (r reports) attention(ctx context.Context, officeID int64, rise float64) ([]survey.Attention, survey.Period, error) {
	recent, baseline := survey.AttentionMonths(r.now, web.Jakarta)
	rel, err := r.release(ctx, officeID, survey.Period{From: baseline.From, To: recent.To})
	if err != nil {
		return nil, recent, err
	}
	byUnit := func(p survey.Period) map[string]survey.Tally {
		f := survey.ReportFilter{OfficeID: officeID, From: p.From, To: p.To, Suspect: survey.TriNo}
		out := map[string]survey.Tally{"": rel.Part(f).Tally()}
		for _, u := range rel.Keys(f, survey.ByUnit) {
			if u != "" {
				out[u] = rel.Part(withKey(f, survey.ByUnit, u)).Tally()
			}
		}
		return out
	}
	return survey.RisingLowShares(byUnit(recent), byUnit(baseline), r.rules.MinCell, rise), recent, nil
}

// office builds the report of q.
func (r reports) office(ctx context.Context, q reportQuery) (officeReport, error) {
	rep := officeReport{Query: q, Rules: r.rules}
	rel, err := r.release(ctx, q.Office.ID, q.Period)
	if err != nil {
		return rep, err
	}
	f := q.Filter()
	rep.groupRow = r.row(rel, "all", f)
	rep.Variants = r.variants(rel, f)
	rep.Months = r.monthRows(rel, q, f)
	rep.Units = r.rows(rel, f, survey.ByUnit, nil)
	rep.Counters = r.rows(rel, f, survey.ByCounter, nil)
	labels, err := r.serviceLabels(ctx, q.Office.ID)
	if err != nil {
		return rep, err
	}
	rep.Services = r.rows(rel, f, survey.ByService, labels)
	pcells, err := r.store.PersonCells(ctx, f, r.rules.Attributable)
	if err != nil {
		return rep, err
	}
	if rep.Staff, err = r.staffRows(ctx, rel, f, pcells); err != nil {
		return rep, err
	}
	if rep.Visits, err = r.central.CountVisitTallies(ctx, f); err != nil {
		return rep, err
	}
	if q.NIP != "" {
		rep.ungrade()
	}
	return rep, nil
}

// ungrade removes the grades of a report about one person's responses.
func (rep *officeReport) ungrade() {
	rep.Figures = rep.Figures.Ungraded()
	for _, rows := range [][]groupRow{rep.Variants, rep.Months, rep.Units, rep.Counters, rep.Services} {
		for i := range rows {
			rows[i].Figures = rows[i].Figures.Ungraded()
		}
	}
}

// serviceLabels names the office's catalogue codes in both languages.
func (r reports) serviceLabels(ctx context.Context, officeID int64) (map[string][2]string, error) {
	services, err := r.central.FindOfficeServices(ctx, officeID, false)
	if err != nil {
		return nil, fmt.Errorf("services of office %d: %w", officeID, err)
	}
	labels := map[string][2]string{}
	for _, sv := range services {
		labels[sv.Code] = [2]string{sv.NameID, sv.Name("en")}
	}
	return labels, nil
}

// individual is a staff member's individual index from the score cells of
// the groups the figure of f (one NIP) rests on, or suppressed.
func (r reports) individual(rel *survey.Release, f survey.ReportFilter, pcells []survey.PersonCell) (survey.Individual, int64) {
	p := rel.Part(f)
	if p.Suppressed() {
		return survey.Individual{Responses: p.Total, Status: survey.PersonSuppressed, MinResponses: r.rules.MinResponses, MinCell: r.rules.MinCell}, p.Total
	}
	return r.rules.Individual(shownScores(p, f, pcells)), p.HeldBack()
}

// shownScores keeps the score cells of the months and classes of f's NIP
// that the part rests on.
func shownScores(p survey.Part, f survey.ReportFilter, pcells []survey.PersonCell) []survey.PersonCell {
	return survey.PersonCellsWhere(pcells, func(c survey.PersonCell) bool {
		return c.NIP == f.NIP && p.ShowsLeaf(c.Month, c.NIP, c.Verified, c.Suspect)
	})
}

// staffRows gives each staff member with responses under f their
// individual index, roster order by unit and name; NIPs not on the roster
// come last.
func (r reports) staffRows(ctx context.Context, rel *survey.Release, f survey.ReportFilter, pcells []survey.PersonCell) ([]staffRow, error) {
	roster, err := r.central.FindOfficeStaff(ctx, f.OfficeID, survey.StaffFilter{})
	if err != nil {
		return nil, fmt.Errorf("staff of office %d: %w", f.OfficeID, err)
	}
	seen := map[string]bool{}
	for _, c := range pcells {
		seen[c.NIP] = true
	}
	row := func(st survey.Staff, known bool) staffRow {
		x, held := r.individual(rel, withKey(f, survey.ByNIP, st.NIP), pcells)
		return staffRow{Staff: st, Known: known, Individual: x, HeldBack: held}
	}
	var rows []staffRow
	for _, st := range roster {
		if seen[st.NIP] {
			rows = append(rows, row(st, true))
			delete(seen, st.NIP)
		}
	}
	slices.SortFunc(rows, func(a, b staffRow) int {
		return cmp.Or(cmp.Compare(a.Staff.Unit, b.Staff.Unit), cmp.Compare(a.Staff.Name, b.Staff.Name), cmp.Compare(a.Staff.NIP, b.Staff.NIP))
	})
	for _, nip := range slices.Sorted(maps.Keys(seen)) {
		rows = append(rows, row(survey.Staff{NIP: nip}, false))
	}
	return rows, nil
}

// appraisalReport holds the candidate lists of an office and period.
type appraisalReport struct {
	Query     reportQuery
	Rules     survey.ReportRules
	Appraisal survey.Appraisal
	// VisitCodes: the office issued visit codes in the period.
	VisitCodes bool
	// HeldBack counts, per NIP, the ratings the release leaves out of each
	// of the person's figures.
	HeldBack map[string]personHeld
}

// appraisal applies the reward and coaching rules to every staff member of
// the office with responses in the period, each on the release groups of
// their own figure (listEvidence).
func (r reports) appraisal(ctx context.Context, q reportQuery) (appraisalReport, error) {
	rep := appraisalReport{Query: q, Rules: r.rules, HeldBack: map[string]personHeld{}}
	f := q.OfficeFilter()
	rel, err := r.release(ctx, q.Office.ID, q.Period)
	if err != nil {
		return rep, err
	}
	ev, err := r.listEvidence(ctx, rel, f)
	if err != nil {
		return rep, err
	}
	rows, err := r.staffRows(ctx, rel, f, ev.scores)
	if err != nil {
		return rep, err
	}
	people := make([]survey.PersonInput, len(rows))
	for i, row := range rows {
		people[i] = ev.input(row.Staff)
	}
	rep.Appraisal, rep.VisitCodes = r.rules.Appraise(people), ev.visitCodes
	for _, list := range [][]survey.Candidate{rep.Appraisal.Reward, rep.Appraisal.Coaching, rep.Appraisal.Others} {
		for i := range list {
			nip := list[i].Staff.NIP
			list[i], rep.HeldBack[nip] = r.released(ev, f.From, f.To, list[i])
		}
	}
	return rep, nil
}

// listEvidence is what the list rules weigh for the people f selects (the
// whole office, or one NIP): their score cells of the period and of the
// months before it, their rollup cells, their ratings on days without a
// visit code, and whether the office issued visit codes in the period.
// Each person's cells are those of the release groups their own figure
// rests on (parts): the lists' figures by class and month are then unions
// of groups too, since no group mixes classes or months.
type listEvidence struct {
	scores     []survey.PersonCell // every score cell f selects, for the staff rows and the counts
	parts      map[string]survey.Part
	raw        map[string][]survey.PersonCell
	history    map[string][]survey.PersonCell
	byNIP      map[string][]survey.PersonCell
	cells      map[string][]survey.Cell
	noVisit    map[string][]survey.NoVisitCount
	visitCodes bool
}

// listEvidence reads the list evidence of f's office and period.
func (r reports) listEvidence(ctx context.Context, rel *survey.Release, f survey.ReportFilter) (listEvidence, error) {
	ev := listEvidence{parts: map[string]survey.Part{}, raw: map[string][]survey.PersonCell{}, history: map[string][]survey.PersonCell{}, byNIP: map[string][]survey.PersonCell{},
		cells: map[string][]survey.Cell{}, noVisit: map[string][]survey.NoVisitCount{}}
	var err error
	if ev.scores, err = r.store.PersonCells(ctx, f, r.rules.Attributable); err != nil {
		return ev, err
	}
	for _, c := range ev.scores {
		ev.raw[c.NIP] = append(ev.raw[c.NIP], c)
		if _, ok := ev.parts[c.NIP]; !ok {
			pf := withKey(f, survey.ByNIP, c.NIP)
			p := rel.Part(pf)
			ev.parts[c.NIP], ev.byNIP[c.NIP], ev.cells[c.NIP] = p, shownScores(p, pf, ev.scores), p.Cells
		}
	}
	if months := r.rules.Contest.BaselineMonths; months > 0 {
		hf := f
		hf.From, hf.To = f.From.In(web.Jakarta).AddDate(0, -months, 0), f.From
		hrel, err := r.release(ctx, f.OfficeID, survey.Period{From: hf.From, To: hf.To})
		if err != nil {
			return ev, err
		}
		history, err := r.store.PersonCells(ctx, hf, r.rules.Attributable)
		if err != nil {
			return ev, err
		}
		for nip := range ev.parts {
			pf := withKey(hf, survey.ByNIP, nip)
			ev.history[nip] = shownScores(hrel.Part(pf), pf, history)
		}
	}
	noVisit, err := r.store.NoVisitCounts(ctx, f)
	if err != nil {
		return ev, err
	}
	for _, c := range noVisit {
		ev.noVisit[c.NIP] = append(ev.noVisit[c.NIP], c)
	}
	ev.visitCodes, err = r.issuesVisitCodes(ctx, f.OfficeID, f.From, f.To)
	return ev, err
}

// issuesVisitCodes reports whether the office issued visit codes in
// [from, to): its kiosks' visit tallies count some, or a verified response
// arrived (from a kiosk that sends no tallies).
func (r reports) issuesVisitCodes(ctx context.Context, officeID int64, from, to time.Time) (bool, error) {
	f := survey.ReportFilter{OfficeID: officeID, From: from, To: to}
	visits, err := r.central.CountVisitTallies(ctx, f)
	if err != nil || visits.Issued > 0 {
		return visits.Issued > 0, err
	}
	f.Verified = survey.TriYes
	t, err := r.store.SumRollups(ctx, f)
	return t.N > 0, err
}

// input returns the list evidence of one staff member.
func (ev listEvidence) input(st survey.Staff) survey.PersonInput {
	return survey.PersonInput{Staff: st, Scores: ev.byNIP[st.NIP], Cells: ev.cells[st.NIP], History: ev.history[st.NIP],
		NoVisit: ev.noVisit[st.NIP], VisitCodes: ev.visitCodes}
}

// personHeld counts the ratings the release leaves out of each of a
// candidate's figures.
type personHeld struct {
	All, Clean, Trusted, Verified, Unverified int64
}

// released completes a candidate computed from the released cells of its
// person's part (of the months [from, to)): each figure's held-back
// ratings; a figure that rests on none of its ratings is suppressed, with
// its count, rather than empty; and the counts (channels, verified share,
// flags), which tell how many ratings arrived how but nothing of what they
// answered, count every rating, as reports' counts do.
func (r reports) released(ev listEvidence, from, to time.Time, c survey.Candidate) (survey.Candidate, personHeld) {
	p := ev.parts[c.Staff.NIP]
	counts, _ := r.rules.Candidate(survey.PersonInput{Staff: c.Staff, Scores: ev.raw[c.Staff.NIP]})
	c.Channels, c.VerifiedShare, c.Suspect, c.Flags = counts.Channels, counts.VerifiedShare, counts.Suspect, counts.Flags
	var held personHeld
	for _, fig := range []struct {
		x    *survey.Individual
		held *int64
		keep func(verified, suspect bool, month string) bool
	}{
		{&c.All, &held.All, func(bool, bool, string) bool { return true }},
		{&c.Clean, &held.Clean, func(_, s bool, _ string) bool { return !s }},
		{&c.Trusted, &held.Trusted, func(v, s bool, m string) bool { return !s && !c.Contests.Covers(v, m) }},
		{&c.Verified, &held.Verified, func(v, s bool, _ string) bool { return v && !s }},
		{&c.Unverified, &held.Unverified, func(v, _ bool, _ string) bool { return !v }},
	} {
		var total, shown int64
		for _, m := range (survey.Period{From: from, To: to}).Months() {
			for _, v := range []bool{false, true} {
				for _, s := range []bool{false, true} {
					if fig.keep(v, s, m.Label) {
						t, n := p.Leaf(m.Label, c.Staff.NIP, v, s)
						total, shown = total+t, shown+n
					}
				}
			}
		}
		*fig.held = total - shown
		if shown == 0 && total > 0 {
			*fig.x = survey.Individual{Responses: total, Status: survey.PersonSuppressed, MinResponses: fig.x.MinResponses, MinCell: fig.x.MinCell}
		}
	}
	return c, held
}
