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

const visitColumns = `id, nip, code, service, issued_by, issued_at, expires_at, COALESCE(used_at, ''), COALESCE(response_id, ''),
	for_tablet, claim_kind, claim_hash, claimed_at, contested_at, contests, opened_own`

func scanVisit(sc scanner) (survey.Visit, error) {
	var v survey.Visit
	var issued, expires, used, claimed, contested string
	err := sc.Scan(&v.ID, &v.NIP, &v.Code, &v.Service, &v.IssuedBy, &issued, &expires, &used, &v.ResponseID,
		&v.ForTablet, &v.Claim.Kind, &v.Claim.Hash, &claimed, &contested, &v.Contests, &v.OpenedOwn)
	v.IssuedAt, v.ExpiresAt = parseTime(issued), parseTime(expires)
	for _, t := range []struct {
		s  string
		at *time.Time
	}{{used, &v.UsedAt}, {claimed, &v.ClaimedAt}, {contested, &v.ContestedAt}} {
		if t.s != "" {
			*t.at = parseTime(t.s)
		}
	}
	return v, err
}

// CreateVisit stores a visit for an active staff member and active service.
// v.ID, v.IssuedAt and v.ExpiresAt must be set; v.Code is filled in. An
// issuer over its cap is refused, and the refusal counted, in the same
// transaction, so concurrent requests cannot slip past the cap.
func (k *KioskDB) CreateVisit(ctx context.Context, v *survey.Visit, cap survey.MintCap) error {
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
	if cap.Count > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM visits WHERE issued_by = ? AND issued_at > ?",
			v.IssuedBy, formatTime(v.IssuedAt.Add(-cap.Window))).Scan(&n); err != nil {
			return fmt.Errorf("count visits of %s: %w", v.IssuedBy, translate(err))
		}
		if n >= cap.Count {
			if err := countRefusal(ctx, tx, v.IssuedAt, v.NIP, cap.Reason); err != nil {
				return err
			}
			if err := tx.Commit(); err != nil {
				return translate(err)
			}
			return survey.ErrMintLimited(cap)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO visits (id, nip, code, service, issued_by, issued_at, expires_at, for_tablet)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.NIP, v.Code, v.Service, v.IssuedBy, formatTime(v.IssuedAt), formatTime(v.ExpiresAt),
		v.ForTablet); err != nil {
		return fmt.Errorf("create visit: %w", translate(err))
	}
	return translate(tx.Commit())
}

// OpenVisit claims visit id for c (see survey.ClaimVisit), or refuses it:
// used, expired, or claimed by another device. A refusal of another device
// is kept: the visit is marked contested and the refusal counted.
func (k *KioskDB) OpenVisit(ctx context.Context, id string, c survey.VisitClaimant, at time.Time) (survey.Visit, error) {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return survey.Visit{}, translate(err)
	}
	defer tx.Rollback()
	v, err := scanVisit(tx.QueryRowContext(ctx, "SELECT "+visitColumns+" FROM visits WHERE id = ?", id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, survey.ErrVisitForged()
	case err != nil:
		return v, fmt.Errorf("read visit: %w", translate(err))
	case v.Used():
		return v, survey.ErrVisitUsed()
	case !at.Before(v.ExpiresAt):
		return v, survey.ErrVisitExpired()
	}
	claim, err := claimVisit(ctx, tx, v, c, at)
	if cerr := tx.Commit(); cerr != nil {
		return v, translate(cerr)
	}
	if err != nil {
		return v, err
	}
	return claim, nil
}

// claimVisit applies survey.ClaimVisit for c to v within tx and returns the
// visit as claimed. Another device is refused with ErrVisitTaken after the
// contest and the refusal are written (the caller commits them).
func claimVisit(ctx context.Context, tx querier, v survey.Visit, c survey.VisitClaimant, at time.Time) (survey.Visit, error) {
	next, ok := survey.ClaimVisit(v.Claim, c)
	if !ok {
		if _, err := tx.ExecContext(ctx, `UPDATE visits SET contested_at = CASE WHEN contested_at = '' THEN ? ELSE contested_at END,
			contests = contests + 1 WHERE id = ?`, formatTime(at), v.ID); err != nil {
			return v, fmt.Errorf("mark visit contested: %w", translate(err))
		}
		if err := countRefusal(ctx, tx, at, v.NIP, survey.RefusedVisitTaken); err != nil {
			return v, err
		}
		return v, survey.ErrVisitTaken()
	}
	own := v.OpenedOwn
	if len(c.Pseudonyms) > 0 && !own {
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM counter_devices WHERE nip = ?
			AND key_hash IN (SELECT value FROM json_each(?)))`, v.NIP, jsonArray(c.Pseudonyms)).Scan(&own); err != nil {
			return v, fmt.Errorf("look up counter devices: %w", translate(err))
		}
	}
	if next == v.Claim && own == v.OpenedOwn {
		return v, nil
	}
	if v.ClaimedAt.IsZero() {
		v.ClaimedAt = at.UTC().Truncate(time.Microsecond)
	}
	v.Claim, v.OpenedOwn = next, own
	if _, err := tx.ExecContext(ctx, "UPDATE visits SET claim_kind = ?, claim_hash = ?, claimed_at = ?, opened_own = ? WHERE id = ?",
		next.Kind, next.Hash, formatTime(v.ClaimedAt), own, v.ID); err != nil {
		return v, fmt.Errorf("claim visit: %w", translate(err))
	}
	return v, nil
}

// FindTabletVisits lists the visits offered to desk tablets, unrated and
// unexpired at now, issued after since, newest first.
func (k *KioskDB) FindTabletVisits(ctx context.Context, since, now time.Time) ([]survey.Visit, error) {
	return queryAll(ctx, k.db, "find tablet visits", scanVisit, "SELECT "+visitColumns+` FROM visits
		WHERE for_tablet = 1 AND used_at IS NULL AND issued_at > ? AND expires_at > ? ORDER BY issued_at DESC, id LIMIT 20`,
		formatTime(since), formatTime(now))
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
