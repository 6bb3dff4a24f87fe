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
	"strings"

	"github.com/mattn/go-sqlite3"

	"github.com/skmkiosk/skm/survey"
)

// backup writes a consistent copy of db to path while others keep writing:
// VACUUM INTO reads one snapshot (https://sqlite.org/lang_vacuum.html#vacuuminto)
// into a temporary file next to path, which is synced, checked with
// PRAGMA integrity_check and only then renamed to path. An interrupted or
// failed backup (a full disk) never leaves a file named path, and an
// existing file is never overwritten. marks are settings written into the
// copy only (the kiosk's: when the backup was taken).
func backup(ctx context.Context, db *sql.DB, path string, marks map[string]string) error {
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
	if err := markCopy(ctx, tmp, marks); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
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

// markCopy writes settings into the copy at path (a rollback journal file,
// as VACUUM INTO leaves it: no WAL to carry beside it).
func markCopy(ctx context.Context, path string, marks map[string]string) error {
	if len(marks) == 0 {
		return nil
	}
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_synchronous=FULL")
	if err != nil {
		return err
	}
	defer db.Close()
	for k, v := range marks {
		if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return fmt.Errorf("mark the copy: %w", translate(err))
		}
	}
	return db.Close()
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

// QuickCheckFile runs PRAGMA quick_check on the SQLite file at path, on a
// connection of its own (so it reads the disk, not a page cache), and
// returns its verdict: "ok" when sound, else SQLite's first complaints. A
// file too damaged to be read at all is reported the same way.
func QuickCheckFile(ctx context.Context, path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("quick check: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return "", fmt.Errorf("quick check of %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(20)")
	if err != nil {
		return damaged(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return damaged(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return damaged(err)
	}
	return strings.Join(lines, "; "), nil
}

// damaged turns SQLite's refusal to read a damaged file into a verdict;
// other errors stay errors.
func damaged(err error) (string, error) {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB) {
		return se.Error(), nil
	}
	return "", fmt.Errorf("quick check: %w", translate(err))
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
		if verdict, derr := damaged(err); derr == nil {
			return verdict, nil // too damaged to be read: that is the verdict
		}
		return "", fmt.Errorf("integrity check of %s: %w", path, translate(err))
	}
	return res, nil
}
