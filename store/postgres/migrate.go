package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/skmkiosk/skm/survey"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered, append-only schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
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
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion returns the number of the newest migration this build knows.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrationLock is the advisory lock key that serializes migrating
// processes (central replicas starting together).
const migrationLock = 0x534b4d // "SKM"

// migrate applies each migration not yet applied, one transaction each, and
// refuses a database whose schema is newer than this build knows. It holds
// a session advisory lock throughout, so that replicas starting together
// neither race to create schema_migrations nor apply a step twice.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return translate(err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	// Look before creating, so that an up-to-date database opens read-only too.
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return translate(err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return translate(err)
		}
	}
	current, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if known := ms[len(ms)-1].version; current > known {
		return fmt.Errorf("the database schema is version %d but this program knows only up to %d: run a newer release", current, known)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", translate(err))
	}
	return v, nil
}

func applyMigration(ctx context.Context, conn *pgxpool.Conn, m migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback(ctx)
	// No arguments: pgx sends it by the simple protocol, which runs every statement of the file.
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return translate(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
		return translate(err)
	}
	return translate(tx.Commit(ctx))
}

// SQLSTATE codes translated to survey errors
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeReadOnlyTransaction = "25006"
	codeSerialization       = "40001"
	codeDeadlock            = "40P01"
	codeDiskFull            = "53100"
	codeOutOfMemory         = "53200"
	codeTooManyConnections  = "53300"
	codeAdminShutdown       = "57P01"
	codeCannotConnectNow    = "57P03"
	// A NUL byte in text, or a character the database's encoding lacks.
	codeCharacterNotInRepertoire = "22021"
	codeUntranslatableCharacter  = "22P05"
)

// translate maps driver errors to survey errors by their SQLSTATE, never by text.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return &survey.Error{Code: survey.EUNAVAILABLE,
			Message:   "the database cannot be reached (" + ce.Error() + "); check that PostgreSQL runs",
			MessageID: "basis data tidak dapat dihubungi (" + ce.Error() + "); periksa bahwa PostgreSQL berjalan"}
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case codeCharacterNotInRepertoire, codeUntranslatableCharacter:
		return survey.NewError(survey.EINVALID, "the text holds a character that cannot be stored (a NUL byte?)",
			"teks berisi karakter yang tidak dapat disimpan (byte NUL?)")
	case codeUniqueViolation:
		return &survey.Error{Code: survey.ECONFLICT, Message: "already exists: " + pe.Message, MessageID: "sudah ada: " + pe.Message}
	case codeDiskFull:
		return &survey.Error{Code: survey.EUNAVAILABLE,
			Message:   "the database disk is full: nothing can be saved until space is freed",
			MessageID: "disk basis data penuh: tidak ada yang dapat disimpan sampai ruang dikosongkan"}
	case codeReadOnlyTransaction:
		return &survey.Error{Code: survey.EUNAVAILABLE,
			Message:   "the database is read-only (a standby?): point central at the primary",
			MessageID: "basis data hanya-baca (standby?): arahkan central ke server utama"}
	case codeSerialization, codeDeadlock, codeOutOfMemory, codeTooManyConnections, codeAdminShutdown, codeCannotConnectNow:
		return &survey.Error{Code: survey.EUNAVAILABLE,
			Message:   "the database is busy (" + pe.Code + "); try again in a moment",
			MessageID: "basis data sedang sibuk (" + pe.Code + "); coba lagi sebentar"}
	}
	return err
}

// isForeignKeyViolation reports whether err is a foreign-key violation,
// which the callers report as the referenced entity not found.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == codeForeignKeyViolation
}

// translateRef is translate, with a foreign-key violation reported as notFound.
func translateRef(err error, notFound error) error {
	if isForeignKeyViolation(err) {
		return notFound
	}
	return translate(err)
}

// errNoOffice is returned when an office id names no office.
func errNoOffice(id int64) error {
	return survey.NewError(survey.ENOTFOUND, fmt.Sprintf("no office with id %d", id),
		fmt.Sprintf("tidak ada kantor dengan id %d", id))
}

// collect reads every row with scan, wrapping errors with what.
func collect[T any](rows pgx.Rows, what string, scan func(pgx.Row) (T, error)) ([]T, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, translate(err))
	}
	return out, nil
}
