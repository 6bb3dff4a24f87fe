package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// SaveVisitTallies raises the kiosk's tallies for the days, staff and
// services given to what it sent, in one transaction; an older tally
// replayed never lowers them.
func (d *DB) SaveVisitTallies(ctx context.Context, kioskID string, tallies []survey.VisitTally) error {
	if err := survey.CheckVisitTallies(tallies); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		var officeID int64
		err := tx.QueryRow(ctx, "SELECT office_id FROM kiosks WHERE id = $1", kioskID).Scan(&officeID)
		if errors.Is(err, pgx.ErrNoRows) {
			return survey.NewError(survey.ENOTFOUND, "unknown kiosk "+kioskID, "kios "+kioskID+" tidak dikenal")
		}
		if err != nil {
			return fmt.Errorf("save visit tallies of kiosk %s: %w", kioskID, translate(err))
		}
		now := utc(d.now())
		var b pgx.Batch
		for _, t := range tallies {
			day, _ := time.Parse(time.DateOnly, t.Day) // checked above
			b.Queue(`INSERT INTO visit_tallies (kiosk_id, office_id, day, nip, service, issued, rated, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (kiosk_id, day, nip, service) DO UPDATE SET issued = GREATEST(visit_tallies.issued, excluded.issued), rated = GREATEST(visit_tallies.rated, excluded.rated), updated_at = excluded.updated_at`,
				kioskID, officeID, day, t.NIP, t.Service, t.Issued, t.Rated, now)
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("save visit tallies of kiosk %s: %w", kioskID, translate(err))
		}
		return nil
	})
}

// CountVisitTallies sums the office's tallies that f selects.
func (d *DB) CountVisitTallies(ctx context.Context, f survey.ReportFilter) (survey.VisitCounts, error) {
	var v survey.VisitCounts
	if err := f.Check(); err != nil {
		return v, err
	}
	var w where
	w.add("office_id = ?", f.OfficeID) // $1, reused by the roster conditions below
	w.add("day >= ?", jakartaDay(f.From))
	w.add("day < ?", jakartaDay(f.To))
	if f.NIP != "" {
		w.add("nip = ?", f.NIP)
	}
	if f.Service != "" {
		w.add("service = ?", f.Service)
	}
	for _, r := range []struct{ col, v string }{{"unit", f.Unit}, {"counter", f.Counter}} {
		if r.v != "" {
			w.add("nip IN (SELECT nip FROM staff WHERE office_id = $1 AND "+r.col+" = ?)", r.v)
		}
	}
	err := d.pool.QueryRow(ctx, "SELECT COALESCE(SUM(issued), 0), COALESCE(SUM(rated), 0) FROM visit_tallies"+w.String(), w.args...).
		Scan(&v.Issued, &v.Rated)
	if err != nil {
		return v, fmt.Errorf("count visit tallies of office %d: %w", f.OfficeID, translate(err))
	}
	return v, nil
}
