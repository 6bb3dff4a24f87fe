package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

var storedResponseColumns = "id::text, kiosk_id, office_id, seq, nip, service, " + strings.Join(elementColumns(), ", ") +
	`, comment, age_band, sex, education, occupation, channel, verified, visit_id, flags, created_at, received_at,
	unit, counter, unknown_staff, suspect, prev_hash, hash, fingerprint`

func scanStoredResponse(row pgx.Row) (survey.StoredResponse, error) {
	var r survey.StoredResponse
	var flags string
	rt := &r.Ratings
	err := row.Scan(&r.ID, &r.KioskID, &r.OfficeID, &r.Seq, &r.NIP, &r.Service,
		&rt[0], &rt[1], &rt[2], &rt[3], &rt[4], &rt[5], &rt[6], &rt[7], &rt[8],
		&r.Comment, &r.Profile.AgeBand, &r.Profile.Sex, &r.Profile.Education, &r.Profile.Occupation, &r.Channel,
		&r.Verified, &r.VisitID, &flags, &r.CreatedAt, &r.ReceivedAt, &r.Unit, &r.Counter, &r.UnknownStaff, &r.Suspect,
		&r.PrevHash, &r.Hash, &r.Fingerprint)
	r.Flags, r.CreatedAt, r.ReceivedAt = survey.ParseFlags(flags), r.CreatedAt.UTC(), r.ReceivedAt.UTC()
	return r, err
}

// ResponseByID returns one stored response; the id may be any spelling of its UUID.
func (d *DB) ResponseByID(ctx context.Context, id string) (survey.StoredResponse, error) {
	notFound := survey.NewError(survey.ENOTFOUND, "no response "+id, "tidak ada tanggapan "+id)
	canon, ok := canonicalID(id)
	if !ok {
		return survey.StoredResponse{}, notFound
	}
	r, err := scanStoredResponse(d.pool.QueryRow(ctx, "SELECT "+storedResponseColumns+" FROM responses WHERE id = $1::uuid", canon))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, notFound
	}
	if err != nil {
		return r, fmt.Errorf("read response: %w", translate(err))
	}
	return r, nil
}

// CountResponses counts stored responses of a kiosk ("" for all).
func (d *DB) CountResponses(ctx context.Context, kioskID string) (int64, error) {
	var w where
	if kioskID != "" {
		w.add("kiosk_id = ?", kioskID)
	}
	var n int64
	if err := d.pool.QueryRow(ctx, "SELECT COUNT(*) FROM responses"+w.String(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count responses: %w", translate(err))
	}
	return n, nil
}

// HighestSeq returns the highest sequence number stored from the kiosk, 0 when none.
func (d *DB) HighestSeq(ctx context.Context, kioskID string) (int64, error) {
	var n int64
	if err := d.pool.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM responses WHERE kiosk_id = $1", kioskID).Scan(&n); err != nil {
		return 0, fmt.Errorf("highest sequence number of kiosk %s: %w", kioskID, translate(err))
	}
	return n, nil
}

// where collects optional conditions with numbered placeholders, so that a
// filter's zero fields add none and the rest can use their indexes.
type where struct {
	conds []string
	args  []any
}

// add appends cond, whose placeholder is written as ?.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1))
}

// String returns the WHERE clause, or "" without conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// next returns the next placeholder number.
func (w *where) next() string { return fmt.Sprintf("$%d", len(w.args)+1) }

// limit returns n, or nil (no limit: LIMIT NULL) when n is not positive.
func limit(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

// FindFindings lists recorded findings, newest first.
func (d *DB) FindFindings(ctx context.Context, f survey.FindingFilter) ([]survey.Finding, error) {
	var w where
	if f.KioskID != "" {
		w.add("kiosk_id = ?", f.KioskID)
	}
	if f.OfficeID != 0 {
		w.add("office_id = ?", f.OfficeID)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	rows, err := d.pool.Query(ctx, "SELECT id, kind, kiosk_id, office_id, from_seq, to_seq, detail, detected_at FROM findings"+
		w.String()+" ORDER BY id DESC LIMIT "+w.next()+"::bigint", append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("find findings: %w", translate(err))
	}
	return collect(rows, "find findings", func(row pgx.Row) (survey.Finding, error) {
		var x survey.Finding
		err := row.Scan(&x.ID, &x.Kind, &x.KioskID, &x.OfficeID, &x.FromSeq, &x.ToSeq, &x.Detail, &x.DetectedAt)
		x.DetectedAt = x.DetectedAt.UTC()
		return x, err
	})
}
