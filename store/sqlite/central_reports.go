package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/skmkiosk/skm/survey"
)

// Compile-time check that CentralDB answers report queries.
var _ survey.ReportStore = (*CentralDB)(nil)

// reportWhere turns a report filter into conditions on daily_rollups or on
// responses, whose indexes lead with office_id or nip and day: both select
// the same report days (survey.ReportDay).
func reportWhere(f survey.ReportFilter) (where, error) {
	var w where
	if err := f.Check(); err != nil {
		return w, err
	}
	w.add("office_id = ?", f.OfficeID)
	w.add("day >= ?", survey.JakartaDate(f.From))
	w.add("day < ?", survey.JakartaDate(f.To))
	for _, c := range []struct{ col, v string }{{"unit", f.Unit}, {"counter", f.Counter}, {"nip", f.NIP}, {"service", f.Service}} {
		if c.v != "" {
			w.add(c.col+" = ?", c.v)
		}
	}
	if f.Verified != survey.TriAny {
		w.add("verified = ?", f.Verified == survey.TriYes)
	}
	if f.Suspect != survey.TriAny {
		w.add("suspect = ?", f.Suspect == survey.TriYes)
	}
	return w, nil
}

// tallyDest lists scan destinations for a survey.Tally selected with
// rollupSums or TallyColumns.
func tallyDest(t *survey.Tally) []any {
	dest := []any{&t.N}
	for i := range survey.Elements {
		dest = append(dest, &t.Sum[i], &t.Dist[i][0], &t.Dist[i][1], &t.Dist[i][2], &t.Dist[i][3])
	}
	return dest
}

// SumRollups adds up the daily rollups the filter selects.
func (c *CentralDB) SumRollups(ctx context.Context, f survey.ReportFilter) (survey.Tally, error) {
	w, err := reportWhere(f)
	if err != nil {
		return survey.Tally{}, err
	}
	t, err := ScanTally(c.db.QueryRowContext(ctx, "SELECT "+rollupSums+" FROM daily_rollups"+w.String(), w.args...))
	if err != nil {
		return t, fmt.Errorf("sum rollups of office %d: %w", f.OfficeID, translate(err))
	}
	return t, nil
}

// rollupGroup returns the SQL expressions of the grouping dimensions.
func rollupGroup(by []survey.Dimension) ([]string, error) {
	exprs := make([]string, len(by))
	for i, d := range by {
		switch d {
		case survey.ByMonth:
			exprs[i] = "substr(day, 1, 7)"
		case survey.ByUnit, survey.ByCounter, survey.ByNIP, survey.ByService, survey.ByVerified, survey.BySuspect:
			exprs[i] = string(d)
		default:
			return nil, survey.Invalid("by", fmt.Sprintf("%q is not a report dimension", d), fmt.Sprintf("%q bukan dimensi laporan", d))
		}
	}
	return exprs, nil
}

// RollupCells groups the selected daily rollups by the given dimensions.
func (c *CentralDB) RollupCells(ctx context.Context, f survey.ReportFilter, by ...survey.Dimension) ([]survey.Cell, error) {
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	exprs, err := rollupGroup(by)
	if err != nil {
		return nil, err
	}
	q := "SELECT " + strings.Join(append(slices.Clone(exprs), rollupSums), ", ") + " FROM daily_rollups" + w.String()
	if len(exprs) > 0 {
		q += " GROUP BY " + strings.Join(exprs, ", ") + " ORDER BY " + strings.Join(exprs, ", ")
	}
	return queryAll(ctx, c.db, fmt.Sprintf("rollup cells of office %d", f.OfficeID), func(sc scanner) (survey.Cell, error) {
		var x survey.Cell
		dest := make([]any, 0, len(by)+len(rollupCounts))
		for _, d := range by {
			dest = append(dest, x.Dest(d))
		}
		err := sc.Scan(append(dest, tallyDest(&x.Tally)...)...)
		return x, err
	}, q, w.args...)
}

// scoreExpr is the SQL sum of a response's answers to the attributable
// elements, whose codes come from survey.Elements only.
func scoreExpr(attributable []survey.Element) (string, error) {
	if len(attributable) == 0 {
		return "", survey.Invalid("attributable", "name at least one attributable element", "sebutkan paling sedikit satu unsur")
	}
	cols := make([]string, len(attributable))
	for i, e := range attributable {
		if !e.Valid() {
			return "", survey.Invalid("attributable", fmt.Sprintf("%q is not an element code", e), fmt.Sprintf("%q bukan kode unsur", e))
		}
		cols[i] = string(e)
	}
	return "(" + strings.Join(cols, " + ") + ")", nil
}

