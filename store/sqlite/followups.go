package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

var _ survey.IntakeStore = (*KioskDB)(nil)

// RegisterCounterDevice records keyed hashes of the device and address where
// nip's counter account opened its counter screen.
func (k *KioskDB) RegisterCounterDevice(ctx context.Context, nip string, hashes []string) error {
	at := formatTime(k.now())
	for _, h := range hashes {
		if _, err := k.db.ExecContext(ctx, `INSERT INTO counter_devices (key_hash, nip, seen_at) VALUES (?, ?, ?)
			ON CONFLICT (key_hash, nip) DO UPDATE SET seen_at = excluded.seen_at`, h, nip, at); err != nil {
			return fmt.Errorf("register counter device: %w", translate(err))
		}
	}
	return nil
}

// CountRefusals sums the ratings limits refused on the Asia/Jakarta days of [from, to), per reason.
func (k *KioskDB) CountRefusals(ctx context.Context, from, to time.Time) (map[string]int64, error) {
	rows, err := k.db.QueryContext(ctx, "SELECT reason, SUM(count) FROM refusals WHERE day >= ? AND day < ? GROUP BY reason",
		from.In(survey.Jakarta).Format("2006-01-02"), to.In(survey.Jakarta).Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("count refusals: %w", translate(err))
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var reason string
		var n int64
		if err := rows.Scan(&reason, &n); err != nil {
			return nil, fmt.Errorf("count refusals: %w", err)
		}
		out[reason] = n
	}
	return out, rows.Err()
}

// CountRefusal counts one refused attempt at at for nip and reason.
func (k *KioskDB) CountRefusal(ctx context.Context, at time.Time, nip, reason string) error {
	return countRefusal(ctx, k.db, at, nip, reason)
}

// CountFlagged counts the responses created in [from, to) that carry a flag.
func (k *KioskDB) CountFlagged(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := k.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM responses WHERE created_at >= ? AND created_at < ? AND flags != ''",
		formatTime(from), formatTime(to)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count flagged responses: %w", translate(err))
	}
	return n, nil
}

// FindFollowUps lists open follow-up contacts, oldest first, with the
// service and comment of their response (when it is still on the kiosk)
// and the tracking code and central's status of its case, if any.
func (k *KioskDB) FindFollowUps(ctx context.Context) ([]survey.FollowUp, error) {
	return queryAll(ctx, k.db, "find follow-ups", func(sc scanner) (survey.FollowUp, error) {
		var f survey.FollowUp
		var created string
		err := sc.Scan(&f.ID, &f.ResponseID, &f.Contact, &f.Consent, &f.Lang, &created, &f.Service, &f.Comment, &f.Code, &f.Status)
		f.CreatedAt = parseTime(created)
		return f, err
	}, `SELECT f.id, f.response_id, f.contact, f.consent_text, f.lang, f.created_at,
		COALESCE(r.service, ''), COALESCE(r.comment, ''), COALESCE(c.code, ''), COALESCE(c.status, '')
		FROM followups f LEFT JOIN responses r ON r.id = f.response_id
		LEFT JOIN followup_codes c ON c.response_id = f.response_id ORDER BY f.id`)
}

// TrackingCodeOf returns the tracking code given with a response.
func (k *KioskDB) TrackingCodeOf(ctx context.Context, responseID string) (string, error) {
	var code string
	err := k.db.QueryRowContext(ctx, "SELECT code FROM followup_codes WHERE response_id = ?", responseID).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", survey.NewError(survey.ENOTFOUND, "no tracking code for this rating", "tidak ada kode lacak untuk penilaian ini")
	}
	if err != nil {
		return "", fmt.Errorf("read tracking code: %w", translate(err))
	}
	return code, nil
}

// HasTrackingCode reports whether the kiosk gave code.
func (k *KioskDB) HasTrackingCode(ctx context.Context, code string) (bool, error) {
	var n int
	if err := k.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM followup_codes WHERE code = ?", code).Scan(&n); err != nil {
		return false, fmt.Errorf("look up tracking code: %w", translate(err))
	}
	return n > 0, nil
}

// PendingTrackingCodes lists, in code order after the code after, up to
// limit codes central has not yet answered or refused: new ones, and those
// whose case is open. The uploader pages through them with after.
func (k *KioskDB) PendingTrackingCodes(ctx context.Context, after string, limit int) ([]survey.FollowUpRef, error) {
	return queryAll(ctx, k.db, "pending tracking codes", func(sc scanner) (survey.FollowUpRef, error) {
		var r survey.FollowUpRef
		return r, sc.Scan(&r.Code, &r.ResponseID)
	}, "SELECT code, response_id FROM followup_codes WHERE status NOT IN (?, ?) AND code > ? ORDER BY code LIMIT ?",
		string(survey.FollowUpAnswered), survey.FollowUpRefused, after, limit)
}

