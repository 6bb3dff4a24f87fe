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
	Individual survey.Individual
	// HeldBack counts the ratings of the person the figures leave out.
	HeldBack       int64
	WithoutSuspect survey.Individual
	Verified       survey.Individual
	Unverified     survey.Individual
	// Lists holds what the appraisal lists weigh: the figure without suspect
	// or contested ratings, the channel split, the flag counts and the
	// contested marker, with its evidence; ListsHeld what the release holds
	// back from each of its figures.
	Lists     survey.Candidate
	ListsHeld personHeld
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

// person builds the report of one staff member for q's period. Each figure
// rests on its own release groups: the person's, each month's, the unit's.
func (r reports) person(ctx context.Context, q reportQuery, st survey.Staff) (personReport, error) {
	rep := personReport{Query: q, Rules: r.rules, Staff: st}
	rel, err := r.release(ctx, q.Office.ID, q.Period)
	if err != nil {
		return rep, err
	}
	pf := q.OfficeFilter()
	pf.NIP = st.NIP
	ev, err := r.listEvidence(ctx, rel, pf)
	if err != nil {
		return rep, err
	}
	pcells := ev.scores
	rep.Lists, _ = r.rules.Candidate(ev.input(st))
	rep.Lists, rep.ListsHeld = r.released(ev, pf.From, pf.To, rep.Lists)
	ind := func(edit func(*survey.ReportFilter)) survey.Individual {
		f := pf
		edit(&f)
		x, _ := r.individual(rel, f, pcells)
		return x
	}
	rep.Individual, rep.HeldBack = r.individual(rel, pf, pcells)
	rep.WithoutSuspect = ind(func(f *survey.ReportFilter) { f.Suspect = survey.TriNo })
	rep.Verified = ind(func(f *survey.ReportFilter) { f.Verified = survey.TriYes })
	rep.Unverified = ind(func(f *survey.ReportFilter) { f.Verified = survey.TriNo })
	uf := q.OfficeFilter()
	uf.Unit = st.Unit
	rep.Unit = r.row(rel, st.Unit, uf)
	units := r.monthRows(rel, q, uf)
	for i, m := range q.Period.Months() {
		rep.Months = append(rep.Months, personMonth{Month: m.Label, Unit: units[i],
			Individual: ind(func(f *survey.ReportFilter) { f.From, f.To = m.From, m.To })})
	}
	if rep.Individual.Shown() {
		whole := rel.Part(pf)
		fig := r.rules.Figures(whole.Tally())
		for _, e := range fig.Ranked() {
			if r.rules.IsAttributable(e.Element) {
				rep.Elements = append([]survey.ElementFigure{e}, rep.Elements...)
			}
		}
		if rep.Comments, err = r.comments(ctx, pf, whole); err != nil {
			return rep, err
		}
	}
	rep.Statements, err = r.store.FindStaffStatements(ctx, q.Office.ID, st.NIP, q.Code)
	return rep, err
}

// comments returns the comments of the ratings the part rests on: a comment
// of a rating held back would tell whose it is.
func (r reports) comments(ctx context.Context, f survey.ReportFilter, p survey.Part) ([]survey.Comment, error) {
	all, err := r.store.FindComments(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []survey.Comment
	for _, c := range all {
		if p.ShowsLeaf(c.Month, c.NIP, c.Verified, c.Suspect) {
			out = append(out, c)
		}
	}
	return out, nil
}
