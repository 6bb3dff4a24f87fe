package central

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// reports assembles report views from the store and the configured rules.
// Every table of one view is computed from the same cells, so its counts
// reconcile, and pages, API answers and exports share the views.
type reports struct {
	store   survey.ReportStore
	central survey.CentralStore
	rules   survey.ReportRules
}

// reports returns the report service, or EUNAVAILABLE when the store cannot
// answer report queries.
func (s *Server) reports() (reports, error) {
	rs, ok := s.store.(survey.ReportStore)
	if !ok {
		return reports{}, survey.NewError(survey.EUNAVAILABLE, "this database cannot answer report queries",
			"basis data ini tidak dapat menjawab kueri laporan")
	}
	return reports{store: rs, central: s.store, rules: s.cfg.Reports.Rules()}, nil
}

// groupRow is one line of a table grouped by month, unit, counter or service.
type groupRow struct {
	Key     string
	Label   string // Indonesian label ("" to show the key)
	LabelEN string
	Figures survey.Figures
	Hidden  bool // some responses, fewer than min_cell
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

// staffRow is one staff member's line: the individual index, never a grade.
type staffRow struct {
	Staff      survey.Staff
	Known      bool // on the office's roster
	Individual survey.Individual
}

// officeReport is the report of an office (or a filtered part of it) for a period.
type officeReport struct {
	Query   reportQuery
	Rules   survey.ReportRules
	Figures survey.Figures
	// Hidden is set when a filtered report rests on fewer than min_cell responses.
	Hidden bool
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

func (r reports) group(g []survey.Group, labels map[string][2]string) []groupRow {
	out := make([]groupRow, len(g))
	for i, x := range g {
		out[i] = r.row(x.Key, x.Tally)
		if l, ok := labels[x.Key]; ok {
			out[i].Label, out[i].LabelEN = l[0], l[1]
		}
	}
	return out
}

func (r reports) row(key string, t survey.Tally) groupRow {
	return groupRow{Key: key, Figures: r.rules.Figures(t), Hidden: r.rules.Hidden(t.N)}
}

// monthRows lists every month of the period, empty ones too.
func (r reports) monthRows(q reportQuery, cells []survey.Cell) []groupRow {
	byMonth := map[string]survey.Tally{}
	for _, g := range survey.GroupCells(cells, survey.ByMonth) {
		byMonth[g.Key] = g.Tally
	}
	var out []groupRow
	for _, m := range q.Asked.Months() {
		out = append(out, r.row(m.Label, byMonth[m.Label]))
	}
	return out
}

// variants computes the figures with and without suspect responses and of
// verified and unverified responses.
func (r reports) variants(cells []survey.Cell) []groupRow {
	return []groupRow{
		r.row("all", survey.SumCells(cells, nil)),
		r.row("without_suspect", survey.SumCells(cells, func(c survey.Cell) bool { return !c.Suspect })),
		r.row("verified", survey.SumCells(cells, func(c survey.Cell) bool { return c.Verified })),
		r.row("unverified", survey.SumCells(cells, func(c survey.Cell) bool { return !c.Verified })),
	}
}

// attention lists the units of the office, and the office itself (key ""),
// whose share of low answers rose by at least rise points in the last week
// (survey.RisingLowShares), without suspect responses.
func (r reports) attention(ctx context.Context, officeID int64, now time.Time, rise float64) ([]survey.Attention, error) {
	recentFrom, recentTo, baseFrom := survey.AttentionWindows(now, web.Jakarta)
	byUnit := func(from, to time.Time) (map[string]survey.Tally, error) {
		cells, err := r.store.RollupCells(ctx, survey.ReportFilter{OfficeID: officeID, From: from, To: to, Suspect: survey.TriNo}, survey.ByUnit)
		if err != nil {
			return nil, err
		}
		out := map[string]survey.Tally{"": survey.SumCells(cells, nil)}
		for _, g := range survey.GroupCells(cells, survey.ByUnit) {
			if g.Key != "" {
				out[g.Key] = g.Tally
			}
		}
		return out, nil
	}
	recent, err := byUnit(recentFrom, recentTo)
	if err != nil {
		return nil, err
	}
	baseline, err := byUnit(baseFrom, recentFrom)
	if err != nil {
		return nil, err
	}
	return survey.RisingLowShares(recent, baseline, r.rules.MinCell, rise), nil
}

// office builds the report of q.
func (r reports) office(ctx context.Context, q reportQuery) (officeReport, error) {
	rep := officeReport{Query: q, Rules: r.rules}
	cells, err := r.store.RollupCells(ctx, q.Filter(), survey.ByMonth, survey.ByUnit, survey.ByCounter, survey.ByService, survey.ByVerified, survey.BySuspect)
	if err != nil {
		return rep, err
	}
	pcells, err := r.store.PersonCells(ctx, q.Filter(), r.rules.Attributable)
	if err != nil {
		return rep, err
	}
	total := survey.SumCells(cells, nil)
	rep.Figures = r.rules.Figures(total)
	rep.Hidden = q.Narrow() && r.rules.Hidden(total.N)
	rep.Variants = r.variants(cells)
	rep.Months = r.monthRows(q, cells)
	rep.Units = r.group(survey.GroupCells(cells, survey.ByUnit), nil)
	rep.Counters = r.group(survey.GroupCells(cells, survey.ByCounter), nil)
	if rep.Services, err = r.serviceRows(ctx, q.Office.ID, cells); err != nil {
		return rep, err
	}
	if rep.Staff, err = r.staffRows(ctx, q.Office.ID, pcells); err != nil {
		return rep, err
	}
	if rep.Visits, err = r.central.CountVisitTallies(ctx, q.Filter()); err != nil {
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

// serviceRows groups cells by service, labelled from the office's catalogue.
func (r reports) serviceRows(ctx context.Context, officeID int64, cells []survey.Cell) ([]groupRow, error) {
	services, err := r.central.FindOfficeServices(ctx, officeID, false)
	if err != nil {
		return nil, fmt.Errorf("services of office %d: %w", officeID, err)
	}
	labels := map[string][2]string{}
	for _, sv := range services {
		labels[sv.Code] = [2]string{sv.NameID, sv.Name("en")}
	}
	return r.group(survey.GroupCells(cells, survey.ByService), labels), nil
}

// staffRows gives each staff member with responses their individual index,
// roster order by unit and name; NIPs not on the roster come last.
func (r reports) staffRows(ctx context.Context, officeID int64, pcells []survey.PersonCell) ([]staffRow, error) {
	roster, err := r.central.FindOfficeStaff(ctx, officeID, survey.StaffFilter{})
	if err != nil {
		return nil, fmt.Errorf("staff of office %d: %w", officeID, err)
	}
	byNIP := map[string][]survey.PersonCell{}
	for _, c := range pcells {
		byNIP[c.NIP] = append(byNIP[c.NIP], c)
	}
	var rows []staffRow
	for _, st := range roster {
		if cells, ok := byNIP[st.NIP]; ok {
			rows = append(rows, staffRow{Staff: st, Known: true, Individual: r.rules.Individual(cells)})
			delete(byNIP, st.NIP)
		}
	}
	slices.SortFunc(rows, func(a, b staffRow) int {
		return cmp.Or(cmp.Compare(a.Staff.Unit, b.Staff.Unit), cmp.Compare(a.Staff.Name, b.Staff.Name), cmp.Compare(a.Staff.NIP, b.Staff.NIP))
	})
	var unknown []string
	for nip := range byNIP {
		unknown = append(unknown, nip)
	}
	slices.Sort(unknown)
	for _, nip := range unknown {
		rows = append(rows, staffRow{Staff: survey.Staff{NIP: nip}, Individual: r.rules.Individual(byNIP[nip])})
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
}

// appraisal applies the reward and coaching rules to every staff member of
// the office with responses in the period.
func (r reports) appraisal(ctx context.Context, q reportQuery) (appraisalReport, error) {
	rep := appraisalReport{Query: q, Rules: r.rules}
	ev, err := r.listEvidence(ctx, q.OfficeFilter())
	if err != nil {
		return rep, err
	}
	rows, err := r.staffRows(ctx, q.Office.ID, ev.scores)
	if err != nil {
		return rep, err
	}
	people := make([]survey.PersonInput, len(rows))
	for i, row := range rows {
		people[i] = ev.input(row.Staff)
	}
	rep.Appraisal, rep.VisitCodes = r.rules.Appraise(people), ev.visitCodes
	return rep, nil
}

// listEvidence is what the list rules weigh for the people f selects (the
// whole office, or one NIP): their score cells of the period and of the
// months before it, their rollup cells, their ratings on days without a
// visit code, and whether the office issued visit codes in the period.
type listEvidence struct {
	scores     []survey.PersonCell
	history    map[string][]survey.PersonCell
	byNIP      map[string][]survey.PersonCell
	cells      map[string][]survey.Cell
	noVisit    map[string][]survey.NoVisitCount
	visitCodes bool
}

// listEvidence reads the list evidence of f's office and period.
func (r reports) listEvidence(ctx context.Context, f survey.ReportFilter) (listEvidence, error) {
	ev := listEvidence{history: map[string][]survey.PersonCell{}, byNIP: map[string][]survey.PersonCell{},
		cells: map[string][]survey.Cell{}, noVisit: map[string][]survey.NoVisitCount{}}
	var err error
	if ev.scores, err = r.store.PersonCells(ctx, f, r.rules.Attributable); err != nil {
		return ev, err
	}
	for _, c := range ev.scores {
		ev.byNIP[c.NIP] = append(ev.byNIP[c.NIP], c)
	}
	if months := r.rules.Contest.BaselineMonths; months > 0 {
		hf := f
		hf.From, hf.To = f.From.In(web.Jakarta).AddDate(0, -months, 0), f.From
		history, err := r.store.PersonCells(ctx, hf, r.rules.Attributable)
		if err != nil {
			return ev, err
		}
		for _, c := range history {
			ev.history[c.NIP] = append(ev.history[c.NIP], c)
		}
	}
	cells, err := r.store.RollupCells(ctx, f, survey.ByNIP, survey.ByMonth, survey.ByVerified, survey.BySuspect)
	if err != nil {
		return ev, err
	}
	for _, c := range cells {
		ev.cells[c.NIP] = append(ev.cells[c.NIP], c)
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
