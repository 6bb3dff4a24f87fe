package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/skmkiosk/skm/survey"
)

// Ceiling is a kiosk database written with no application logic at all: rows
// go straight into the responses table, with its indexes and the kiosk's
// durability (WAL, synchronous=FULL), by one prepared statement. It is the
// hardware's ceiling that cmd/loadgen compares the group writer with; it is
// never a way to store citizens' ratings (no validation, no chain, no intake).
type Ceiling struct {
	db *sql.DB
}

// OpenCeiling opens (creating and migrating) a kiosk database at path for
// raw inserts, opened as the kiosk opens its own.
func OpenCeiling(ctx context.Context, path string, o Options) (*Ceiling, error) {
	db, err := openDB(ctx, path, "kiosk", o)
	if err != nil {
		return nil, err
	}
	return &Ceiling{db: db}, nil
}

// Close closes the database.
func (c *Ceiling) Close() error { return c.db.Close() }

// Insert writes rs as they are (Seq, ID, hashes and all; content_hash takes
// Hash) in one transaction: one commit, one fsync.
func (c *Ceiling) Insert(ctx context.Context, rs []survey.Response) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO responses (seq, id, nip, service,
		persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku, pengaduan, sarana,
		comment, age_band, sex, education, occupation, channel, verified, visit_id, flags,
		idempotency_key, content_hash, created_at, prev_hash, hash)
		VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", 27), ", ")+`)`)
	if err != nil {
		return fmt.Errorf("prepare insert: %w", translate(err))
	}
	defer stmt.Close()
	for i := range rs {
		r := &rs[i]
		rt := r.Ratings
		var idem any
		if r.IdempotencyKey != "" {
			idem = r.IdempotencyKey
		}
		if _, err := stmt.ExecContext(ctx, r.Seq, r.ID, r.NIP, r.Service, rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], rt[6], rt[7], rt[8],
			r.Comment, r.Profile.AgeBand, r.Profile.Sex, r.Profile.Education, r.Profile.Occupation,
			r.Channel, r.Verified, r.VisitID, strings.Join(r.Flags, ","), idem, r.Hash, formatTime(r.CreatedAt), r.PrevHash, r.Hash); err != nil {
			return fmt.Errorf("insert response: %w", translate(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	return nil
}
