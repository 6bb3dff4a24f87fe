// Package sqlitetest damages SQLite files for tests of what a failing disk
// does to the kiosk.
package sqlitetest

import (
	"bytes"
	"database/sql"
	"os"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the plain driver, for the checkpoint
)

// CorruptPages copies the write-ahead log of the SQLite file at path into
// the file, then writes garbage over every other page after the header
// page, as a failing disk might. It fails the test when the file is too
// small to damage.
func CorruptPages(tb testing.TB, path string) {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		tb.Fatal(err)
	}
	raw.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	const page = 4096
	pages := fi.Size() / page
	if pages < 4 {
		tb.Fatalf("%s has %d pages: too few to damage", path, pages)
	}
	garbage := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, page/4)
	for p := int64(2); p < pages; p += 2 {
		if _, err := f.WriteAt(garbage, p*page); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		tb.Fatal(err)
	}
}
