package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// Compile-time check that DB answers report queries.
var _ survey.ReportStore = (*DB)(nil)

// reportWhere turns a report filter into conditions on responses, whose
// indexes lead with office_id or nip and day; rollupSource selects the same
// report days (survey.ReportDay) from the rollups.
func reportWhere(f survey.ReportFilter) (where, error) {
	var w where
	if err := f.Check(); err != nil {
		return w, err
	}
	w.add("office_id = ?", f.OfficeID)
	w.add("day >= ?", jakartaDay(f.From))
	w.add("day < ?", jakartaDay(f.To))
	addDimensions(&w, f)
	return w, nil
}

// addDimensions adds the filter's conditions other than the office and the period.
func addDimensions(w *where, f survey.ReportFilter) {
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
}

// rollupSource returns, as a derived table with daily_rollups' columns, the
// rollup rows a report over f sums, and their arguments: monthly_rollups for
// the months the period covers whole (day is then the month's first) and
// daily_rollups for the days before and after them. An office's year is 24
// rows per cell instead of 730.
func rollupSource(f survey.ReportFilter) (string, []any, error) {
	var w where
	if err := f.Check(); err != nil {
		return "", nil, err
	}
	w.add("office_id = ?", f.OfficeID)
	addDimensions(&w, f)
	filter, args := strings.Join(w.conds, " AND "), w.args
	cols := strings.Join(rollupCounts, ", ")
	branch := func(table, date string, from, to time.Time) string {
		args = append(args, from, to)
		return fmt.Sprintf("SELECT %s AS day, unit, counter, nip, service, verified, suspect, %s FROM %s WHERE %s AND %s >= $%d AND %s < $%d",
			date, cols, table, filter, date, len(args)-1, date, len(args))
	}
	from, to := jakartaDay(f.From), jakartaDay(f.To)
	firstMonth := from
	if from.Day() != 1 {
		firstMonth = time.Date(from.Year(), from.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	endMonth := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	var parts []string
	if firstMonth.Before(endMonth) {
		parts = append(parts, branch("monthly_rollups", "month", firstMonth, endMonth))
		if from.Before(firstMonth) {
			parts = append(parts, branch("daily_rollups", "day", from, firstMonth))
		}
		if endMonth.Before(to) {
			parts = append(parts, branch("daily_rollups", "day", endMonth, to))
		}
	} else {
		parts = append(parts, branch("daily_rollups", "day", from, to))
	}
	return " FROM (" + strings.Join(parts, " UNION ALL ") + ") r", args, nil
}

// tallyDest lists scan destinations for a survey.Tally selected with rollupSums.
func tallyDest(t *survey.Tally) []any {
	dest := []any{&t.N}
	for i := range survey.Elements {
		dest = append(dest, &t.Sum[i], &t.Dist[i][0], &t.Dist[i][1], &t.Dist[i][2], &t.Dist[i][3])
	}
	return dest
}

// SumRollups adds up the rollups the filter selects.
func (d *DB) SumRollups(ctx context.Context, f survey.ReportFilter) (survey.Tally, error) {
	src, args, err := rollupSource(f)
	if err != nil {
		return survey.Tally{}, err
	}
	t, err := scanTally(d.pool.QueryRow(ctx, "SELECT "+rollupSums+src, args...))
	if err != nil {
		return t, fmt.Errorf("sum rollups of office %d: %w", f.OfficeID, translate(err))
	}
	return t, nil
}

// rollupGroup returns the SQL expressions of the grouping dimensions and
// of their selected values. Months group on date_trunc, cheaper than
// formatting every row, and are formatted once per group.
func rollupGroup(by []survey.Dimension) (group, sel []string, err error) {
	for _, d := range by {
		switch d {
		case survey.ByMonth:
			group, sel = append(group, "date_trunc('month', day)"), append(sel, "to_char(date_trunc('month', day), 'YYYY-MM')")
		case survey.ByUnit, survey.ByCounter, survey.ByNIP, survey.ByService, survey.ByVerified, survey.BySuspect:
			group, sel = append(group, string(d)), append(sel, string(d))
		default:
			return nil, nil, survey.Invalid("by", fmt.Sprintf("%q is not a report dimension", d), fmt.Sprintf("%q bukan dimensi laporan", d))
		}
	}
	return group, sel, nil
}

// RollupCells groups the selected rollups by the given dimensions.
func (d *DB) RollupCells(ctx context.Context, f survey.ReportFilter, by ...survey.Dimension) ([]survey.Cell, error) {
	src, args, err := rollupSource(f)
	if err != nil {
		return nil, err
	}
	group, sel, err := rollupGroup(by)
	if err != nil {
		return nil, err
	}
	q := "SELECT " + strings.Join(append(sel, rollupSums), ", ") + src
	if len(group) > 0 {
		q += " GROUP BY " + strings.Join(group, ", ") + " ORDER BY " + strings.Join(group, ", ")
	}
	rows, err := d.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("rollup cells of office %d: %w", f.OfficeID, translate(err))
	}
	return collect(rows, fmt.Sprintf("rollup cells of office %d", f.OfficeID), func(row pgx.Row) (survey.Cell, error) {
		var x survey.Cell
		dest := make([]any, 0, len(by)+len(rollupCounts))
		for _, dim := range by {
			dest = append(dest, x.Dest(dim))
		}
		err := row.Scan(append(dest, tallyDest(&x.Tally)...)...)
		return x, err
	})
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
		cols[i] = string(e) + "::bigint"
	}
	return "(" + strings.Join(cols, " + ") + ")", nil
}

