package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
)

// MustOpenCentral opens a central database in a fresh file under tb.TempDir().
func MustOpenCentral(tb testing.TB, now func() time.Time) (*sqlite.CentralDB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "central.db")
	db, err := sqlite.OpenCentral(context.Background(), path, sqlite.CentralOptions{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, path
}

func TestCentralStore(t *testing.T) {
	storetest.RunCentralStore(t, func(t *testing.T, now func() time.Time) survey.CentralStore {
		db, _ := MustOpenCentral(t, now)
		return db
	})
}

func TestCentralSchemaVersion(t *testing.T) {
	db, path := MustOpenCentral(t, nil)
	db.Close()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || v != sqlite.SchemaVersion("central") || v < 1 {
		t.Errorf("schema version = %d (%v), want %d", v, err, sqlite.SchemaVersion("central"))
	}
	if _, err := raw.Exec("INSERT INTO schema_migrations VALUES (9999, 'future', 'x')"); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.OpenCentral(context.Background(), path, sqlite.CentralOptions{}); err == nil {
		t.Fatal("opened a central database with a newer schema")
	}
}

func TestCentralBackup(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenCentral(t, nil)
	storetest.MustCreateOffice(t, db, "Kantor")
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	copyDB, err := sqlite.OpenCentral(ctx, path, sqlite.CentralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if _, err := copyDB.OfficeByName(ctx, "Kantor"); err != nil {
		t.Errorf("office missing from the backup: %v", err)
	}
}

// BenchmarkCentralIngest500 measures Ingest of 500-response batches that
// continue one kiosk's chain.
func BenchmarkCentralIngest500(b *testing.B) {
	db, _ := MustOpenCentral(b, nil)
	storetest.BenchIngest(b, db, 500)
}
