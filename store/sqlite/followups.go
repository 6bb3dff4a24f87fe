package sqlite

import (
	"context"
	"database/sql"
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
// service and comment of their response (when it is still on the kiosk).
func (k *KioskDB) FindFollowUps(ctx context.Context) ([]survey.FollowUp, error) {
	return queryAll(ctx, k.db, "find follow-ups", func(sc scanner) (survey.FollowUp, error) {
		var f survey.FollowUp
		var created string
		err := sc.Scan(&f.ID, &f.ResponseID, &f.Contact, &f.Consent, &f.Lang, &created, &f.Service, &f.Comment)
		f.CreatedAt = parseTime(created)
		return f, err
	}, `SELECT f.id, f.response_id, f.contact, f.consent_text, f.lang, f.created_at,
		COALESCE(r.service, ''), COALESCE(r.comment, '')
		FROM followups f LEFT JOIN responses r ON r.id = f.response_id ORDER BY f.id`)
}

// CloseFollowUp deletes a follow-up contact: once the follow-up is closed,
// nothing of the contact remains.
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
