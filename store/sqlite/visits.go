package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

var _ survey.VisitStore = (*KioskDB)(nil)

const visitColumns = "id, nip, code, service, issued_by, issued_at, expires_at, COALESCE(used_at, ''), COALESCE(response_id, '')"

func scanVisit(sc scanner) (survey.Visit, error) {
	var v survey.Visit
	var issued, expires, used string
	err := sc.Scan(&v.ID, &v.NIP, &v.Code, &v.Service, &v.IssuedBy, &issued, &expires, &used, &v.ResponseID)
	v.IssuedAt, v.ExpiresAt = parseTime(issued), parseTime(expires)
	if used != "" {
		v.UsedAt = parseTime(used)
	}
	return v, err
}

// CreateVisit stores a visit for an active staff member and active service.
// v.ID, v.IssuedAt and v.ExpiresAt must be set; v.Code is filled in.
func (k *KioskDB) CreateVisit(ctx context.Context, v *survey.Visit) error {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	var active bool
	err = tx.QueryRowContext(ctx, "SELECT code, active FROM staff WHERE nip = ?", v.NIP).Scan(&v.Code, &active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return &survey.Error{Code: survey.ENOTFOUND, Field: "nip", Message: "unknown or inactive staff member " + v.NIP,
			MessageID: "petugas " + v.NIP + " tidak dikenal atau tidak aktif"}
	}
	if err != nil {
		return fmt.Errorf("look up staff: %w", translate(err))
	}
	if err := checkService(ctx, tx, v.Service); err != nil {
		return err
	}
	v.IssuedAt = v.IssuedAt.UTC().Truncate(time.Second)
	v.ExpiresAt = v.ExpiresAt.UTC().Truncate(time.Second)
	if _, err := tx.ExecContext(ctx, `INSERT INTO visits (id, nip, code, service, issued_by, issued_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, v.ID, v.NIP, v.Code, v.Service, v.IssuedBy, formatTime(v.IssuedAt), formatTime(v.ExpiresAt)); err != nil {
		return fmt.Errorf("create visit: %w", translate(err))
	}
	return translate(tx.Commit())
}

// checkService refuses an unknown or inactive service code.
func checkService(ctx context.Context, tx querier, code string) error {
	var active bool
	err := tx.QueryRowContext(ctx, "SELECT active FROM services WHERE code = ?", code).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return &survey.Error{Code: survey.EINVALID, Field: "service",
			Message:   fmt.Sprintf("unknown service %q; GET /api/v1/services lists the codes", code),
			MessageID: fmt.Sprintf("layanan %q tidak dikenal", code)}
	}
	if err != nil {
		return fmt.Errorf("look up service: %w", translate(err))
	}
	return nil
}

func (k *KioskDB) visitWhere(ctx context.Context, where string, args ...any) (survey.Visit, error) {
	v, err := scanVisit(k.db.QueryRowContext(ctx, "SELECT "+visitColumns+" FROM visits WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, survey.NewError(survey.ENOTFOUND, "no such visit", "kunjungan tidak ditemukan")
	}
	if err != nil {
		return v, fmt.Errorf("read visit: %w", translate(err))
	}
	return v, nil
}

// VisitByID returns one visit.
func (k *KioskDB) VisitByID(ctx context.Context, id string) (survey.Visit, error) {
	return k.visitWhere(ctx, "id = ?", id)
}

// LastVisit returns the staff member's most recent visit.
func (k *KioskDB) LastVisit(ctx context.Context, nip string) (survey.Visit, error) {
	return k.visitWhere(ctx, "nip = ? ORDER BY issued_at DESC LIMIT 1", nip)
}

// CountVisits counts the visits issued in [from, to) and how many of them were rated.
func (k *KioskDB) CountVisits(ctx context.Context, from, to time.Time) (survey.VisitCounts, error) {
	var c survey.VisitCounts
	err := k.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(used_at IS NOT NULL), 0) FROM visits
		WHERE issued_at >= ? AND issued_at < ?`, formatTime(from), formatTime(to)).Scan(&c.Issued, &c.Rated)
	if err != nil {
		return c, fmt.Errorf("count visits: %w", translate(err))
	}
	return c, nil
}

