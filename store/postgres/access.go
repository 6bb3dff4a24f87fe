package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// AddReportAccess records a report query.
func (d *DB) AddReportAccess(ctx context.Context, a *survey.ReportAccess) error {
	if a.At.IsZero() {
		a.At = d.now()
	}
	err := d.pool.QueryRow(ctx, `INSERT INTO report_access (at, actor, role, via, what, office_id, period, filter, remote)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		utc(a.At), a.Actor, string(a.Role), a.Via, a.What, a.OfficeID, a.Period, a.Filter, a.Remote).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("record report query: %w", translate(err))
	}
	return nil
}

// FindReportAccess lists recorded report queries, newest first.
func (d *DB) FindReportAccess(ctx context.Context, f survey.ReportAccessFilter) ([]survey.ReportAccess, error) {
	var w where
	if f.OfficeID != 0 {
		w.add("office_id = ?", f.OfficeID)
	}
	if f.Actor != "" {
		w.add("actor = ?", f.Actor)
	}
	rows, err := d.pool.Query(ctx, "SELECT id, at, actor, role, via, what, office_id, period, filter, remote FROM report_access"+w.String()+
		" ORDER BY at DESC, id DESC LIMIT "+w.next(), append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("read report queries: %w", translate(err))
	}
	return collect(rows, "read report queries", func(row pgx.Row) (survey.ReportAccess, error) {
		var a survey.ReportAccess
		var role string
		err := row.Scan(&a.ID, &a.At, &a.Actor, &role, &a.Via, &a.What, &a.OfficeID, &a.Period, &a.Filter, &a.Remote)
		a.At, a.Role = a.At.UTC(), survey.Role(role)
		return a, err
	})
}

// PurgeReportAccess deletes the report queries recorded before t.
func (d *DB) PurgeReportAccess(ctx context.Context, before time.Time) (int64, error) {
	tag, err := d.pool.Exec(ctx, "DELETE FROM report_access WHERE at < $1", utc(before))
	if err != nil {
		return 0, fmt.Errorf("purge report queries: %w", translate(err))
	}
	return tag.RowsAffected(), nil
}
