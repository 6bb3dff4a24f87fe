package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// AddReportAccess records a report query.
func (c *CentralDB) AddReportAccess(ctx context.Context, a *survey.ReportAccess) error {
	if a.At.IsZero() {
		a.At = c.now()
	}
	res, err := c.db.ExecContext(ctx, `INSERT INTO report_access (at, actor, role, via, what, office_id, period, filter, remote)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, formatTime(a.At), a.Actor, string(a.Role), a.Via, a.What, a.OfficeID, a.Period, a.Filter, a.Remote)
	if err != nil {
		return fmt.Errorf("record report query: %w", translate(err))
	}
	a.ID, err = res.LastInsertId()
	return err
}

// FindReportAccess lists recorded report queries, newest first.
func (c *CentralDB) FindReportAccess(ctx context.Context, f survey.ReportAccessFilter) ([]survey.ReportAccess, error) {
	var w where
	if f.OfficeID != 0 {
		w.add("office_id = ?", f.OfficeID)
	}
	if f.Actor != "" {
		w.add("actor = ?", f.Actor)
	}
	return queryAll(ctx, c.db, "read report queries", func(sc scanner) (survey.ReportAccess, error) {
		var a survey.ReportAccess
		var at, role string
		err := sc.Scan(&a.ID, &at, &a.Actor, &role, &a.Via, &a.What, &a.OfficeID, &a.Period, &a.Filter, &a.Remote)
		a.At, a.Role = parseTime(at), survey.Role(role)
		return a, err
	}, "SELECT id, at, actor, role, via, what, office_id, period, filter, remote FROM report_access"+w.String()+
		" ORDER BY at DESC, id DESC LIMIT ?", append(w.args, limit(f.Limit))...)
}

// PurgeReportAccess deletes the report queries recorded before t.
func (c *CentralDB) PurgeReportAccess(ctx context.Context, before time.Time) (int64, error) {
	res, err := c.db.ExecContext(ctx, "DELETE FROM report_access WHERE at < ?", formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("purge report queries: %w", translate(err))
	}
	return res.RowsAffected()
}
