package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// FindGaps lists the sequence ranges missing from each kiosk's stored
// responses, from 1 to its highest stored seq, derived from what is stored.
// LAG's default of 0 makes a missing start (lowest seq > 1) a gap too.
func (d *DB) FindGaps(ctx context.Context, kioskID string) ([]survey.Finding, error) {
	var w where
	if kioskID != "" {
		w.add("kiosk_id = ?", kioskID)
	}
	rows, err := d.pool.Query(ctx, `SELECT g.kiosk_id, k.office_id, g.prev + 1, g.seq - 1 FROM (
			SELECT kiosk_id, seq, LAG(seq, 1, 0::bigint) OVER (PARTITION BY kiosk_id ORDER BY seq) AS prev
			FROM responses`+w.String()+`
		) g JOIN kiosks k ON k.id = g.kiosk_id
		WHERE g.seq > g.prev + 1 ORDER BY g.kiosk_id, g.seq`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find gaps: %w", translate(err))
	}
	gaps, err := collect(rows, "find gaps", func(row pgx.Row) (survey.Finding, error) {
		f := survey.Finding{Kind: survey.FindingGap}
		err := row.Scan(&f.KioskID, &f.OfficeID, &f.FromSeq, &f.ToSeq)
		f.Detail = fmt.Sprintf("sequence numbers %d–%d never arrived: rows deleted at the kiosk before upload, or not uploaded yet", f.FromSeq, f.ToSeq)
		return f, err
	})
	if err != nil {
		return nil, err
	}
	skips, err := skipRanges(ctx, d.pool, kioskID)
	if err != nil {
		return nil, err
	}
	return survey.SkipGaps(gaps, skips), nil
}

// FindReceipts aggregates uploads per kiosk and night (Asia/Jakarta), newest
// first. Buffered is the kiosk's pending count at its first batch of the
// night; Gaps counts the kiosk's missing sequence numbers now.
func (d *DB) FindReceipts(ctx context.Context, f survey.ReceiptFilter) ([]survey.Receipt, error) {
	var w where
	if f.KioskID != "" {
		w.add("b.kiosk_id = ?", f.KioskID)
	}
	if f.OfficeID != 0 {
		w.add("b.office_id = ?", f.OfficeID)
	}
	rows, err := d.pool.Query(ctx, `SELECT b.kiosk_id, b.office_id, b.night, COUNT(*),
			(SELECT l.buffered FROM batches l WHERE l.kiosk_id = b.kiosk_id AND l.night = b.night ORDER BY l.id LIMIT 1),
			SUM(b.sent)::bigint, SUM(b.stored)::bigint, SUM(b.duplicates)::bigint, SUM(b.refused)::bigint, MAX(b.received_at)
		FROM batches b`+w.String()+`
		GROUP BY b.kiosk_id, b.office_id, b.night ORDER BY b.night DESC, MAX(b.received_at) DESC, b.kiosk_id
		LIMIT `+w.next()+"::bigint", append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("find receipts: %w", translate(err))
	}
	out, err := collect(rows, "find receipts", func(row pgx.Row) (survey.Receipt, error) {
		var r survey.Receipt
		var night time.Time
		err := row.Scan(&r.KioskID, &r.OfficeID, &night, &r.Batches, &r.Buffered, &r.Sent, &r.Stored, &r.Duplicates,
			&r.Refused, &r.LastAt)
		r.Night, r.LastAt = night.Format(time.DateOnly), r.LastAt.UTC()
		return r, err
	})
	if err != nil {
		return nil, err
	}
	return out, d.fillGapCounts(ctx, out)
}

// fillGapCounts sets each receipt's Gaps to its kiosk's missing sequence
// numbers: the highest stored seq minus the distinct seqs stored.
func (d *DB) fillGapCounts(ctx context.Context, rs []survey.Receipt) error {
	missing := map[string]int64{}
	for i := range rs {
		n, ok := missing[rs[i].KioskID]
		if !ok {
			err := d.pool.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) - COUNT(DISTINCT seq) FROM responses WHERE kiosk_id = $1",
				rs[i].KioskID).Scan(&n)
			if err != nil {
				return fmt.Errorf("count gaps of kiosk %s: %w", rs[i].KioskID, translate(err))
			}
			if n > 0 { // numbers a segment skipped are not missing: count the gaps themselves
				gaps, err := d.FindGaps(ctx, rs[i].KioskID)
				if err != nil {
					return err
				}
				n = survey.CountGaps(gaps)
			}
			missing[rs[i].KioskID] = n
		}
		rs[i].Gaps = n
	}
	return nil
}
