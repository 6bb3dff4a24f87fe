package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

var _ survey.FollowUpStore = (*CentralDB)(nil)

const caseColumns = `f.id, f.code, f.office_id, f.kiosk_id, f.response_id, f.nip, f.service, COALESCE(r.comment, ''),
	f.elements, f.status, f.action, f.answer, f.opened_at, f.due_at, f.answered_at, f.updated_at, f.updated_by`

const caseFrom = " FROM followup_cases f LEFT JOIN responses r ON r.id = f.response_id"

func scanCase(sc scanner) (survey.FollowUpCase, error) {
	var c survey.FollowUpCase
	var elements, status, opened, due, answered, updated string
	err := sc.Scan(&c.ID, &c.Code, &c.OfficeID, &c.KioskID, &c.ResponseID, &c.NIP, &c.Service, &c.Comment,
		&elements, &status, &c.Action, &c.Answer, &opened, &due, &answered, &updated, &c.UpdatedBy)
	c.Elements, c.Status = survey.SplitElements(elements), survey.FollowUpStatus(status)
	c.OpenedAt, c.DueAt, c.UpdatedAt = parseTime(opened), parseTime(due), parseTime(updated)
	if answered != "" {
		at := parseTime(answered)
		c.AnsweredAt = &at
	}
	return c, err
}

// OpenFollowUps applies p to each of kiosk's references in one transaction.
func (c *CentralDB) OpenFollowUps(ctx context.Context, kioskID string, refs []survey.FollowUpRef, p survey.FollowUpPolicy, at time.Time) ([]survey.FollowUpResult, error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, translate(err)
	}
	defer tx.Rollback()
	out := make([]survey.FollowUpResult, len(refs))
	for i, ref := range refs {
		var existing *survey.FollowUpCase
		switch x, err := scanCase(tx.QueryRowContext(ctx, "SELECT "+caseColumns+caseFrom+" WHERE f.code = ?", ref.Code)); {
		case err == nil:
			existing = &x
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("look up follow-up %s: %w", ref.Code, translate(err))
		}
		canon, ok := canonicalID(ref.ResponseID)
		if !ok {
			out[i] = survey.FollowUpResult{Code: ref.Code, Status: survey.FollowUpRefused, Reason: "response_id is not a UUID"}
			continue
		}
		ref.ResponseID = canon
		var resp *survey.StoredResponse
		switch r, err := scanStoredResponse(tx.QueryRowContext(ctx, "SELECT "+storedResponseColumns+" FROM responses WHERE id = ?", canon)); {
		case err == nil:
			resp = &r
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("look up response %s: %w", canon, translate(err))
		}
		cs, res := p.Open(ref, kioskID, resp, existing, at)
		if cs != nil {
			if err := insertCase(ctx, tx, cs); err != nil {
				if survey.ErrorCode(err) == survey.ECONFLICT {
					res = survey.FollowUpResult{Code: ref.Code, Status: survey.FollowUpRefused, Reason: "the rating already has another tracking code"}
				} else {
					return nil, err
				}
			}
		}
		out[i] = res
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("open follow-ups: %w", translate(err))
	}
	return out, nil
}

func insertCase(ctx context.Context, tx *sql.Tx, cs *survey.FollowUpCase) error {
	// A savepoint, so that a second code for the same rating refuses that
	// reference alone, not the whole request.
	if _, err := tx.ExecContext(ctx, "SAVEPOINT followup_case"); err != nil {
		return translate(err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO followup_cases (code, office_id, kiosk_id, response_id, nip, service, elements,
		status, opened_at, due_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		cs.Code, cs.OfficeID, cs.KioskID, cs.ResponseID, cs.NIP, cs.Service, survey.JoinElements(cs.Elements), string(cs.Status),
		formatTime(cs.OpenedAt), formatTime(cs.DueAt), formatTime(cs.UpdatedAt))
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO followup_case"); rerr != nil {
			return translate(rerr)
		}
		return fmt.Errorf("open follow-up %s: %w", cs.Code, translate(err))
	}
	if cs.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "RELEASE followup_case")
	return translate(err)
}

// FollowUpCaseByCode returns the case under a tracking code.
func (c *CentralDB) FollowUpCaseByCode(ctx context.Context, code string) (survey.FollowUpCase, error) {
	return c.oneCase(ctx, "f.code = ?", code)
}

// FollowUpCaseByID returns one case of an office.
func (c *CentralDB) FollowUpCaseByID(ctx context.Context, officeID, id int64) (survey.FollowUpCase, error) {
	return c.oneCase(ctx, "f.office_id = ? AND f.id = ?", officeID, id)
}

func (c *CentralDB) oneCase(ctx context.Context, cond string, args ...any) (survey.FollowUpCase, error) {
	x, err := scanCase(c.db.QueryRowContext(ctx, "SELECT "+caseColumns+caseFrom+" WHERE "+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return x, survey.ErrNoFollowUp()
	}
	if err != nil {
		return x, fmt.Errorf("read follow-up: %w", translate(err))
	}
	return x, nil
}

// FindFollowUpCases lists the cases f selects, oldest first.
func (c *CentralDB) FindFollowUpCases(ctx context.Context, f survey.FollowUpFilter) ([]survey.FollowUpCase, error) {
	var w where
	if f.OfficeID != 0 {
		w.add("f.office_id = ?", f.OfficeID)
	}
	if !f.OpenedFrom.IsZero() {
		w.add("f.opened_at >= ?", formatTime(f.OpenedFrom))
	}
	if !f.OpenedTo.IsZero() {
		w.add("f.opened_at < ?", formatTime(f.OpenedTo))
	}
	if f.OpenOnly {
		w.add("f.status != ?", string(survey.FollowUpAnswered))
	}
	if !f.DueBefore.IsZero() {
		w.add("f.due_at <= ?", formatTime(f.DueBefore))
	}
	return queryAll(ctx, c.db, "find follow-ups", scanCase,
		"SELECT "+caseColumns+caseFrom+w.String()+" ORDER BY f.opened_at, f.id LIMIT ?", append(w.args, limit(f.Limit))...)
}

// UpdateFollowUpCase stores a case's status, action, answer and their times.
func (c *CentralDB) UpdateFollowUpCase(ctx context.Context, cs survey.FollowUpCase) error {
	answered := ""
	if cs.AnsweredAt != nil {
		answered = formatTime(*cs.AnsweredAt)
	}
	res, err := c.db.ExecContext(ctx, `UPDATE followup_cases SET status = ?, action = ?, answer = ?, answered_at = ?, updated_at = ?, updated_by = ?
		WHERE office_id = ? AND id = ?`, string(cs.Status), cs.Action, cs.Answer, answered, formatTime(cs.UpdatedAt), cs.UpdatedBy, cs.OfficeID, cs.ID)
	if err != nil {
		return fmt.Errorf("update follow-up %d: %w", cs.ID, translate(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update follow-up %d: %w", cs.ID, err)
	} else if n == 0 {
		return survey.ErrNoFollowUp()
	}
	return nil
}
