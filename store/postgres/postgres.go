// Package postgres stores central's appraisal database in PostgreSQL through
// pgx. It is the only importer of pgx; store/sqlite holds the embedded
// default, and store/storetest runs one contract suite against both.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/skmkiosk/skm/survey"
)

// DB is central's PostgreSQL store.
type DB struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// Compile-time check that DB implements the central store.
var _ survey.CentralStore = (*DB)(nil)

// Options tune Open. The zero value works with a plain DSN.
type Options struct {
	// Schema, when set, becomes the search_path of every pooled connection
	// (tests use a fresh schema each); the DSN's search_path otherwise.
	Schema string
	// MaxConns bounds the pool (default: pgxpool's, the larger of 4 and the CPU count).
	MaxConns int32
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
}

// Open connects to dsn, applies the migrations this build knows and refuses
// a database whose schema is newer.
func Open(ctx context.Context, dsn string, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL DSN: %w", err)
	}
	if o.Schema != "" {
		// A runtime parameter reaches every pooled connection, unlike a SET on one of them.
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{o.Schema}.Sanitize()
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", translate(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, translate(err))
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate PostgreSQL: %w", err)
	}
	return &DB{pool: pool, now: o.Now}, nil
}

// Close closes every pooled connection.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// Ping checks that the database answers and can be written: a read-only
// standby or a full disk fails it.
func (d *DB) Ping(ctx context.Context) error {
	_, err := d.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('health', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, survey.FormatTime(d.now()))
	if err != nil {
		return fmt.Errorf("ping central database: %w", translate(err))
	}
	return nil
}

// Setting returns a stored setting and whether it exists.
func (d *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := d.pool.QueryRow(ctx, "SELECT value FROM settings WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, translate(err))
	}
	return v, true, nil
}

// SetSetting stores a setting, replacing any previous value.
func (d *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := d.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, translate(err))
	}
	return nil
}

// DeleteSetting removes a setting.
func (d *DB) DeleteSetting(ctx context.Context, key string) error {
	if _, err := d.pool.Exec(ctx, "DELETE FROM settings WHERE key = $1", key); err != nil {
		return fmt.Errorf("delete setting %s: %w", key, translate(err))
	}
	return nil
}

// querier is what the pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// jakartaDay returns t's Asia/Jakarta calendar date as a date value.
func jakartaDay(t time.Time) time.Time {
	j := t.In(survey.Jakarta)
	return time.Date(j.Year(), j.Month(), j.Day(), 0, 0, 0, 0, time.UTC)
}

// reportDay returns the day r counts on in reports (survey.ReportDay) as a date value.
func reportDay(r survey.StoredResponse) time.Time {
	return jakartaDay(survey.ReportDay(r.CreatedAt, r.ReceivedAt, survey.Jakarta))
}

// utc returns t in UTC with microsecond precision, as timestamptz holds it.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// optTime returns nil for a zero time, so that it is stored as NULL.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = utc(t)
	return &t
}

// fromOpt reads a nullable timestamptz.
func fromOpt(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
