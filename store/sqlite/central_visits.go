package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/skmkiosk/skm/survey"
)

// SaveVisitTallies raises the kiosk's tallies for the days, staff and
// services given to what it sent, in one transaction; an older tally
// replayed never lowers them.
func (c *CentralDB) SaveVisitTallies(ctx context.Context, kioskID string, tallies []survey.VisitTally) error {
	if err := survey.CheckVisitTallies(tallies); err != nil {
		return err
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save visit tallies: %w", translate(err))
	}
	defer tx.Rollback()
	var officeID int64
	err = tx.QueryRowContext(ctx, "SELECT office_id FROM kiosks WHERE id = ?", kioskID).Scan(&officeID)
	if errors.Is(err, sql.ErrNoRows) {
		return survey.NewError(survey.ENOTFOUND, "unknown kiosk "+kioskID, "kios "+kioskID+" tidak dikenal")
	}
	if err != nil {
		return fmt.Errorf("save visit tallies of kiosk %s: %w", kioskID, translate(err))
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO visit_tallies (kiosk_id, office_id, day, nip, service, issued, rated, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kiosk_id, day, nip, service) DO UPDATE SET issued = MAX(issued, excluded.issued), rated = MAX(rated, excluded.rated), updated_at = excluded.updated_at`)
	if err != nil {
		return fmt.Errorf("save visit tallies: %w", translate(err))
	}
	defer stmt.Close()
	now := formatTime(c.now())
	for _, t := range tallies {
		if _, err := stmt.ExecContext(ctx, kioskID, officeID, t.Day, t.NIP, t.Service, t.Issued, t.Rated, now); err != nil {
			return fmt.Errorf("save visit tally %s %s %s: %w", t.Day, t.NIP, t.Service, translate(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save visit tallies: %w", translate(err))
	}
	return nil
}

// CountVisitTallies sums the office's tallies that f selects.
func (c *CentralDB) CountVisitTallies(ctx context.Context, f survey.ReportFilter) (survey.VisitCounts, error) {
	var v survey.VisitCounts
	if err := f.Check(); err != nil {
		return v, err
	}
	var w where
	w.add("office_id = ?", f.OfficeID)
	w.add("day >= ?", survey.JakartaDate(f.From))
	w.add("day < ?", survey.JakartaDate(f.To))
	if f.NIP != "" {
		w.add("nip = ?", f.NIP)
	}
	if f.Service != "" {
		w.add("service = ?", f.Service)
	}
	for _, r := range []struct{ col, v string }{{"unit", f.Unit}, {"counter", f.Counter}} {
		if r.v != "" {
			w.conds = append(w.conds, "nip IN (SELECT nip FROM staff WHERE office_id = ? AND "+r.col+" = ?)")
			w.args = append(w.args, f.OfficeID, r.v)
		}
	}
	err := c.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(issued), 0), COALESCE(SUM(rated), 0) FROM visit_tallies"+w.String(), w.args...).
		Scan(&v.Issued, &v.Rated)
	if err != nil {
		return v, fmt.Errorf("count visit tallies of office %d: %w", f.OfficeID, translate(err))
	}
	return v, nil
}
