package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/survey"
)

const responseColumns = `seq, id, nip, service, persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku,
	pengaduan, sarana, comment, age_band, sex, education, occupation, channel, verified, visit_id, flags,
	COALESCE(idempotency_key, ''), content_hash, created_at, prev_hash, hash, synced_at`

type storedResponse struct {
	survey.Response
	contentHash string
	syncedAt    *time.Time
}

func scanResponse(sc scanner) (storedResponse, error) {
	var s storedResponse
	r := &s.Response
	var flags, created string
	var synced sql.NullString
	rt := &r.Ratings
	err := sc.Scan(&r.Seq, &r.ID, &r.NIP, &r.Service, &rt[0], &rt[1], &rt[2], &rt[3], &rt[4], &rt[5], &rt[6], &rt[7], &rt[8],
		&r.Comment, &r.Profile.AgeBand, &r.Profile.Sex, &r.Profile.Education, &r.Profile.Occupation,
		&r.Channel, &r.Verified, &r.VisitID, &flags, &r.IdempotencyKey, &s.contentHash, &created, &r.PrevHash, &r.Hash, &synced)
	if err != nil {
		return s, err
	}
	if flags != "" {
		r.Flags = strings.Split(flags, ",")
	}
	r.CreatedAt = parseTime(created)
	s.syncedAt = nullTime(synced)
	return s, nil
}

// scanPlainResponse is scanResponse without the kiosk's own columns.
func scanPlainResponse(sc scanner) (survey.Response, error) {
	s, err := scanResponse(sc)
	return s.Response, err
}

// CreateResponse validates r, then queues it for the group writer and returns
// after the commit that holds it. See survey.ResponseStore.
func (k *KioskDB) CreateResponse(ctx context.Context, r *survey.Response) (bool, error) {
	return k.CreateResponseWith(ctx, r, survey.Intake{})
}

// CreateResponseWith is CreateResponse with the submission's intake: its
// visit (r.VisitID) is spent, its limits and flags applied and its contact
// stored, all in the transaction that stores r. A response is verified
// exactly when it names a visit.
func (k *KioskDB) CreateResponseWith(ctx context.Context, r *survey.Response, in survey.Intake) (bool, error) {
	r.Normalize()
	r.Verified = r.VisitID != ""
	if err := r.Validate(k.w.limit); err != nil {
		return false, err
	}
	if r.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return false, fmt.Errorf("new response id: %w", err)
		}
		r.ID = id.String()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = k.now()
	}
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
	return k.w.submit(ctx, r, in)
}

