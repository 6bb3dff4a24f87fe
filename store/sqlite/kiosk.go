package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// KioskDB is the kiosk's SQLite buffer: roster, catalogue, responses,
// accounts and sync history.
type KioskDB struct {
	db   *sql.DB
	path string
	now  func() time.Time
	// damage is the last CheckIntegrity's complaint (nil: sound).
	damage atomic.Pointer[string]
	w      *groupWriter
	authStore
}

// Compile-time checks that KioskDB implements the domain's store interfaces.
var (
	_ survey.StaffStore    = (*KioskDB)(nil)
	_ survey.ServiceStore  = (*KioskDB)(nil)
	_ survey.ResponseStore = (*KioskDB)(nil)
)

// KioskOptions configure OpenKiosk.
type KioskOptions struct {
	Options
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
	// CommentLimit is the maximum comment length in characters.
	CommentLimit int
	// MaxBatch bounds how many queued responses share one commit (default 256).
	MaxBatch int
	// SignHead, when set, signs the chain head after each commit
	// (the kiosk's Ed25519 key once it is connected to central).
	SignHead func(seq int64, hash string) string
	// VerifyHead and SignSegment, when set with SignHead, make the writer
	// check the stored head before it extends the chain, and write a signed
	// break segment rather than sign over a head it cannot verify.
	VerifyHead  func(seq int64, hash, signature string) bool
	SignSegment func(*survey.Segment)
	// OnSegment is told of every segment written (to log it).
	OnSegment func(survey.Segment)
}

