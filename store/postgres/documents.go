package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

var _ survey.DocumentStore = (*DB)(nil)

const documentColumns = "id, kind, office_id, period, closed_through, nip, subject, issued_at, issued_by, sha256, key_id, signature, figures, figures_digest"

// CreateDocument validates and stores an issued document's record.
func (d *DB) CreateDocument(ctx context.Context, doc *survey.Document) error {
	if err := doc.Validate(); err != nil {
		return err
	}
	figs, err := json.Marshal(doc.Figures)
	if err != nil {
		return fmt.Errorf("encode figures of document %s: %w", doc.ID, err)
	}
	_, err = d.pool.Exec(ctx, "INSERT INTO issued_documents ("+documentColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
		doc.ID, string(doc.Kind), doc.OfficeID, doc.Period, doc.ClosedThrough, doc.NIP, doc.Subject, utc(doc.IssuedAt), doc.IssuedBy,
		doc.SHA256, doc.KeyID, doc.Signature, string(figs), doc.FiguresDigest)
	if err != nil {
		return fmt.Errorf("store document %s: %w", doc.ID, translateRef(err, errNoOffice(doc.OfficeID)))
	}
	return nil
}

// DocumentByID returns an issued document's record.
func (d *DB) DocumentByID(ctx context.Context, id string) (survey.Document, error) {
	var doc survey.Document
	var kind string
	var figs []byte
	err := d.pool.QueryRow(ctx, "SELECT "+documentColumns+" FROM issued_documents WHERE id = $1", id).Scan(&doc.ID, &kind, &doc.OfficeID,
		&doc.Period, &doc.ClosedThrough, &doc.NIP, &doc.Subject, &doc.IssuedAt, &doc.IssuedBy, &doc.SHA256, &doc.KeyID, &doc.Signature, &figs, &doc.FiguresDigest)
	if errors.Is(err, pgx.ErrNoRows) {
		return doc, survey.ErrNoDocument()
	}
	if err != nil {
		return doc, fmt.Errorf("read document %s: %w", id, translate(err))
	}
	doc.Kind, doc.IssuedAt = survey.DocumentKind(kind), doc.IssuedAt.UTC()
	if err := json.Unmarshal(figs, &doc.Figures); err != nil {
		return doc, fmt.Errorf("decode figures of document %s: %w", id, err)
	}
	return doc, nil
}
