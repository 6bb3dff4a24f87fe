package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// Measurements (cmd/loadgen) run central in a scratch schema of their own,
// dropped afterwards, and compare Ingest with a raw COPY of the same rows.

// CreateScratchSchema creates an empty schema named prefix + "_" + random
// hex on the server of dsn and returns its name and a function that drops it
// with everything in it. Open the store in it with Options{Schema: name}.
func CreateScratchSchema(ctx context.Context, dsn, prefix string) (string, func(context.Context) error, error) {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("scratch schema name: %w", err)
	}
	name := prefix + "_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL: %w", translate(err))
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", name, translate(err))
	}
	drop := func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("connect to PostgreSQL: %w", translate(err))
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", name, translate(err))
		}
		return nil
	}
	return name, drop, nil
}

// CopyRaw copies rows straight into responses in one transaction, with
// nothing else: no planning, staging table, rollups, findings or receipt.
// It is the ceiling Ingest is measured against, never a way to store uploads.
func (d *DB) CopyRaw(ctx context.Context, rows []survey.StoredResponse) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"responses"}, responseColumns, pgx.CopyFromSlice(len(rows),
			func(i int) ([]any, error) { return responseRow(rows[i]), nil }))
		if err != nil {
			return fmt.Errorf("copy responses: %w", translate(err))
		}
		return nil
	})
}

// RelationSizes returns the size on disk of each table of schema on the
// server of dsn, its indexes and TOAST data included, in bytes.
func RelationSizes(ctx context.Context, dsn, schema string) (map[string]int64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", translate(err))
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, schema)
	if err != nil {
		return nil, fmt.Errorf("relation sizes: %w", translate(err))
	}
	out := map[string]int64{}
	var name string
	var size int64
	if _, err := pgx.ForEachRow(rows, []any{&name, &size}, func() error {
		out[name] = size
		return nil
	}); err != nil {
		return nil, fmt.Errorf("relation sizes: %w", translate(err))
	}
	return out, nil
}
