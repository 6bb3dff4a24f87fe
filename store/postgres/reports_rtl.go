package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

const rtlColumns = "id, office_id, period, element, action, owner, to_char(due, 'YYYY-MM-DD'), status, note, created_by, created_at, updated_at, done_at"

func scanRTL(row pgx.Row) (survey.RTLAction, error) {
	var a survey.RTLAction
	var element, status string
	err := row.Scan(&a.ID, &a.OfficeID, &a.Period, &element, &a.Action, &a.Owner, &a.Due, &status, &a.Note, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.DoneAt)
	a.Element, a.Status, a.CreatedAt, a.UpdatedAt = survey.Element(element), survey.RTLStatus(status), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.DoneAt = utcPtr(a.DoneAt)
	return a, err
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// FindRTL lists an office's follow-up actions for a period, oldest first.
func (d *DB) FindRTL(ctx context.Context, officeID int64, period string) ([]survey.RTLAction, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+rtlColumns+" FROM rtl_actions WHERE office_id = $1 AND period = $2 ORDER BY id", officeID, period)
	if err != nil {
		return nil, fmt.Errorf("follow-up plan of office %d: %w", officeID, translate(err))
	}
	return collect(rows, fmt.Sprintf("follow-up plan of office %d", officeID), scanRTL)
}

// errNoRTL is returned for an action id the office does not have.
func errNoRTL(id int64) error {
	return survey.NewError(survey.ENOTFOUND, fmt.Sprintf("no follow-up action %d in this office", id),
		fmt.Sprintf("tidak ada tindak lanjut %d di kantor ini", id))
}

// RTLByID returns one follow-up action of the office.
func (d *DB) RTLByID(ctx context.Context, officeID, id int64) (survey.RTLAction, error) {
	a, err := scanRTL(d.pool.QueryRow(ctx, "SELECT "+rtlColumns+" FROM rtl_actions WHERE office_id = $1 AND id = $2", officeID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, errNoRTL(id)
	}
	if err != nil {
		return a, fmt.Errorf("read follow-up action %d: %w", id, translate(err))
	}
	return a, nil
}

// CreateRTL validates and stores a follow-up action.
func (d *DB) CreateRTL(ctx context.Context, a *survey.RTLAction) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	now := utc(d.now())
	a.CreatedAt, a.UpdatedAt, a.DoneAt = now, now, nil
	if a.Status == survey.RTLDone {
		a.DoneAt = &now
	}
	err := d.pool.QueryRow(ctx, `INSERT INTO rtl_actions (office_id, period, element, action, owner, due, status, note, created_by, created_at, updated_at, done_at)
		VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9, $10, $10, $11) RETURNING id`,
		a.OfficeID, a.Period, string(a.Element), a.Action, a.Owner, a.Due, string(a.Status), a.Note, a.CreatedBy, now, a.DoneAt).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("create follow-up action: %w", translateRef(err, errNoOffice(a.OfficeID)))
	}
	return nil
}

// UpdateRTL changes an action's element, text, owner, due date, status and
// note; done_at keeps the time the status became done, and is cleared when
// it changes back.
func (d *DB) UpdateRTL(ctx context.Context, a *survey.RTLAction) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	a.UpdatedAt = utc(d.now())
	err := d.pool.QueryRow(ctx, `UPDATE rtl_actions SET element = $1, action = $2, owner = $3, due = $4::date, status = $5, note = $6, updated_at = $7,
		done_at = CASE WHEN $5 = 'done' THEN COALESCE(done_at, $7) END
		WHERE office_id = $8 AND id = $9 RETURNING done_at`, string(a.Element), a.Action, a.Owner, a.Due, string(a.Status), a.Note, a.UpdatedAt, a.OfficeID, a.ID).Scan(&a.DoneAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRTL(a.ID)
	}
	if err != nil {
		return fmt.Errorf("update follow-up action %d: %w", a.ID, translate(err))
	}
	a.DoneAt = utcPtr(a.DoneAt)
	return nil
}

// FindStaffStatements lists a staff member's statements for a period, oldest first.
func (d *DB) FindStaffStatements(ctx context.Context, officeID int64, nip, period string) ([]survey.StaffStatement, error) {
	rows, err := d.pool.Query(ctx, `SELECT id, office_id, nip, period, text, recorded_by, by_staff, created_at
		FROM staff_statements WHERE office_id = $1 AND nip = $2 AND period = $3 ORDER BY id`, officeID, nip, period)
	if err != nil {
		return nil, fmt.Errorf("statements of %s: %w", nip, translate(err))
	}
	return collect(rows, "statements of "+nip, func(row pgx.Row) (survey.StaffStatement, error) {
		var s survey.StaffStatement
		err := row.Scan(&s.ID, &s.OfficeID, &s.NIP, &s.Period, &s.Text, &s.RecordedBy, &s.ByStaff, &s.CreatedAt)
		s.CreatedAt = s.CreatedAt.UTC()
		return s, err
	})
}

// CreateStaffStatement validates and stores a staff member's statement.
func (d *DB) CreateStaffStatement(ctx context.Context, s *survey.StaffStatement) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.CreatedAt = utc(d.now())
	err := d.pool.QueryRow(ctx, `INSERT INTO staff_statements (office_id, nip, period, text, recorded_by, by_staff, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.OfficeID, s.NIP, s.Period, s.Text, s.RecordedBy, s.ByStaff, s.CreatedAt).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("create statement of %s: %w", s.NIP, translateRef(err, errNoOffice(s.OfficeID)))
	}
	return nil
}
