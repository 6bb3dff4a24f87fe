package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/skmkiosk/skm/survey"
)

// backup writes a consistent copy of db to path while others keep writing:
// VACUUM INTO reads one snapshot (https://sqlite.org/lang_vacuum.html#vacuuminto)
// into a temporary file next to path, which is synced, checked with
// PRAGMA integrity_check and only then renamed to path. An interrupted or
// failed backup (a full disk) never leaves a file named path, and an
// existing file is never overwritten.
func backup(ctx context.Context, db *sql.DB, path string) error {
	if _, err := os.Stat(path); err == nil {
		return survey.Invalid("file", path+" already exists: a backup never overwrites a file; choose a new name",
			path+" sudah ada: cadangan tidak pernah menimpa berkas; pilih nama baru")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	tmp := path + ".partial"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: remove the leftover %s: %w", tmp, err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, translate(err))
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := checkFile(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return syncFile(filepath.Dir(path)) // the rename itself survives a power cut
}

// syncFile flushes a file (or a directory's entries) to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// checkFile opens the SQLite file at path read-only and runs PRAGMA
// integrity_check on it.
func checkFile(ctx context.Context, path string) error {
	res, err := IntegrityCheckFile(ctx, path)
	if err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("the copy fails PRAGMA integrity_check: %s", res)
	}
	return nil
}

// IntegrityCheckFile runs PRAGMA integrity_check on the SQLite file at path,
// opened read-only, and returns its verdict ("ok" when sound). It works on a
// backup or on the database of a stopped service.
func IntegrityCheckFile(ctx context.Context, path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return "", fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return "", fmt.Errorf("integrity check of %s: %w", path, translate(err))
	}
	return res, nil
}
