package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

const officeStaffColumns = `nip, name, position, unit, counter, type, active,
	EXISTS (SELECT 1 FROM staff_photos p WHERE p.office_id = staff.office_id AND p.nip = staff.nip)`

func scanOfficeStaff(sc scanner) (survey.Staff, error) {
	var s survey.Staff
	var typ string
	err := sc.Scan(&s.NIP, &s.Name, &s.Position, &s.Unit, &s.Counter, &typ, &s.Active, &s.HasPhoto)
	s.Type = survey.EmployeeType(typ)
	return s, err
}

func errNoStaff(nip string) error {
	return survey.NewError(survey.ENOTFOUND, "no staff member with NIP "+nip, "tidak ada petugas dengan NIP "+nip)
}

// FindOfficeStaff lists an office's staff ordered by counter and name.
func (c *CentralDB) FindOfficeStaff(ctx context.Context, officeID int64, f survey.StaffFilter) ([]survey.Staff, error) {
	q := "SELECT " + officeStaffColumns + " FROM staff WHERE office_id = ?"
	if f.ActiveOnly {
		q += " AND active = 1"
	}
	return queryAll(ctx, c.db, "find staff", scanOfficeStaff, q+" ORDER BY counter, name", officeID)
}

// OfficeStaffByNIP returns one staff member of an office (active or not).
func (c *CentralDB) OfficeStaffByNIP(ctx context.Context, officeID int64, nip string) (survey.Staff, error) {
	nip = survey.NormalizeNIP(nip)
	s, err := scanOfficeStaff(c.db.QueryRowContext(ctx, "SELECT "+officeStaffColumns+" FROM staff WHERE office_id = ? AND nip = ?",
		officeID, nip))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errNoStaff(nip)
	}
	if err != nil {
		return s, fmt.Errorf("read staff: %w", translate(err))
	}
	return s, nil
}

// CreateOfficeStaff adds a staff member; an existing NIP in the office is a conflict.
func (c *CentralDB) CreateOfficeStaff(ctx context.Context, officeID int64, s *survey.Staff) error {
	now := c.now()
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return err
	}
	if err := insertOfficeStaff(ctx, c.db, officeID, s, now); err != nil {
		return fmt.Errorf("create staff: %w", err)
	}
	return nil
}

// execer is what *sql.DB and *sql.Tx have in common for writes.
type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

func insertOfficeStaff(ctx context.Context, db execer, officeID int64, s *survey.Staff, now time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO staff (office_id, nip, name, position, unit, counter, type, active, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, officeID, s.NIP, s.Name, s.Position, s.Unit, s.Counter, string(s.Type), s.Active,
		formatTime(now))
	err = translateRef(err, errNoOffice(officeID))
	if survey.ErrorCode(err) == survey.ECONFLICT {
		return survey.NewError(survey.ECONFLICT, "a staff member with NIP "+s.NIP+" already exists",
			"petugas dengan NIP "+s.NIP+" sudah ada")
	}
	return err
}

func updateOfficeStaff(ctx context.Context, db execer, officeID int64, s *survey.Staff, now time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE staff SET name = ?, position = ?, unit = ?, counter = ?, type = ?, active = ?,
		updated_at = ? WHERE office_id = ? AND nip = ?`, s.Name, s.Position, s.Unit, s.Counter, string(s.Type), s.Active,
		formatTime(now), officeID, s.NIP)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// UpdateOfficeStaff changes a staff member's fields (not the NIP).
func (c *CentralDB) UpdateOfficeStaff(ctx context.Context, officeID int64, s *survey.Staff) error {
	now := c.now()
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return err
	}
	ok, err := updateOfficeStaff(ctx, c.db, officeID, s, now)
	if err != nil {
		return fmt.Errorf("update staff: %w", err)
	}
	if !ok {
		return errNoStaff(s.NIP)
	}
	return nil
}

// SetOfficeStaffActive activates or deactivates a staff member.
func (c *CentralDB) SetOfficeStaffActive(ctx context.Context, officeID int64, nip string, active bool) error {
	nip = survey.NormalizeNIP(nip)
	res, err := c.db.ExecContext(ctx, "UPDATE staff SET active = ?, updated_at = ? WHERE office_id = ? AND nip = ?",
		active, formatTime(c.now()), officeID, nip)
	if err != nil {
		return fmt.Errorf("set staff active: %w", translate(err))
	}
	return mustAffect(res, "no staff member with NIP "+nip, "tidak ada petugas dengan NIP "+nip)
}

// ImportOfficeStaff adds new staff and updates existing ones (matched by NIP)
// in one transaction: any invalid row imports nothing. Staff absent from the
// list are left as they are.
func (c *CentralDB) ImportOfficeStaff(ctx context.Context, officeID int64, staff []survey.Staff) (survey.ImportResult, error) {
	var res survey.ImportResult
	now := c.now()
	for i := range staff {
		staff[i].Normalize()
		if err := staff[i].Validate(now); err != nil {
			return res, fmt.Errorf("staff %s: %w", staff[i].NIP, err)
		}
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("import staff: %w", translate(err))
	}
	defer tx.Rollback()
	for i := range staff {
		s := &staff[i]
		updated, err := updateOfficeStaff(ctx, tx, officeID, s, now)
		if err != nil {
			return survey.ImportResult{}, fmt.Errorf("import staff %s: %w", s.NIP, err)
		}
		if updated {
			res.Updated++
			continue
		}
		if err := insertOfficeStaff(ctx, tx, officeID, s, now); err != nil {
			return survey.ImportResult{}, fmt.Errorf("import staff %s: %w", s.NIP, err)
		}
		res.Added++
	}
	if err := tx.Commit(); err != nil {
		return survey.ImportResult{}, fmt.Errorf("import staff: %w", translate(err))
	}
	return res, nil
}

// SetOfficeStaffPhoto stores (or, with an empty JPEG, removes) a staff member's photo.
func (c *CentralDB) SetOfficeStaffPhoto(ctx context.Context, officeID int64, nip string, p survey.Photo) error {
	nip = survey.NormalizeNIP(nip)
	if len(p.JPEG) == 0 {
		if _, err := c.db.ExecContext(ctx, "DELETE FROM staff_photos WHERE office_id = ? AND nip = ?", officeID, nip); err != nil {
			return fmt.Errorf("remove photo: %w", translate(err))
		}
		return nil
	}
	_, err := c.db.ExecContext(ctx, `INSERT INTO staff_photos (office_id, nip, jpeg, etag) VALUES (?, ?, ?, ?)
		ON CONFLICT (office_id, nip) DO UPDATE SET jpeg = excluded.jpeg, etag = excluded.etag`, officeID, nip, p.JPEG, p.ETag)
	if err != nil {
		return fmt.Errorf("store photo: %w", translateRef(err, errNoStaff(nip)))
	}
	return nil
}

// OfficeStaffPhoto returns a staff member's photo.
func (c *CentralDB) OfficeStaffPhoto(ctx context.Context, officeID int64, nip string) (survey.Photo, error) {
	var p survey.Photo
	err := c.db.QueryRowContext(ctx, "SELECT jpeg, etag FROM staff_photos WHERE office_id = ? AND nip = ?",
		officeID, survey.NormalizeNIP(nip)).Scan(&p.JPEG, &p.ETag)
	if errors.Is(err, sql.ErrNoRows) {
		return p, survey.NewError(survey.ENOTFOUND, "no photo", "tidak ada foto")
	}
	if err != nil {
		return p, fmt.Errorf("read photo: %w", translate(err))
	}
	return p, nil
}
