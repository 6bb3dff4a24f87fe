package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/skmkiosk/skm/survey"
)

// CentralDB is central's embedded SQLite database: offices, kiosks, rosters,
// uploaded responses with their daily rollups, findings and receipts.
type CentralDB struct {
	db  *sql.DB
	now func() time.Time
	authStore
}

// Compile-time check that CentralDB implements the central store.
var _ survey.CentralStore = (*CentralDB)(nil)

// CentralOptions configure OpenCentral.
type CentralOptions struct {
	Options
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
}

// OpenCentral opens (creating and migrating) the central database at path.
// It refuses a database whose schema is newer than this build knows.
func OpenCentral(ctx context.Context, path string, o CentralOptions) (*CentralDB, error) {
	db, err := openDB(ctx, path, "central", o.Options)
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &CentralDB{db: db, now: o.Now, authStore: authStore{db: db, now: o.Now}}, nil
}

// Close closes the database.
func (c *CentralDB) Close() error { return c.db.Close() }

// Ping checks that the database answers and can be written.
func (c *CentralDB) Ping(ctx context.Context) error {
	_, err := c.db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('health', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		formatTime(c.now()))
	if err != nil {
		return fmt.Errorf("ping central database: %w", translate(err))
	}
	return nil
}

// Setting returns a stored setting and whether it exists.
func (c *CentralDB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := c.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, translate(err))
	}
	return v, true, nil
}

// SetSetting stores a setting, replacing any previous value.
func (c *CentralDB) SetSetting(ctx context.Context, key, value string) error {
	_, err := c.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, translate(err))
	}
	return nil
}

// DeleteSetting removes a setting.
func (c *CentralDB) DeleteSetting(ctx context.Context, key string) error {
	if _, err := c.db.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", key); err != nil {
		return fmt.Errorf("delete setting %s: %w", key, translate(err))
	}
	return nil
}

// Backup writes a consistent copy of the database to path while it serves
// (VACUUM INTO, checked and renamed into place; see backup).
func (c *CentralDB) Backup(ctx context.Context, path string) error {
	return backup(ctx, c.db, path, nil)
}

// translateRef is translate, with a foreign-key violation reported as the
// referenced entity not found.
func translateRef(err error, notFound error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey {
		return notFound
	}
	return translate(err)
}

// errNoOffice is returned when an office id names no office.
func errNoOffice(id int64) error {
	return survey.NewError(survey.ENOTFOUND, fmt.Sprintf("no office with id %d", id),
		fmt.Sprintf("tidak ada kantor dengan id %d", id))
}

// jsonArray encodes values as a JSON array for json_each(?): one parameter
// carries a whole batch's keys, whatever its size.
func jsonArray[T any](values []T) string {
	b, _ := json.Marshal(values) // strings and integers: cannot fail
	return string(b)
}
