package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

const officeStaffColumns = `nip, name, position, unit, counter, type, active,
	EXISTS (SELECT 1 FROM staff_photos p WHERE p.office_id = staff.office_id AND p.nip = staff.nip)`

func scanOfficeStaff(row pgx.Row) (survey.Staff, error) {
	var s survey.Staff
	var typ string
	err := row.Scan(&s.NIP, &s.Name, &s.Position, &s.Unit, &s.Counter, &typ, &s.Active, &s.HasPhoto)
	s.Type = survey.EmployeeType(typ)
	return s, err
}

func errNoStaff(nip string) error {
	return survey.NewError(survey.ENOTFOUND, "no staff member with NIP "+nip, "tidak ada petugas dengan NIP "+nip)
}

// FindOfficeStaff lists an office's staff ordered by counter and name.
func (d *DB) FindOfficeStaff(ctx context.Context, officeID int64, f survey.StaffFilter) ([]survey.Staff, error) {
	q := "SELECT " + officeStaffColumns + " FROM staff WHERE office_id = $1"
	if f.ActiveOnly {
		q += " AND active"
	}
	rows, err := d.pool.Query(ctx, q+" ORDER BY counter, name", officeID)
	if err != nil {
		return nil, fmt.Errorf("find staff: %w", translate(err))
	}
	return collect(rows, "find staff", scanOfficeStaff)
}

// OfficeStaffByNIP returns one staff member of an office (active or not).
func (d *DB) OfficeStaffByNIP(ctx context.Context, officeID int64, nip string) (survey.Staff, error) {
	nip = survey.NormalizeNIP(nip)
	s, err := scanOfficeStaff(d.pool.QueryRow(ctx, "SELECT "+officeStaffColumns+" FROM staff WHERE office_id = $1 AND nip = $2",
		officeID, nip))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, errNoStaff(nip)
	}
	if err != nil {
		return s, fmt.Errorf("read staff: %w", translate(err))
	}
	return s, nil
}

// CreateOfficeStaff adds a staff member; an existing NIP in the office is a conflict.
func (d *DB) CreateOfficeStaff(ctx context.Context, officeID int64, s *survey.Staff) error {
	now := d.now()
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return err
	}
	if err := insertOfficeStaff(ctx, d.pool, officeID, s, now); err != nil {
		return fmt.Errorf("create staff: %w", err)
	}
	return nil
}

func insertOfficeStaff(ctx context.Context, q querier, officeID int64, s *survey.Staff, now time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO staff (office_id, nip, name, position, unit, counter, type, active, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, officeID, s.NIP, s.Name, s.Position, s.Unit, s.Counter, string(s.Type),
		s.Active, utc(now))
	err = translateRef(err, errNoOffice(officeID))
	if survey.ErrorCode(err) == survey.ECONFLICT {
		return survey.NewError(survey.ECONFLICT, "a staff member with NIP "+s.NIP+" already exists",
			"petugas dengan NIP "+s.NIP+" sudah ada")
	}
	return err
}

func updateOfficeStaff(ctx context.Context, q querier, officeID int64, s *survey.Staff, now time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE staff SET name = $1, position = $2, unit = $3, counter = $4, type = $5, active = $6,
		updated_at = $7 WHERE office_id = $8 AND nip = $9`, s.Name, s.Position, s.Unit, s.Counter, string(s.Type), s.Active,
		utc(now), officeID, s.NIP)
	if err != nil {
		return false, translate(err)
	}
	return tag.RowsAffected() > 0, nil
}

// UpdateOfficeStaff changes a staff member's fields (not the NIP).
func (d *DB) UpdateOfficeStaff(ctx context.Context, officeID int64, s *survey.Staff) error {
	now := d.now()
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return err
	}
	ok, err := updateOfficeStaff(ctx, d.pool, officeID, s, now)
	if err != nil {
		return fmt.Errorf("update staff: %w", err)
	}
	if !ok {
		return errNoStaff(s.NIP)
	}
	return nil
}

// SetOfficeStaffActive activates or deactivates a staff member.
func (d *DB) SetOfficeStaffActive(ctx context.Context, officeID int64, nip string, active bool) error {
	nip = survey.NormalizeNIP(nip)
	tag, err := d.pool.Exec(ctx, "UPDATE staff SET active = $1, updated_at = $2 WHERE office_id = $3 AND nip = $4",
		active, utc(d.now()), officeID, nip)
	if err != nil {
		return fmt.Errorf("set staff active: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return errNoStaff(nip)
	}
	return nil
}

// ImportOfficeStaff adds new staff and updates existing ones (matched by NIP)
// in one transaction: any invalid row imports nothing. Staff absent from the
// list are left as they are.
func (d *DB) ImportOfficeStaff(ctx context.Context, officeID int64, staff []survey.Staff) (survey.ImportResult, error) {
	var res survey.ImportResult
	now := d.now()
	for i := range staff {
		staff[i].Normalize()
		if err := staff[i].Validate(now); err != nil {
			return res, fmt.Errorf("staff %s: %w", staff[i].NIP, err)
		}
	}
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("import staff: %w", translate(err))
	}
	defer tx.Rollback(ctx)
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
	if err := tx.Commit(ctx); err != nil {
		return survey.ImportResult{}, fmt.Errorf("import staff: %w", translate(err))
	}
	return res, nil
}

// SetOfficeStaffPhoto stores (or, with an empty JPEG, removes) a staff member's photo.
func (d *DB) SetOfficeStaffPhoto(ctx context.Context, officeID int64, nip string, p survey.Photo) error {
	nip = survey.NormalizeNIP(nip)
	if len(p.JPEG) == 0 {
		if _, err := d.pool.Exec(ctx, "DELETE FROM staff_photos WHERE office_id = $1 AND nip = $2", officeID, nip); err != nil {
			return fmt.Errorf("remove photo: %w", translate(err))
		}
		return nil
	}
	_, err := d.pool.Exec(ctx, `INSERT INTO staff_photos (office_id, nip, jpeg, etag) VALUES ($1, $2, $3, $4)
		ON CONFLICT (office_id, nip) DO UPDATE SET jpeg = excluded.jpeg, etag = excluded.etag`, officeID, nip, p.JPEG, p.ETag)
	if err != nil {
		return fmt.Errorf("store photo: %w", translateRef(err, errNoStaff(nip)))
	}
	return nil
}

// OfficeStaffPhoto returns a staff member's photo.
func (d *DB) OfficeStaffPhoto(ctx context.Context, officeID int64, nip string) (survey.Photo, error) {
	var p survey.Photo
	err := d.pool.QueryRow(ctx, "SELECT jpeg, etag FROM staff_photos WHERE office_id = $1 AND nip = $2",
		officeID, survey.NormalizeNIP(nip)).Scan(&p.JPEG, &p.ETag)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, survey.NewError(survey.ENOTFOUND, "no photo", "tidak ada foto")
	}
	if err != nil {
		return p, fmt.Errorf("read photo: %w", translate(err))
	}
	return p, nil
}
