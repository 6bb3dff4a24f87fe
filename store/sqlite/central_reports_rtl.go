package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

const rtlColumns = "id, office_id, period, element, action, owner, due, status, note, created_by, created_at, updated_at, done_at"

func scanRTL(sc scanner) (survey.RTLAction, error) {
	var a survey.RTLAction
	var element, status, created, updated string
	var done sql.NullString
	err := sc.Scan(&a.ID, &a.OfficeID, &a.Period, &element, &a.Action, &a.Owner, &a.Due, &status, &a.Note, &a.CreatedBy, &created, &updated, &done)
	a.Element, a.Status, a.CreatedAt, a.UpdatedAt = survey.Element(element), survey.RTLStatus(status), parseTime(created), parseTime(updated)
	a.DoneAt = parseDoneAt(done)
	return a, err
}

func parseDoneAt(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// FindRTL lists an office's follow-up actions for a period, oldest first.
func (c *CentralDB) FindRTL(ctx context.Context, officeID int64, period string) ([]survey.RTLAction, error) {
	return queryAll(ctx, c.db, fmt.Sprintf("follow-up plan of office %d", officeID), scanRTL,
		"SELECT "+rtlColumns+" FROM rtl_actions WHERE office_id = ? AND period = ? ORDER BY id", officeID, period)
}

// errNoRTL is returned for an action id the office does not have.
func errNoRTL(id int64) error {
	return survey.NewError(survey.ENOTFOUND, fmt.Sprintf("no follow-up action %d in this office", id),
		fmt.Sprintf("tidak ada tindak lanjut %d di kantor ini", id))
}

// RTLByID returns one follow-up action of the office.
func (c *CentralDB) RTLByID(ctx context.Context, officeID, id int64) (survey.RTLAction, error) {
	a, err := scanRTL(c.db.QueryRowContext(ctx, "SELECT "+rtlColumns+" FROM rtl_actions WHERE office_id = ? AND id = ?", officeID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errNoRTL(id)
	}
	if err != nil {
		return a, fmt.Errorf("read follow-up action %d: %w", id, translate(err))
	}
	return a, nil
}

// CreateRTL validates and stores a follow-up action.
func (c *CentralDB) CreateRTL(ctx context.Context, a *survey.RTLAction) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	now := c.now().UTC().Truncate(time.Microsecond)
	a.CreatedAt, a.UpdatedAt, a.DoneAt = now, now, nil
	var done any
	if a.Status == survey.RTLDone {
		a.DoneAt, done = &now, formatTime(now)
	}
	res, err := c.db.ExecContext(ctx, "INSERT INTO rtl_actions ("+rtlColumns[len("id, "):]+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.OfficeID, a.Period, string(a.Element), a.Action, a.Owner, a.Due, string(a.Status), a.Note, a.CreatedBy, formatTime(now), formatTime(now), done)
	if err != nil {
		return fmt.Errorf("create follow-up action: %w", translateRef(err, errNoOffice(a.OfficeID)))
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create follow-up action: %w", err)
	}
	return nil
}

// UpdateRTL changes an action's element, text, owner, due date, status and
// note; done_at keeps the time the status became done, and is cleared when
// it changes back.
func (c *CentralDB) UpdateRTL(ctx context.Context, a *survey.RTLAction) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	a.UpdatedAt = c.now().UTC().Truncate(time.Microsecond)
	var done sql.NullString
	err := c.db.QueryRowContext(ctx, `UPDATE rtl_actions SET element = ?, action = ?, owner = ?, due = ?, status = ?, note = ?, updated_at = ?,
		done_at = CASE WHEN ? = 'done' THEN COALESCE(done_at, ?) END
		WHERE office_id = ? AND id = ? RETURNING done_at`, string(a.Element), a.Action, a.Owner, a.Due, string(a.Status), a.Note,
		formatTime(a.UpdatedAt), string(a.Status), formatTime(a.UpdatedAt), a.OfficeID, a.ID).Scan(&done)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRTL(a.ID)
	}
	if err != nil {
		return fmt.Errorf("update follow-up action %d: %w", a.ID, translate(err))
	}
	a.DoneAt = parseDoneAt(done)
	return nil
}

// FindStaffStatements lists a staff member's statements for a period, oldest first.
func (c *CentralDB) FindStaffStatements(ctx context.Context, officeID int64, nip, period string) ([]survey.StaffStatement, error) {
	return queryAll(ctx, c.db, "statements of "+nip, func(sc scanner) (survey.StaffStatement, error) {
		var s survey.StaffStatement
		var created string
		err := sc.Scan(&s.ID, &s.OfficeID, &s.NIP, &s.Period, &s.Text, &s.RecordedBy, &s.ByStaff, &created)
		s.CreatedAt = parseTime(created)
		return s, err
	}, `SELECT id, office_id, nip, period, text, recorded_by, by_staff, created_at
		FROM staff_statements WHERE office_id = ? AND nip = ? AND period = ? ORDER BY id`, officeID, nip, period)
}

// CreateStaffStatement validates and stores a staff member's statement.
func (c *CentralDB) CreateStaffStatement(ctx context.Context, s *survey.StaffStatement) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.CreatedAt = c.now().UTC().Truncate(time.Microsecond)
	res, err := c.db.ExecContext(ctx, `INSERT INTO staff_statements (office_id, nip, period, text, recorded_by, by_staff, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.OfficeID, s.NIP, s.Period, s.Text, s.RecordedBy, s.ByStaff, formatTime(s.CreatedAt))
	if err != nil {
		return fmt.Errorf("create statement of %s: %w", s.NIP, translateRef(err, errNoOffice(s.OfficeID)))
	}
	if s.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create statement of %s: %w", s.NIP, err)
	}
	return nil
}
