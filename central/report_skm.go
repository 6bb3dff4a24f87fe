package central

import (
	"context"
	"slices"

	"github.com/skmkiosk/skm/survey"
)

// skmReport is the SKM report of an office and period in the shape
// PermenPAN-RB 14/2017 expects: respondent profile, NRR per element, IKM and
// mutu, the elements ranked lowest first, and the follow-up plan.
type skmReport struct {
	Query reportQuery
	Rules survey.ReportRules
	groupRow
	Ranked   []survey.ElementFigure
	Profile  []survey.ProfileCount
	Months   []groupRow
	Services []groupRow
	RTL      []survey.RTLAction
}

// skm builds the SKM report of q's office and period.
func (r reports) skm(ctx context.Context, q reportQuery) (skmReport, error) {
	rep := skmReport{Query: q, Rules: r.rules}
	rel, err := r.release(ctx, q.Office.ID, q.Period)
	if err != nil {
		return rep, err
	}
	f := q.OfficeFilter()
	rep.groupRow = r.row(rel, "all", f)
	rep.Ranked, rep.Months = rep.Figures.Ranked(), r.monthRows(rel, q, f)
	labels, err := r.serviceLabels(ctx, q.Office.ID)
	if err != nil {
		return rep, err
	}
	rep.Services = r.rows(rel, f, survey.ByService, labels)
	if rep.Profile, err = r.profile(ctx, rel, f); err != nil {
		return rep, err
	}
	rep.RTL, err = r.store.FindRTL(ctx, q.Office.ID, q.Code)
	return rep, err
}

// profile counts the respondent profiles of the ratings the figure of f
// rests on: a profile is an answer like the others.
func (r reports) profile(ctx context.Context, rel *survey.Release, f survey.ReportFilter) ([]survey.ProfileCount, error) {
	cells, err := r.store.ProfileCells(ctx, f)
	if err != nil {
		return nil, err
	}
	p := rel.Part(f)
	shown := slices.DeleteFunc(cells, func(c survey.ProfileCell) bool { return !p.ShowsLeaf(c.Month, c.NIP, c.Verified, c.Suspect) })
	return survey.CountProfiles(shown), nil
}

// publicReport is an office's transparency page: office-level figures only,
// never a person's.
type publicReport struct {
	Query reportQuery
	Rules survey.ReportRules
	groupRow
	Periods []string
}

// public builds the public figures of q's office and period.
func (r reports) public(ctx context.Context, q reportQuery) (publicReport, error) {
	rel, err := r.release(ctx, q.Office.ID, q.Period)
	if err != nil {
		return publicReport{}, err
	}
	return publicReport{Query: q, Rules: r.rules, groupRow: r.row(rel, "all", q.OfficeFilter())}, nil
}
