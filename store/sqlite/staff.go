package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skmkiosk/skm/survey"
)

const staffColumns = "nip, code, name, position, unit, counter, type, active, EXISTS (SELECT 1 FROM staff_photos p WHERE p.nip = staff.nip)"

func scanStaff(sc scanner) (survey.Staff, error) {
	var s survey.Staff
	var typ string
	err := sc.Scan(&s.NIP, &s.Code, &s.Name, &s.Position, &s.Unit, &s.Counter, &typ, &s.Active, &s.HasPhoto)
	s.Type = survey.EmployeeType(typ)
	return s, err
}

// FindStaff lists staff ordered by counter and name.
func (k *KioskDB) FindStaff(ctx context.Context, f survey.StaffFilter) ([]survey.Staff, error) {
	q := "SELECT " + staffColumns + " FROM staff"
	if f.ActiveOnly {
		q += " WHERE active = 1"
	}
	return queryAll(ctx, k.db, "find staff", scanStaff, q+" ORDER BY counter, name")
}

// StaffByCode returns the staff member whose QR code is code (active or not).
func (k *KioskDB) StaffByCode(ctx context.Context, code string) (survey.Staff, error) {
	return k.staffWhere(ctx, "code = ?", strings.ToLower(code))
}

// StaffByNIP returns the staff member with that NIP (active or not).
func (k *KioskDB) StaffByNIP(ctx context.Context, nip string) (survey.Staff, error) {
	return k.staffWhere(ctx, "nip = ?", survey.NormalizeNIP(nip))
}

