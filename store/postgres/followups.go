package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

var _ survey.FollowUpStore = (*DB)(nil)

const caseColumns = `f.id, f.code, f.office_id, f.kiosk_id, f.response_id::text, f.nip, f.service, COALESCE(r.comment, ''),
	f.elements, f.status, f.action, f.answer, f.opened_at, f.due_at, f.answered_at, f.updated_at, f.updated_by`

const caseFrom = " FROM followup_cases f LEFT JOIN responses r ON r.id = f.response_id"

func scanCase(row pgx.Row) (survey.FollowUpCase, error) {
	var c survey.FollowUpCase
	var elements, status string
	err := row.Scan(&c.ID, &c.Code, &c.OfficeID, &c.KioskID, &c.ResponseID, &c.NIP, &c.Service, &c.Comment,
		&elements, &status, &c.Action, &c.Answer, &c.OpenedAt, &c.DueAt, &c.AnsweredAt, &c.UpdatedAt, &c.UpdatedBy)
	c.Elements, c.Status = survey.SplitElements(elements), survey.FollowUpStatus(status)
	c.OpenedAt, c.DueAt, c.UpdatedAt = c.OpenedAt.UTC(), c.DueAt.UTC(), c.UpdatedAt.UTC()
	if c.AnsweredAt != nil {
		at := c.AnsweredAt.UTC()
		c.AnsweredAt = &at
	}
	return c, err
}

// OpenFollowUps applies p to each of kiosk's references in one transaction.
func (d *DB) OpenFollowUps(ctx context.Context, kioskID string, refs []survey.FollowUpRef, p survey.FollowUpPolicy, at time.Time) ([]survey.FollowUpResult, error) {
	out := make([]survey.FollowUpResult, len(refs))
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		for i, ref := range refs {
			var existing *survey.FollowUpCase
			switch x, err := scanCase(tx.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE f.code = $1", ref.Code)); {
			case err == nil:
				existing = &x
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("look up follow-up %s: %w", ref.Code, translate(err))
			}
			canon, ok := canonicalID(ref.ResponseID)
			if !ok {
				out[i] = survey.FollowUpResult{Code: ref.Code, Status: survey.FollowUpRefused, Reason: "response_id is not a UUID"}
				continue
			}
			ref.ResponseID = canon
			var resp *survey.StoredResponse
			switch r, err := scanStoredResponse(tx.QueryRow(ctx, "SELECT "+storedResponseColumns+" FROM responses WHERE id = $1::uuid", canon)); {
			case err == nil:
				resp = &r
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("look up response %s: %w", canon, translate(err))
			}
			cs, res := p.Open(ref, kioskID, resp, existing, at)
			if cs != nil {
				// ON CONFLICT: a second code for the same rating refuses that reference alone.
				err := tx.QueryRow(ctx, `INSERT INTO followup_cases (code, office_id, kiosk_id, response_id, nip, service, elements,
					status, opened_at, due_at, updated_at) VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8, $9, $10, $11)
					ON CONFLICT DO NOTHING RETURNING id`,
					cs.Code, cs.OfficeID, cs.KioskID, cs.ResponseID, cs.NIP, cs.Service, survey.JoinElements(cs.Elements), string(cs.Status),
					utc(cs.OpenedAt), utc(cs.DueAt), utc(cs.UpdatedAt)).Scan(&cs.ID)
				switch {
				case errors.Is(err, pgx.ErrNoRows):
					res = survey.FollowUpResult{Code: ref.Code, Status: survey.FollowUpRefused, Reason: "the rating already has another tracking code"}
				case err != nil:
					return fmt.Errorf("open follow-up %s: %w", cs.Code, translate(err))
				}
			}
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FollowUpCaseByCode returns the case under a tracking code.
func (d *DB) FollowUpCaseByCode(ctx context.Context, code string) (survey.FollowUpCase, error) {
	return d.oneCase(ctx, "f.code = $1", code)
}

// FollowUpCaseByID returns one case of an office.
func (d *DB) FollowUpCaseByID(ctx context.Context, officeID, id int64) (survey.FollowUpCase, error) {
	return d.oneCase(ctx, "f.office_id = $1 AND f.id = $2", officeID, id)
}

func (d *DB) oneCase(ctx context.Context, cond string, args ...any) (survey.FollowUpCase, error) {
	x, err := scanCase(d.pool.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE "+cond, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return x, survey.ErrNoFollowUp()
	}
	if err != nil {
		return x, fmt.Errorf("read follow-up: %w", translate(err))
	}
	return x, nil
}

// FindFollowUpCases lists the cases f selects, oldest first.
func (d *DB) FindFollowUpCases(ctx context.Context, f survey.FollowUpFilter) ([]survey.FollowUpCase, error) {
	var w where
	if f.OfficeID != 0 {
		w.add("f.office_id = ?", f.OfficeID)
	}
	if !f.OpenedFrom.IsZero() {
		w.add("f.opened_at >= ?", utc(f.OpenedFrom))
	}
	if !f.OpenedTo.IsZero() {
		w.add("f.opened_at < ?", utc(f.OpenedTo))
	}
	if f.OpenOnly {
		w.add("f.status != ?", string(survey.FollowUpAnswered))
	}
	if !f.DueBefore.IsZero() {
		w.add("f.due_at <= ?", utc(f.DueBefore))
	}
	q := "SELECT " + caseColumns + caseFrom + w.String() + " ORDER BY f.opened_at, f.id LIMIT " + w.next()
	rows, err := d.pool.Query(ctx, q, append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("find follow-ups: %w", translate(err))
	}
	return collect(rows, "find follow-ups", scanCase)
}

// UpdateFollowUpCase stores a case's status, action, answer and their times.
func (d *DB) UpdateFollowUpCase(ctx context.Context, cs survey.FollowUpCase) error {
	var answered *time.Time
	if cs.AnsweredAt != nil {
		at := utc(*cs.AnsweredAt)
		answered = &at
	}
	tag, err := d.pool.Exec(ctx, `UPDATE followup_cases SET status = $1, action = $2, answer = $3, answered_at = $4, updated_at = $5, updated_by = $6
		WHERE office_id = $7 AND id = $8`, string(cs.Status), cs.Action, cs.Answer, answered, utc(cs.UpdatedAt), cs.UpdatedBy, cs.OfficeID, cs.ID)
	if err != nil {
		return fmt.Errorf("update follow-up %d: %w", cs.ID, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return survey.ErrNoFollowUp()
	}
	return nil
}
