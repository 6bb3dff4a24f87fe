package central

import (
	"context"

	"github.com/skmkiosk/skm/survey"
)

// personMonth is one month of a person's report: their individual index
// beside the IKM of the unit they work in.
type personMonth struct {
	Month      string
	Individual survey.Individual
	Unit       groupRow
}

// personReport is a staff member's page for a dialog kinerja (PermenPAN-RB
// 6/2022): evidence for the appraiser, with its counts and intervals, never a
// predikat.
type personReport struct {
	Query reportQuery
	Rules survey.ReportRules
	Staff survey.Staff
	// Individual counts every response; the others split them.
	Individual     survey.Individual
	WithoutSuspect survey.Individual
	Verified       survey.Individual
	Unverified     survey.Individual
	// Lists holds what the appraisal lists weigh: the figure without suspect
	// or contested ratings, the channel split, the flag counts and the
	// contested marker, with its evidence.
	Lists survey.Candidate
	// Unit is the IKM of the staff member's unit over the period.
	Unit   groupRow
	Months []personMonth
	// Elements are the attributable elements from the person's responses,
	// strongest first; empty while the individual figure is not shown.
	Elements   []survey.ElementFigure
	Comments   []survey.Comment
	Statements []survey.StaffStatement
}

// Strongest returns the attributable element with the highest NRR.
func (p personReport) Strongest() survey.ElementFigure {
	if len(p.Elements) == 0 {
		return survey.ElementFigure{}
	}
	return p.Elements[0]
}

// Weakest returns the attributable element with the lowest NRR.
func (p personReport) Weakest() survey.ElementFigure {
	if len(p.Elements) == 0 {
		return survey.ElementFigure{}
	}
	return p.Elements[len(p.Elements)-1]
}

// person builds the report of one staff member for q's period.
func (r reports) person(ctx context.Context, q reportQuery, st survey.Staff) (personReport, error) {
	rep := personReport{Query: q, Rules: r.rules, Staff: st}
	pf := q.OfficeFilter()
	pf.NIP = st.NIP
	ev, err := r.listEvidence(ctx, pf)
	if err != nil {
		return rep, err
	}
	pcells := ev.scores
	rep.Lists, _ = r.rules.Candidate(ev.input(st))
	cells, err := r.store.RollupCells(ctx, pf, survey.ByMonth)
	if err != nil {
		return rep, err
	}
	uf := q.OfficeFilter()
	uf.Unit = st.Unit
	unitCells, err := r.store.RollupCells(ctx, uf, survey.ByMonth)
	if err != nil {
		return rep, err
	}
	where := func(keep func(survey.PersonCell) bool) survey.Individual {
		return r.rules.Individual(survey.PersonCellsWhere(pcells, keep))
	}
	rep.Individual = where(func(survey.PersonCell) bool { return true })
	rep.WithoutSuspect = where(func(c survey.PersonCell) bool { return !c.Suspect })
	rep.Verified = where(func(c survey.PersonCell) bool { return c.Verified })
	rep.Unverified = where(func(c survey.PersonCell) bool { return !c.Verified })
	rep.Unit = r.row(st.Unit, survey.SumCells(unitCells, nil))
	units := r.monthRows(q, unitCells)
	shownMonths := map[string]bool{}
	for i, m := range q.Asked.Months() {
		pm := personMonth{Month: m.Label, Unit: units[i],
			Individual: where(func(c survey.PersonCell) bool { return c.Month == m.Label })}
		shownMonths[m.Label] = pm.Individual.Shown()
		rep.Months = append(rep.Months, pm)
	}
	if rep.Individual.Shown() {
		fig := r.rules.Figures(survey.SumCells(cells, nil))
		for _, e := range fig.Ranked() {
			if r.rules.IsAttributable(e.Element) {
				rep.Elements = append([]survey.ElementFigure{e}, rep.Elements...)
			}
		}
		if rep.Comments, err = r.comments(ctx, pf, shownMonths); err != nil {
			return rep, err
		}
	}
	rep.Statements, err = r.store.FindStaffStatements(ctx, q.Office.ID, st.NIP, q.Code)
	return rep, err
}

// comments returns the person's comments of the months whose cell may be
// shown: a month of fewer than min_cell responses would tell whose they are.
func (r reports) comments(ctx context.Context, f survey.ReportFilter, shown map[string]bool) ([]survey.Comment, error) {
	all, err := r.store.FindComments(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []survey.Comment
	for _, c := range all {
		if shown[c.Month] {
			out = append(out, c)
		}
	}
	return out, nil
}