// PersonCells sums individual scores per NIP, month, verification,
// suspicion, channel and flags, counting each score: exact on every backend.
func (c *CentralDB) PersonCells(ctx context.Context, f survey.ReportFilter, attributable []survey.Element) ([]survey.PersonCell, error) {
	score, err := scoreExpr(attributable)
	if err != nil {
		return nil, err
	}
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	rows, err := c.db.QueryContext(ctx, "SELECT nip, substr(day, 1, 7), verified, suspect, channel, flags, "+score+", COUNT(*) FROM responses"+w.String()+
		" GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7", w.args...)
	if err != nil {
		return nil, fmt.Errorf("person scores of office %d: %w", f.OfficeID, translate(err))
	}
	defer rows.Close()
	var cells []survey.PersonCell
	for rows.Next() {
		var key survey.PersonCell
		var s, n int64
		if err := rows.Scan(&key.NIP, &key.Month, &key.Verified, &key.Suspect, &key.Channel, &key.Flags, &s, &n); err != nil {
			return nil, fmt.Errorf("person scores of office %d: %w", f.OfficeID, translate(err))
		}
		if cells, err = survey.AddScoreRow(cells, key, s, n); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person scores of office %d: %w", f.OfficeID, translate(err))
	}
	return cells, nil
}

// givenDay is the Asia/Jakarta day a response was given (UTC+7, no DST):
// its day column is the day it counts on, later for a late upload.
const givenDay = "date(responses.created_at, '+7 hours')"

// noVisitSQL keeps the unverified, unflagged responses given on days when
// the office issued visit codes but none for the staff member rated.
const noVisitSQL = ` AND verified = 0 AND suspect = 0
	AND EXISTS (SELECT 1 FROM visit_tallies t WHERE t.office_id = responses.office_id AND t.day = ` + givenDay + ` AND t.issued > 0)
	AND NOT EXISTS (SELECT 1 FROM visit_tallies t WHERE t.office_id = responses.office_id AND t.day = ` + givenDay + `
		AND t.nip = responses.nip AND t.issued > 0)`

// NoVisitCounts counts unverified, unflagged responses per NIP and day on
// days without a visit code for the staff member rated.
func (c *CentralDB) NoVisitCounts(ctx context.Context, f survey.ReportFilter) ([]survey.NoVisitCount, error) {
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, c.db, fmt.Sprintf("ratings without visits of office %d", f.OfficeID), func(sc scanner) (survey.NoVisitCount, error) {
		var x survey.NoVisitCount
		err := sc.Scan(&x.NIP, &x.Day, &x.N)
		return x, err
	}, "SELECT nip, "+givenDay+", COUNT(*) FROM responses"+w.String()+noVisitSQL+" GROUP BY 1, 2 ORDER BY 1, 2", w.args...)
}

// FindComments lists the selected non-empty comments by month and text.
func (c *CentralDB) FindComments(ctx context.Context, f survey.ReportFilter) ([]survey.Comment, error) {
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	w.conds = append(w.conds, "comment <> ''")
	return queryAll(ctx, c.db, fmt.Sprintf("comments of office %d", f.OfficeID), func(sc scanner) (survey.Comment, error) {
		var x survey.Comment
		err := sc.Scan(&x.Month, &x.Text, &x.NIP, &x.Verified, &x.Suspect)
		return x, err
	}, "SELECT substr(day, 1, 7), comment, nip, verified, suspect FROM responses"+w.String()+" ORDER BY 1, 2, 3, 4, 5", w.args...)
}

// ProfileCells counts the selected responses per respondent profile.
func (c *CentralDB) ProfileCells(ctx context.Context, f survey.ReportFilter) ([]survey.ProfileCell, error) {
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, c.db, fmt.Sprintf("respondent profiles of office %d", f.OfficeID), func(sc scanner) (survey.ProfileCell, error) {
		var x survey.ProfileCell
		p := &x.Profile
		err := sc.Scan(&p.AgeBand, &p.Sex, &p.Education, &p.Occupation, &x.Month, &x.NIP, &x.Verified, &x.Suspect, &x.N)
		return x, err
	}, "SELECT age_band, sex, education, occupation, substr(day, 1, 7), nip, verified, suspect, COUNT(*) FROM responses"+w.String()+
		" GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8", w.args...)
}