// PersonCells sums individual scores per NIP, month, verification,
// suspicion, channel and flags, counting each score: exact on every backend.
func (d *DB) PersonCells(ctx context.Context, f survey.ReportFilter, attributable []survey.Element) ([]survey.PersonCell, error) {
	score, err := scoreExpr(attributable)
	if err != nil {
		return nil, err
	}
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	rows, err := d.pool.Query(ctx, "SELECT nip, to_char(day, 'YYYY-MM'), verified, suspect, channel, flags, "+score+", COUNT(*) FROM responses"+w.String()+
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
const givenDay = "((responses.created_at AT TIME ZONE 'UTC') + interval '7 hours')::date"

// noVisitSQL keeps the unverified, unflagged responses given on days when
// the office issued visit codes but none for the staff member rated.
const noVisitSQL = ` AND NOT verified AND NOT suspect
	AND EXISTS (SELECT 1 FROM visit_tallies t WHERE t.office_id = responses.office_id AND t.day = ` + givenDay + ` AND t.issued > 0)
	AND NOT EXISTS (SELECT 1 FROM visit_tallies t WHERE t.office_id = responses.office_id AND t.day = ` + givenDay + `
		AND t.nip = responses.nip AND t.issued > 0)`

// NoVisitCounts counts unverified, unflagged responses per NIP and day on
// days without a visit code for the staff member rated.
func (d *DB) NoVisitCounts(ctx context.Context, f survey.ReportFilter) ([]survey.NoVisitCount, error) {
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	rows, err := d.pool.Query(ctx, "SELECT nip, to_char("+givenDay+", 'YYYY-MM-DD'), COUNT(*) FROM responses"+w.String()+noVisitSQL+" GROUP BY 1, 2 ORDER BY 1, 2", w.args...)
	if err != nil {
		return nil, fmt.Errorf("ratings without visits of office %d: %w", f.OfficeID, translate(err))
	}
	return collect(rows, fmt.Sprintf("ratings without visits of office %d", f.OfficeID), func(row pgx.Row) (survey.NoVisitCount, error) {
		var x survey.NoVisitCount
		err := row.Scan(&x.NIP, &x.Day, &x.N)
		return x, err
	})
}

// FindComments lists the selected non-empty comments by month and text.
func (d *DB) FindComments(ctx context.Context, f survey.ReportFilter) ([]survey.Comment, error) {
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	w.conds = append(w.conds, "comment <> ''")
	// COLLATE "C" orders by code point, as SQLite does.
	rows, err := d.pool.Query(ctx, "SELECT to_char(day, 'YYYY-MM'), comment, nip, verified, suspect FROM responses"+w.String()+
		` ORDER BY 1, comment COLLATE "C", nip COLLATE "C", verified, suspect`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("comments of office %d: %w", f.OfficeID, translate(err))
	}
	return collect(rows, fmt.Sprintf("comments of office %d", f.OfficeID), func(row pgx.Row) (survey.Comment, error) {
		var x survey.Comment
		err := row.Scan(&x.Month, &x.Text, &x.NIP, &x.Verified, &x.Suspect)
		return x, err
	})
}

// ProfileCells counts the selected responses per respondent profile.
func (d *DB) ProfileCells(ctx context.Context, f survey.ReportFilter) ([]survey.ProfileCell, error) {
	w, err := reportWhere(f)
	if err != nil {
		return nil, err
	}
	rows, err := d.pool.Query(ctx, "SELECT age_band, sex, education, occupation, to_char(day, 'YYYY-MM'), nip, verified, suspect, COUNT(*) FROM responses"+
		w.String()+` GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, nip COLLATE "C", 7, 8`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("respondent profiles of office %d: %w", f.OfficeID, translate(err))
	}
	return collect(rows, fmt.Sprintf("respondent profiles of office %d", f.OfficeID), func(row pgx.Row) (survey.ProfileCell, error) {
		var x survey.ProfileCell
		p := &x.Profile
		err := row.Scan(&p.AgeBand, &p.Sex, &p.Education, &p.Occupation, &x.Month, &x.NIP, &x.Verified, &x.Suspect, &x.N)
		return x, err
	})
}