// ApplyFollowUpResults records central's answers in one transaction. A case
// answered deletes the contact given with its rating: the follow-up no
// longer needs it (UU 27/2022, Pasal 16).
func (k *KioskDB) ApplyFollowUpResults(ctx context.Context, results []survey.FollowUpResult, at time.Time) (int64, error) {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, translate(err)
	}
	defer tx.Rollback()
	var deleted int64
	for _, r := range results {
		if _, err := tx.ExecContext(ctx, "UPDATE followup_codes SET status = ?, reason = ?, checked_at = ? WHERE code = ?",
			r.Status, r.Reason, formatTime(at), r.Code); err != nil {
			return 0, fmt.Errorf("record follow-up status: %w", translate(err))
		}
		if r.Status != string(survey.FollowUpAnswered) {
			continue
		}
		n, err := execCount(ctx, tx, "DELETE FROM followups WHERE response_id = (SELECT response_id FROM followup_codes WHERE code = ?)", r.Code)
		if err != nil {
			return 0, fmt.Errorf("delete answered follow-up contact: %w", err)
		}
		deleted += n
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("record follow-up status: %w", translate(err))
	}
	return deleted, nil
}

// SavePartial keeps an unfinished survey apart from the responses; the same
// form kept twice is kept once, with its later answers.
func (k *KioskDB) SavePartial(ctx context.Context, p survey.Partial) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = k.now()
	}
	ratings, err := p.Ratings.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = k.db.ExecContext(ctx, `INSERT INTO partial_responses (form_key, nip, service, ratings, answered, channel, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (form_key) DO UPDATE SET service = excluded.service,
		ratings = excluded.ratings, answered = excluded.answered`,
		p.FormKey, p.NIP, p.Service, string(ratings), p.Answered(), p.Channel, formatTime(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("keep unfinished survey: %w", translate(err))
	}
	return nil
}

// CountPartials counts the unfinished surveys kept in [from, to).
func (k *KioskDB) CountPartials(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := k.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM partial_responses WHERE created_at >= ? AND created_at < ?",
		formatTime(from), formatTime(to)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unfinished surveys: %w", translate(err))
	}
	return n, nil
}

// CloseFollowUp deletes a follow-up contact: once the follow-up is closed,
// nothing of the contact remains. Its tracking code stays, so that central
// still learns of the case and the citizen can still follow it.
func (k *KioskDB) CloseFollowUp(ctx context.Context, id int64) error {
	res, err := k.db.ExecContext(ctx, "DELETE FROM followups WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("close follow-up: %w", translate(err))
	}
	return mustAffect(res, "no such follow-up contact (already closed?)", "kontak tindak lanjut tidak ditemukan (sudah ditutup?)")
}

// Purge deletes, in one transaction, what policy p says has expired at now.
// Unsynced responses are never deleted.
func (k *KioskDB) Purge(ctx context.Context, p survey.RetentionPolicy, now time.Time) (survey.PurgeResult, error) {
	var res survey.PurgeResult
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return res, translate(err)
	}
	defer tx.Rollback()
	before := func(d time.Duration) string { return formatTime(now.Add(-d)) }
	steps := []struct {
		on    bool
		n     *int64
		query string
		args  []any
	}{
		{p.SyncedResponses > 0, &res.Responses, "DELETE FROM responses WHERE synced_at IS NOT NULL AND synced_at < ? AND refused_reason = ''",
			[]any{before(p.SyncedResponses)}},
		{p.Visits > 0, &res.Visits, "DELETE FROM visits WHERE issued_at < ?", []any{before(p.Visits)}},
		{p.Contacts > 0, &res.Contacts, "DELETE FROM followups WHERE created_at < ?", []any{before(p.Contacts)}},
		{p.TrackingCodes > 0, &res.Codes, "DELETE FROM followup_codes WHERE created_at < ?", []any{before(p.TrackingCodes)}},
		{p.Partials > 0, &res.Partials, "DELETE FROM partial_responses WHERE created_at < ?", []any{before(p.Partials)}},
		{p.Pseudonyms > 0, &res.Pseudonyms, "DELETE FROM rate_events WHERE at < ?", []any{before(p.Pseudonyms)}},
		{p.Pseudonyms > 0, &res.Pseudonyms, "DELETE FROM counter_devices WHERE seen_at < ?", []any{before(p.Pseudonyms)}},
		{p.Refusals > 0, &res.Refusals, "DELETE FROM refusals WHERE day < ?", []any{now.Add(-p.Refusals).In(survey.Jakarta).Format("2006-01-02")}},
		{true, &res.Sessions, "DELETE FROM sessions WHERE expires_at < ?", []any{formatTime(now)}},
	}
	for _, st := range steps {
		if !st.on {
			continue
		}
		n, err := execCount(ctx, tx, st.query, st.args...)
		if err != nil {
			return res, fmt.Errorf("retention: %w", err)
		}
		*st.n += n
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("retention: %w", translate(err))
	}
	return res, nil
}

func execCount(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	r, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translate(err)
	}
	return r.RowsAffected()
}