func (k *KioskDB) staffWhere(ctx context.Context, where string, arg any) (survey.Staff, error) {
	s, err := scanStaff(k.db.QueryRowContext(ctx, "SELECT "+staffColumns+" FROM staff WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return s, survey.NewError(survey.ENOTFOUND, "no such staff member", "petugas tidak ditemukan")
	}
	if err != nil {
		return s, fmt.Errorf("read staff: %w", translate(err))
	}
	return s, nil
}

// CreateStaff adds a staff member with a new QR code; an existing NIP is a conflict.
func (k *KioskDB) CreateStaff(ctx context.Context, s *survey.Staff) error {
	s.Normalize()
	if err := s.Validate(k.now()); err != nil {
		return err
	}
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if _, err := k.insertStaff(ctx, tx, s); err != nil {
		return err
	}
	return translate(tx.Commit())
}

func (k *KioskDB) insertStaff(ctx context.Context, tx *sql.Tx, s *survey.Staff) (bool, error) {
	var exists int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM staff WHERE nip = ?", s.NIP).Scan(&exists); err != nil {
		return false, translate(err)
	}
	if exists > 0 {
		return false, survey.NewError(survey.ECONFLICT, "a staff member with NIP "+s.NIP+" already exists",
			"petugas dengan NIP "+s.NIP+" sudah ada")
	}
	for attempt := 0; ; attempt++ {
		s.Code = survey.NewCode(8)
		_, err := tx.ExecContext(ctx, `INSERT INTO staff (nip, code, name, position, unit, counter, type, active, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.NIP, s.Code, s.Name, s.Position, s.Unit, s.Counter, string(s.Type), s.Active, formatTime(k.now()))
		if err == nil {
			return true, nil
		}
		if survey.ErrorCode(translate(err)) != survey.ECONFLICT || attempt > 5 {
			return false, fmt.Errorf("insert staff: %w", translate(err))
		}
	}
}

// UpdateStaff changes a staff member's fields (not the NIP or the QR code).
func (k *KioskDB) UpdateStaff(ctx context.Context, s *survey.Staff) error {
	s.Normalize()
	if err := s.Validate(k.now()); err != nil {
		return err
	}
	res, err := k.db.ExecContext(ctx, `UPDATE staff SET name = ?, position = ?, unit = ?, counter = ?, type = ?, active = ?, updated_at = ?
		WHERE nip = ?`, s.Name, s.Position, s.Unit, s.Counter, string(s.Type), s.Active, formatTime(k.now()), s.NIP)
	if err != nil {
		return fmt.Errorf("update staff: %w", translate(err))
	}
	return mustAffect(res, "no staff member with NIP "+s.NIP, "tidak ada petugas dengan NIP "+s.NIP)
}

// SetStaffActive activates or deactivates a staff member.
func (k *KioskDB) SetStaffActive(ctx context.Context, nip string, active bool) error {
	res, err := k.db.ExecContext(ctx, "UPDATE staff SET active = ?, updated_at = ? WHERE nip = ?", active, formatTime(k.now()), nip)
	if err != nil {
		return fmt.Errorf("set staff active: %w", translate(err))
	}
	return mustAffect(res, "no staff member with NIP "+nip, "tidak ada petugas dengan NIP "+nip)
}

// ImportStaff adds new staff and updates existing ones (matched by NIP) in one
// transaction; staff absent from the list are left as they are.
func (k *KioskDB) ImportStaff(ctx context.Context, staff []survey.Staff) (survey.ImportResult, error) {
	return k.upsertStaff(ctx, staff, false, k.now())
}

// ReplaceRoster makes the roster equal to staff: adds and updates them, and
// deactivates everyone else. Used when central manages the roster.
func (k *KioskDB) ReplaceRoster(ctx context.Context, staff []survey.Staff) (survey.ImportResult, error) {
	return k.upsertStaff(ctx, staff, true, k.now())
}

// ReplaceRosterAsOf is ReplaceRoster with dates (a NIP's birth and
// appointment, which cannot lie in the future) checked against asOf:
// central's clock for central's roster, so that a kiosk whose clock is
// wrong still takes it.
func (k *KioskDB) ReplaceRosterAsOf(ctx context.Context, staff []survey.Staff, asOf time.Time) (survey.ImportResult, error) {
	return k.upsertStaff(ctx, staff, true, asOf)
}

func (k *KioskDB) upsertStaff(ctx context.Context, staff []survey.Staff, deactivateOthers bool, asOf time.Time) (survey.ImportResult, error) {
	var res survey.ImportResult
	now := k.now()
	for i := range staff {
		staff[i].Normalize()
		if err := staff[i].Validate(asOf); err != nil {
			return res, fmt.Errorf("staff %s: %w", staff[i].NIP, err)
		}
	}
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return res, translate(err)
	}
	defer tx.Rollback()
	for i := range staff {
		s := &staff[i]
		r, err := tx.ExecContext(ctx, `UPDATE staff SET name = ?, position = ?, unit = ?, counter = ?, type = ?, active = ?, updated_at = ?
			WHERE nip = ?`, s.Name, s.Position, s.Unit, s.Counter, string(s.Type), s.Active, formatTime(now), s.NIP)
		if err != nil {
			return res, fmt.Errorf("import staff %s: %w", s.NIP, translate(err))
		}
		if n, _ := r.RowsAffected(); n > 0 {
			res.Updated++
			continue
		}
		if _, err := k.insertStaff(ctx, tx, s); err != nil {
			return res, fmt.Errorf("import staff %s: %w", s.NIP, err)
		}
		res.Added++
	}
	if deactivateOthers {
		keep := make([]any, len(staff))
		for i, s := range staff {
			keep[i] = s.NIP
		}
		q := "UPDATE staff SET active = 0, updated_at = ? WHERE active = 1"
		if len(keep) > 0 {
			q += " AND nip NOT IN (?" + strings.Repeat(",?", len(keep)-1) + ")"
		}
		r, err := tx.ExecContext(ctx, q, append([]any{formatTime(now)}, keep...)...)
		if err != nil {
			return res, fmt.Errorf("deactivate staff: %w", translate(err))
		}
		n, _ := r.RowsAffected()
		res.Deactivated = int(n)
	}
	return res, translate(tx.Commit())
}

// SetStaffPhoto stores (or, with an empty JPEG, removes) a staff member's photo.
func (k *KioskDB) SetStaffPhoto(ctx context.Context, nip string, p survey.Photo) error {
	if len(p.JPEG) == 0 {
		_, err := k.db.ExecContext(ctx, "DELETE FROM staff_photos WHERE nip = ?", nip)
		return translate(err)
	}
	_, err := k.db.ExecContext(ctx, `INSERT INTO staff_photos (nip, jpeg, etag, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (nip) DO UPDATE SET jpeg = excluded.jpeg, etag = excluded.etag, updated_at = excluded.updated_at`,
		nip, p.JPEG, p.ETag, formatTime(k.now()))
	if err != nil {
		return fmt.Errorf("store photo: %w", translate(err))
	}
	return nil
}

// StaffPhoto returns the photo of the staff member with QR code code.
func (k *KioskDB) StaffPhoto(ctx context.Context, code string) (survey.Photo, error) {
	var p survey.Photo
	err := k.db.QueryRowContext(ctx, `SELECT p.jpeg, p.etag FROM staff_photos p JOIN staff s ON s.nip = p.nip
		WHERE s.code = ?`, strings.ToLower(code)).Scan(&p.JPEG, &p.ETag)
	if errors.Is(err, sql.ErrNoRows) {
		return p, survey.NewError(survey.ENOTFOUND, "no photo", "tidak ada foto")
	}
	return p, translate(err)
}

func mustAffect(res sql.Result, en, id string) error {
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return survey.NewError(survey.ENOTFOUND, en, id)
	}
	return nil
}

// PhotoETags returns the ETag of every stored photo by NIP.
func (k *KioskDB) PhotoETags(ctx context.Context) (map[string]string, error) {
	rows, err := k.db.QueryContext(ctx, "SELECT nip, etag FROM staff_photos")
	if err != nil {
		return nil, fmt.Errorf("read photo tags: %w", translate(err))
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var nip, tag string
		if err := rows.Scan(&nip, &tag); err != nil {
			return nil, err
		}
		out[nip] = tag
	}
	return out, rows.Err()
}