// OpenKiosk opens (creating and migrating) the kiosk database at path.
func OpenKiosk(ctx context.Context, path string, o KioskOptions) (*KioskDB, error) {
	db, err := openDB(ctx, path, "kiosk", o.Options)
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	k := &KioskDB{db: db, path: path, now: o.Now, authStore: authStore{db: db, now: o.Now}}
	if err := k.seedServices(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if o.SignHead != nil {
		if err := k.startHeadSigning(ctx, o.SignHead); err != nil {
			db.Close()
			return nil, err
		}
	}
	k.w = newGroupWriter(k, o)
	if k.w.verify != nil {
		// Once at start: a head that does not verify becomes a break now,
		// not at the next rating.
		if _, err := k.VerifyChain(ctx); err != nil {
			k.Close()
			return nil, err
		}
	}
	return k, nil
}

// startHeadSigning signs the chain head once, the first time the kiosk has a
// key (a kiosk may have run standalone before it was connected). From then on
// every commit signs the head, so an unsigned head later means the file was
// altered: it is sent unsigned and central reports it.
func (k *KioskDB) startHeadSigning(ctx context.Context, sign func(seq int64, hash string) string) error {
	if _, ok, err := k.Setting(ctx, "head_signing_started"); err != nil || ok {
		return err
	}
	seq, hash, sig, err := k.ChainHead(ctx)
	if err != nil {
		return err
	}
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if sig == "" {
		if _, err := tx.ExecContext(ctx, "UPDATE chain_head SET signature = ? WHERE id = 1 AND seq = ?", sign(seq, hash), seq); err != nil {
			return fmt.Errorf("sign chain head: %w", translate(err))
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('head_signing_started', ?)", formatTime(k.now())); err != nil {
		return fmt.Errorf("sign chain head: %w", translate(err))
	}
	return translate(tx.Commit())
}

// Close stops the writer (after it finishes the commit in progress) and closes the database.
func (k *KioskDB) Close() error {
	k.w.close()
	return k.db.Close()
}

// WriteStats reports the group writer's commits since the store opened.
func (k *KioskDB) WriteStats() survey.WriteStats { return k.w.stats() }

// Now returns the store's clock reading.
func (k *KioskDB) Now() time.Time { return k.now() }

// Ping checks that the database answers and can be written.
func (k *KioskDB) Ping(ctx context.Context) error {
	_, err := k.db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('health', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		formatTime(k.now()))
	return translate(err)
}

// seedServices fills the catalogue with the Disdukcapil default once, on a new database.
func (k *KioskDB) seedServices(ctx context.Context) error {
	if _, ok, err := k.Setting(ctx, "services_seeded"); err != nil || ok {
		return err
	}
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	for i, s := range survey.DefaultServices() {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO services (code, name_id, name_en, grp, active, position)
			VALUES (?, ?, ?, ?, 1, ?)`, s.Code, s.NameID, s.NameEN, s.Group, i); err != nil {
			return fmt.Errorf("seed services: %w", translate(err))
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('services_seeded', '1')"); err != nil {
		return fmt.Errorf("seed services: %w", translate(err))
	}
	return translate(tx.Commit())
}

// Setting returns a stored setting and whether it exists.
func (k *KioskDB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := k.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, translate(err))
	}
	return v, true, nil
}

// SetSetting stores a setting, replacing any previous value.
func (k *KioskDB) SetSetting(ctx context.Context, key, value string) error {
	_, err := k.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, translate(err))
	}
	return nil
}

// DeleteSetting removes a setting.
func (k *KioskDB) DeleteSetting(ctx context.Context, key string) error {
	_, err := k.db.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", key)
	return translate(err)
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok" when sound).
func (k *KioskDB) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	err := k.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	return res, translate(err)
}

// Backup writes a consistent copy of the database to path while it serves
// (VACUUM INTO, checked and renamed into place; see backup).
func (k *KioskDB) Backup(ctx context.Context, path string) error {
	return backup(ctx, k.db, path, map[string]string{settingBackupTakenAt: formatTime(k.now())})
}

// OldestPending returns the creation time of the oldest response (by
// sequence number) still waiting for upload, and false when none waits.
// The kiosk's sync lag metric is its age.
func (k *KioskDB) OldestPending(ctx context.Context) (time.Time, bool, error) {
	var created string
	err := k.db.QueryRowContext(ctx, "SELECT created_at FROM responses WHERE synced_at IS NULL ORDER BY seq LIMIT 1").Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read oldest pending response: %w", translate(err))
	}
	return parseTime(created), true, nil
}

// healthProbe is the size of the write /healthz makes after a commit failed
// for want of space: larger than any group of ratings, so that when it fits,
// ratings fit too.
const healthProbe = 64 << 10

// WriteHealth reports whether ratings can be written: the error of the last
// commit that failed for want of space or a writable disk, until a later
// commit, or a probe write larger than a group of ratings, succeeds.
func (k *KioskDB) WriteHealth(ctx context.Context) error {
	if f := k.w.failure.Load(); f == nil {
		return nil
	}
	_, err := k.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('health_probe', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strings.Repeat(" ", healthProbe))
	if err == nil {
		_, err = k.db.ExecContext(ctx, "DELETE FROM settings WHERE key = 'health_probe'")
	}
	if err != nil {
		return translate(err)
	}
	k.w.failure.Store(nil)
	return nil
}

// QuickCheck runs SQLite's quick_check on the database file, from a
// connection of its own, and returns its verdict ("ok" when sound).
func (k *KioskDB) QuickCheck(ctx context.Context) (string, error) {
	return QuickCheckFile(ctx, k.path)
}

// CheckIntegrity runs QuickCheck and remembers a damaged verdict for
// Damage (cmd/kiosk runs it at start and daily).
func (k *KioskDB) CheckIntegrity(ctx context.Context) (string, error) {
	res, err := k.QuickCheck(ctx)
	if err != nil {
		return "", err
	}
	if res == "ok" {
		k.damage.Store(nil)
	} else {
		k.damage.Store(&res)
	}
	return res, nil
}

// Damage returns the last integrity check's complaint ("" when the file was sound).
func (k *KioskDB) Damage() string {
	if d := k.damage.Load(); d != nil {
		return *d
	}
	return ""
}
