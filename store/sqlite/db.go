// Package sqlite stores the kiosk's buffer and, as central's embedded default,
// the central appraisal database in SQLite files. It is the only importer of
// mattn/go-sqlite3.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/skmkiosk/skm/survey"
)

//go:embed migrations
var migrationFS embed.FS

// walLimit bounds the write-ahead log file: once a checkpoint has copied
// the log into the database, SQLite truncates the file to this size
// instead of keeping the largest it ever grew to
// (https://sqlite.org/pragma.html#pragma_journal_size_limit). With the
// default checkpoint every 1,000 pages (4 MiB) the log of a kiosk stays
// near 4 MiB on a small disk (docs/operations.md, disk).
const walLimit = 4 << 20

// driverName is mattn/go-sqlite3 with journal_size_limit set on every
// connection (the DSN has no parameter for it).
const driverName = "sqlite3_skm"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec("PRAGMA journal_size_limit = "+strconv.Itoa(walLimit), nil)
		return err
	}})
}

// Synchronous levels for Options.Synchronous.
const (
	SyncFull   = "FULL"   // every commit fsyncs the WAL: survives power loss (the kiosk)
	SyncNormal = "NORMAL" // fsync at checkpoints only: survives a crash, not power loss
)

// Options tune how a database file is opened.
type Options struct {
	// Synchronous is SyncFull (default) or SyncNormal.
	Synchronous string
	// BusyTimeout is how long a writer waits for another writer's lock (default 10 s).
	BusyTimeout time.Duration
	// MaxOpenConns bounds the pool (default 8).
	MaxOpenConns int
	// CacheKiB is each connection's page cache in KiB (default
	// kioskCacheKiB for a kiosk database, SQLite's 2,000 otherwise). The
	// operating system's page cache holds the file as well.
	CacheKiB int
}

// kioskCacheKiB is the kiosk's page cache per connection. The writer's
// working set is the tables' and indexes' last pages; SQLite's default of
// 2,000 KiB cost the kiosk a megabyte of its 40 MB budget under load for no
// measured gain (docs/benchmarks.md).
const kioskCacheKiB = 1024

// dsn builds a DSN with the pragmas every pooled connection needs: WAL,
// busy_timeout, foreign keys, synchronous and BEGIN IMMEDIATE for writers
// (https://github.com/mattn/go-sqlite3#connection-string).
func dsn(path string, o Options) string {
	if o.Synchronous == "" {
		o.Synchronous = SyncFull
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 10 * time.Second
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", o.Synchronous)
	q.Set("_busy_timeout", strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	if o.CacheKiB > 0 {
		q.Set("_cache_size", strconv.Itoa(-o.CacheKiB))
	}
	return "file:" + path + "?" + q.Encode()
}

// openDB opens path (creating its directory), checks that WAL is on and
// applies the migrations of the named set ("kiosk" or "central").
func openDB(ctx context.Context, path, set string, o Options) (*sql.DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		return nil, fmt.Errorf("database path %q: an in-memory database is not allowed; give a file path", path)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	if set == "kiosk" && o.CacheKiB == 0 {
		o.CacheKiB = kioskCacheKiB
	}
	db, err := sql.Open(driverName, dsn(path, o))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = 8
	}
	db.SetMaxOpenConns(o.MaxOpenConns)
	db.SetMaxIdleConns(o.MaxOpenConns)
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, translate(err))
	}
	if !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("open %s: journal_mode is %q, want wal (is the file on a network share?)", path, mode)
	}
	if err := migrate(ctx, db, set); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return db, nil
}

// migration is one numbered, append-only schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(set string) ([]migration, error) {
	dir := "migrations/" + set
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %s is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion returns the number of the newest migration of the named set
// that this build knows.
func SchemaVersion(set string) int {
	ms, err := loadMigrations(set)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies each migration not yet applied, one transaction each, and
// refuses a database whose schema is newer than this build knows.
func migrate(ctx context.Context, db *sql.DB, set string) error {
	ms, err := loadMigrations(set)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return translate(err)
	}
	var current int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return translate(err)
	}
	if known := ms[len(ms)-1].version; current > known {
		return fmt.Errorf("the database schema is version %d but this program knows only up to %d: run a newer release", current, known)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := applyMigration(ctx, db, m); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	// Another process may have applied it while we waited for the lock.
	var done int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&done); err != nil {
		return translate(err)
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return translate(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, survey.FormatTime(time.Now())); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// translate maps driver errors to survey errors by their codes, never by text.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey:
		return &survey.Error{Code: survey.ECONFLICT, Message: "already exists: " + se.Error(), MessageID: "sudah ada: " + se.Error()}
	case se.Code == sqlite3.ErrFull:
		return &survey.Error{Code: survey.EUNAVAILABLE,
			Message:   "the disk is full, so nothing can be saved; try again later and tell the office's IT contact, who must free disk space (the service resumes by itself)",
			MessageID: "disk penuh sehingga tidak ada yang dapat disimpan; coba lagi nanti dan beri tahu petugas TI kantor untuk mengosongkan ruang disk (layanan pulih sendiri)"}
	case se.Code == sqlite3.ErrReadonly || se.Code == sqlite3.ErrIoErr || se.Code == sqlite3.ErrCantOpen || se.Code == sqlite3.ErrPerm:
		return &survey.Error{Code: survey.EUNAVAILABLE,
			Message:   "the database cannot be written (" + se.Error() + "), so nothing can be saved; try again later and tell the office's IT contact, who must check the disk and the file permissions",
			MessageID: "basis data tidak dapat ditulis (" + se.Error() + ") sehingga tidak ada yang dapat disimpan; coba lagi nanti dan beri tahu petugas TI kantor untuk memeriksa disk dan izin berkas"}
	case se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked:
		return &survey.Error{Code: survey.EUNAVAILABLE,
			Message:   "the database is busy; try again in a moment",
			MessageID: "basis data sedang sibuk; coba lagi sebentar"}
	}
	return err
}

// formatTime and parseTime store times as fixed-width UTC text, which sorts.
func formatTime(t time.Time) string { return survey.FormatTime(t) }

func parseTime(s string) time.Time {
	t, _ := survey.ParseTime(s)
	return t
}

func nullTime(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(...any) error }

// queryer runs queries: a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and reads every row with scan, in order, wrapping
// errors with what: store/postgres's collect, for database/sql.
func queryAll[T any](ctx context.Context, db queryer, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, translate(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, translate(err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, translate(err))
	}
	return out, nil
}
