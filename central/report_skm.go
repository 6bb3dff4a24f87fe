package central

import (
	"context"

	"github.com/skmkiosk/skm/survey"
)

// skmReport is the SKM report of an office and period in the shape
// PermenPAN-RB 14/2017 expects: respondent profile, NRR per element, IKM and
// mutu, the elements ranked lowest first, and the follow-up plan.
type skmReport struct {
	Query    reportQuery
	Rules    survey.ReportRules
	Figures  survey.Figures
	Ranked   []survey.ElementFigure
	Profile  []survey.ProfileCount
	Months   []groupRow
	Services []groupRow
	RTL      []survey.RTLAction
}

// skm builds the SKM report of q's office and period.
func (r reports) skm(ctx context.Context, q reportQuery) (skmReport, error) {
	rep := skmReport{Query: q, Rules: r.rules}
	f := q.OfficeFilter()
	cells, err := r.store.RollupCells(ctx, f, survey.ByMonth, survey.ByService)
	if err != nil {
		return rep, err
	}
	rep.Figures = r.rules.Figures(survey.SumCells(cells, nil))
	rep.Ranked, rep.Months = rep.Figures.Ranked(), r.monthRows(q, cells)
	if rep.Services, err = r.serviceRows(ctx, q.Office.ID, cells); err != nil {
		return rep, err
	}
	profiles, err := r.store.ProfileCells(ctx, f)
	if err != nil {
		return rep, err
	}
	rep.Profile = survey.CountProfiles(profiles)
	rep.RTL, err = r.store.FindRTL(ctx, q.Office.ID, q.Code)
	return rep, err
}

// publicReport is an office's transparency page: office-level figures only,
// never a person's.
type publicReport struct {
	Query   reportQuery
	Rules   survey.ReportRules
	Figures survey.Figures
	Periods []string
}

// public builds the public figures of q's office and period.
func (r reports) public(ctx context.Context, q reportQuery) (publicReport, error) {
	t, err := r.store.SumRollups(ctx, q.OfficeFilter())
	if err != nil {
		return publicReport{}, err
	}
	return publicReport{Query: q, Rules: r.rules, Figures: r.rules.Figures(t)}, nil
}
