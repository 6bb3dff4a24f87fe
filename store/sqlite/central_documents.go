package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/skmkiosk/skm/survey"
)

var _ survey.DocumentStore = (*CentralDB)(nil)

const documentColumns = "id, kind, office_id, period, closed_through, nip, subject, issued_at, issued_by, sha256, key_id, signature, figures, figures_digest"

// CreateDocument validates and stores an issued document's record.
func (c *CentralDB) CreateDocument(ctx context.Context, d *survey.Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	figs, err := json.Marshal(d.Figures)
	if err != nil {
		return fmt.Errorf("encode figures of document %s: %w", d.ID, err)
	}
	_, err = c.db.ExecContext(ctx, "INSERT INTO issued_documents ("+documentColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		d.ID, string(d.Kind), d.OfficeID, d.Period, d.ClosedThrough, d.NIP, d.Subject, formatTime(d.IssuedAt), d.IssuedBy,
		d.SHA256, d.KeyID, d.Signature, string(figs), d.FiguresDigest)
	if err != nil {
		return fmt.Errorf("store document %s: %w", d.ID, translateRef(err, errNoOffice(d.OfficeID)))
	}
	return nil
}

// DocumentByID returns an issued document's record.
func (c *CentralDB) DocumentByID(ctx context.Context, id string) (survey.Document, error) {
	var d survey.Document
	var kind, issued, figs string
	err := c.db.QueryRowContext(ctx, "SELECT "+documentColumns+" FROM issued_documents WHERE id = ?", id).Scan(&d.ID, &kind, &d.OfficeID,
		&d.Period, &d.ClosedThrough, &d.NIP, &d.Subject, &issued, &d.IssuedBy, &d.SHA256, &d.KeyID, &d.Signature, &figs, &d.FiguresDigest)
	if errors.Is(err, sql.ErrNoRows) {
		return d, survey.ErrNoDocument()
	}
	if err != nil {
		return d, fmt.Errorf("read document %s: %w", id, translate(err))
	}
	d.Kind, d.IssuedAt = survey.DocumentKind(kind), parseTime(issued)
	if err := json.Unmarshal([]byte(figs), &d.Figures); err != nil {
		return d, fmt.Errorf("decode figures of document %s: %w", id, err)
	}
	return d, nil
}