// ResponseByID returns one stored response.
func (k *KioskDB) ResponseByID(ctx context.Context, id string) (survey.Response, error) {
	s, err := scanResponse(k.db.QueryRowContext(ctx, "SELECT "+responseColumns+" FROM responses WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return s.Response, survey.NewError(survey.ENOTFOUND, "no such response", "tanggapan tidak ditemukan")
	}
	if err != nil {
		return s.Response, fmt.Errorf("read response: %w", translate(err))
	}
	return s.Response, nil
}

// PendingResponses returns up to limit unsynced responses with seq > afterSeq,
// oldest first. The uploader pages through the backlog with it, so memory
// stays bounded by one batch.
func (k *KioskDB) PendingResponses(ctx context.Context, afterSeq int64, limit int) ([]survey.Response, error) {
	return queryAll(ctx, k.db, "read pending responses", scanPlainResponse, "SELECT "+responseColumns+` FROM responses
		WHERE synced_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
}

// ResponsesSince returns up to limit responses (synced or not) created at or
// after since with seq > afterSeq, oldest first, for offline batch files.
func (k *KioskDB) ResponsesSince(ctx context.Context, since time.Time, afterSeq int64, limit int) ([]survey.Response, error) {
	return queryAll(ctx, k.db, "read responses", scanPlainResponse, "SELECT "+responseColumns+` FROM responses
		WHERE created_at >= ? AND seq > ? ORDER BY seq LIMIT ?`, formatTime(since), afterSeq, limit)
}

// MarkSynced records that central confirmed the responses with these ids,
// in one statement (one per id was a fifth of the kiosk's work in an upload).
func (k *KioskDB) MarkSynced(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := k.db.ExecContext(ctx, "UPDATE responses SET synced_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND synced_at IS NULL",
		formatTime(at), jsonArray(ids)); err != nil {
		return fmt.Errorf("mark synced: %w", translate(err))
	}
	return nil
}

// MarkRefused records that central refused these responses for reason: they
// are not sent again, and retention keeps them.
func (k *KioskDB) MarkRefused(ctx context.Context, ids []string, reason string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := k.db.ExecContext(ctx, "UPDATE responses SET synced_at = ?, refused_reason = ? WHERE id IN (SELECT value FROM json_each(?)) AND synced_at IS NULL",
		formatTime(at), reason, jsonArray(ids)); err != nil {
		return fmt.Errorf("mark refused: %w", translate(err))
	}
	return nil
}

// ResendAfter marks the responses above seq that central confirmed as
// pending again, and returns how many: central no longer holds them (it was
// restored from a backup). Refused responses stay as they are.
func (k *KioskDB) ResendAfter(ctx context.Context, seq int64) (int64, error) {
	res, err := k.db.ExecContext(ctx, "UPDATE responses SET synced_at = NULL WHERE seq > ? AND synced_at IS NOT NULL AND refused_reason = ''", seq)
	if err != nil {
		return 0, fmt.Errorf("mark responses for sending again: %w", translate(err))
	}
	n, err := res.RowsAffected()
	return n, translate(err)
}

// CountRefused returns how many responses central refused.
func (k *KioskDB) CountRefused(ctx context.Context) (int64, error) {
	var n int64
	err := k.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM responses WHERE refused_reason != ''").Scan(&n)
	return n, translate(err)
}

// CountPending returns how many responses wait for upload.
func (k *KioskDB) CountPending(ctx context.Context) (int64, error) {
	var n int64
	err := k.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM responses WHERE synced_at IS NULL").Scan(&n)
	return n, translate(err)
}

// CountResponses returns how many responses the buffer holds, synced or not.
func (k *KioskDB) CountResponses(ctx context.Context) (int64, error) {
	var n int64
	err := k.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM responses").Scan(&n)
	return n, translate(err)
}

// DeleteSyncedBefore deletes responses synced before t and returns how many.
// Unsynced responses are never deleted, whatever their age.
func (k *KioskDB) DeleteSyncedBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := k.db.ExecContext(ctx, "DELETE FROM responses WHERE synced_at IS NOT NULL AND synced_at < ? AND refused_reason = ''", formatTime(t))
	if err != nil {
		return 0, fmt.Errorf("delete synced responses: %w", translate(err))
	}
	return res.RowsAffected()
}

// ChainHead returns the last sequence number handed out, its hash and signature.
func (k *KioskDB) ChainHead(ctx context.Context) (seq int64, hash, signature string, err error) {
	err = k.db.QueryRowContext(ctx, "SELECT seq, hash, signature FROM chain_head WHERE id = 1").Scan(&seq, &hash, &signature)
	return seq, hash, signature, translate(err)
}

// Summarize tallies the responses created in [from, to): the office as a
// whole and the count per staff member.
func (k *KioskDB) Summarize(ctx context.Context, from, to time.Time) (survey.Summary, error) {
	sum := survey.Summary{ByStaff: map[string]int64{}}
	args := []any{formatTime(from), formatTime(to)}
	row := k.db.QueryRowContext(ctx, "SELECT "+TallyColumns+" FROM responses WHERE created_at >= ? AND created_at < ?", args...)
	t, err := ScanTally(row)
	if err != nil {
		return sum, fmt.Errorf("summarize: %w", translate(err))
	}
	sum.Office = t
	rows, err := k.db.QueryContext(ctx, "SELECT nip, COUNT(*) FROM responses WHERE created_at >= ? AND created_at < ? GROUP BY nip", args...)
	if err != nil {
		return sum, fmt.Errorf("summarize per staff: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var nip string
		var n int64
		if err := rows.Scan(&nip, &n); err != nil {
			return sum, err
		}
		sum.ByStaff[nip] = n
	}
	return sum, rows.Err()
}