// CreateKioskToken stores a bearer token by its hash; t.ID and t.CreatedAt are set.
func (k *KioskDB) CreateKioskToken(ctx context.Context, t *survey.KioskToken) error {
	if len(t.Hash) != 64 {
		return survey.Invalid("token", "a token is stored by its SHA-256 hash", "token disimpan sebagai hash SHA-256")
	}
	if t.Role != survey.RoleCounter {
		return survey.Invalid("role", "the kiosk issues counter tokens only (--role counter --nip NIP)",
			"kios hanya menerbitkan token counter (--role counter --nip NIP)")
	}
	if _, err := k.StaffByNIP(ctx, t.NIP); err != nil {
		return err
	}
	t.NIP = survey.NormalizeNIP(t.NIP)
	t.CreatedAt = k.now().UTC().Truncate(time.Microsecond)
	res, err := k.db.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, role, nip, label, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.Hash, string(t.Role), t.NIP, t.Label, formatTime(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("create API token: %w", translate(err))
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create API token: %w", err)
	}
	return nil
}

const kioskTokenColumns = "id, token_hash, role, nip, label, created_at, revoked"

func scanKioskToken(sc scanner) (survey.KioskToken, error) {
	var t survey.KioskToken
	var role, created string
	err := sc.Scan(&t.ID, &t.Hash, &role, &t.NIP, &t.Label, &created, &t.Revoked)
	t.Role, t.CreatedAt = survey.Role(role), parseTime(created)
	return t, err
}

// KioskTokenByHash returns the token with that hash, revoked or not; an
// unknown hash is EUNAUTHORIZED.
func (k *KioskDB) KioskTokenByHash(ctx context.Context, hash string) (survey.KioskToken, error) {
	t, err := scanKioskToken(k.db.QueryRowContext(ctx, "SELECT "+kioskTokenColumns+" FROM api_tokens WHERE token_hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, survey.NewError(survey.EUNAUTHORIZED, "unknown API token", "token API tidak dikenal")
	}
	if err != nil {
		return t, fmt.Errorf("read API token: %w", translate(err))
	}
	return t, nil
}

// FindKioskTokens lists the tokens, newest first.
func (k *KioskDB) FindKioskTokens(ctx context.Context) ([]survey.KioskToken, error) {
	return queryAll(ctx, k.db, "find API tokens", scanKioskToken, "SELECT "+kioskTokenColumns+" FROM api_tokens ORDER BY id DESC")
}

// RevokeKioskToken revokes a token: every further request with it is refused.
func (k *KioskDB) RevokeKioskToken(ctx context.Context, id int64) error {
	res, err := k.db.ExecContext(ctx, "UPDATE api_tokens SET revoked = 1 WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("revoke API token: %w", translate(err))
	}
	return mustAffect(res, "no such token", "token tidak ditemukan")
}

// VisitTallies counts the visits issued from since on, and how many of them
// were rated, per day (Asia/Jakarta, UTC+7 all year), staff member and
// service: what the uploader sends central for the response rate.
func (k *KioskDB) VisitTallies(ctx context.Context, since time.Time) ([]survey.VisitTally, error) {
	return queryAll(ctx, k.db, "tally visits", func(sc scanner) (survey.VisitTally, error) {
		var t survey.VisitTally
		err := sc.Scan(&t.Day, &t.NIP, &t.Service, &t.Issued, &t.Rated)
		return t, err
	}, `SELECT date(issued_at, '+7 hours') AS day, nip, service, COUNT(*), SUM(used_at IS NOT NULL)
		FROM visits WHERE issued_at >= ? GROUP BY day, nip, service ORDER BY day, nip, service`, formatTime(since))
}
