package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/skmkiosk/skm/survey"
)

var storedResponseColumns = "id, kiosk_id, office_id, seq, nip, service, " + elementList("") +
	`, comment, age_band, sex, education, occupation, channel, verified, visit_id, flags, created_at, received_at,
	unit, counter, unknown_staff, suspect, prev_hash, hash, fingerprint`

func scanStoredResponse(sc scanner) (survey.StoredResponse, error) {
	var r survey.StoredResponse
	var flags, created, received string
	rt := &r.Ratings
	err := sc.Scan(&r.ID, &r.KioskID, &r.OfficeID, &r.Seq, &r.NIP, &r.Service,
		&rt[0], &rt[1], &rt[2], &rt[3], &rt[4], &rt[5], &rt[6], &rt[7], &rt[8],
		&r.Comment, &r.Profile.AgeBand, &r.Profile.Sex, &r.Profile.Education, &r.Profile.Occupation, &r.Channel,
		&r.Verified, &r.VisitID, &flags, &created, &received, &r.Unit, &r.Counter, &r.UnknownStaff, &r.Suspect,
		&r.PrevHash, &r.Hash, &r.Fingerprint)
	r.Flags, r.CreatedAt, r.ReceivedAt = survey.ParseFlags(flags), parseTime(created), parseTime(received)
	return r, err
}

// ResponseByID returns one stored response; the id may be any spelling of its UUID.
func (c *CentralDB) ResponseByID(ctx context.Context, id string) (survey.StoredResponse, error) {
	notFound := survey.NewError(survey.ENOTFOUND, "no response "+id, "tidak ada tanggapan "+id)
	canon, ok := canonicalID(id)
	if !ok {
		return survey.StoredResponse{}, notFound
	}
	r, err := scanStoredResponse(c.db.QueryRowContext(ctx, "SELECT "+storedResponseColumns+" FROM responses WHERE id = ?", canon))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound
	}
	if err != nil {
		return r, fmt.Errorf("read response: %w", translate(err))
	}
	return r, nil
}

// CountResponses counts stored responses of a kiosk ("" for all).
func (c *CentralDB) CountResponses(ctx context.Context, kioskID string) (int64, error) {
	q, args := "SELECT COUNT(*) FROM responses", []any{}
	if kioskID != "" {
		q, args = q+" WHERE kiosk_id = ?", append(args, kioskID)
	}
	var n int64
	if err := c.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count responses: %w", translate(err))
	}
	return n, nil
}

// HighestSeq returns the highest sequence number stored from the kiosk, 0 when none.
func (c *CentralDB) HighestSeq(ctx context.Context, kioskID string) (int64, error) {
	var n int64
	if err := c.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM responses WHERE kiosk_id = ?", kioskID).Scan(&n); err != nil {
		return 0, fmt.Errorf("highest sequence number of kiosk %s: %w", kioskID, translate(err))
	}
	return n, nil
}

// where collects optional conditions, so that a filter's zero fields add none
// and the remaining ones can use their indexes.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, arg)
}

// String returns the WHERE clause, or "" without conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit returns n, or -1 (no limit in SQLite) when n is not positive.
func limit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// FindFindings lists recorded findings, newest first.
func (c *CentralDB) FindFindings(ctx context.Context, f survey.FindingFilter) ([]survey.Finding, error) {
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
	return queryAll(ctx, c.db, "find findings", func(sc scanner) (survey.Finding, error) {
		var x survey.Finding
		var at string
		err := sc.Scan(&x.ID, &x.Kind, &x.KioskID, &x.OfficeID, &x.FromSeq, &x.ToSeq, &x.Detail, &at)
		x.DetectedAt = parseTime(at)
		return x, err
	}, "SELECT id, kind, kiosk_id, office_id, from_seq, to_seq, detail, detected_at FROM findings"+
		w.String()+" ORDER BY id DESC LIMIT ?", append(w.args, limit(f.Limit))...)
}
