// Package pgtest gives tests a fresh PostgreSQL schema on the server named
// by TEST_POSTGRES_DSN. Without it tests skip, except when CI=true: there a
// missing database fails the run rather than hiding the tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/store/postgres"
)

// DSN returns TEST_POSTGRES_DSN, skipping (or, in CI, failing) without it.
func DSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("TEST_POSTGRES_DSN is not set: CI must run the PostgreSQL tests")
		}
		tb.Skip("TEST_POSTGRES_DSN is not set (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return dsn
}

// MustCreateSchema creates a fresh schema t_<random>, dropped (with
// everything in it) when the test ends.
func MustCreateSchema(tb testing.TB) (dsn, schema string) {
	tb.Helper()
	dsn = DSN(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", dsn, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema = "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	return dsn, schema
}

// SchemaDSN returns a DSN whose connections use a fresh schema, for code that
// opens the database itself (central's Main, `central` commands).
func SchemaDSN(tb testing.TB) string {
	tb.Helper()
	dsn, schema := MustCreateSchema(tb)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// MustOpen opens a central store in a fresh schema, closed when the test ends.
func MustOpen(tb testing.TB, now func() time.Time) *postgres.DB {
	tb.Helper()
	dsn, schema := MustCreateSchema(tb)
	db, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
