package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestKioskPageCache checks that every connection of the kiosk's pool uses
// the kiosk's smaller page cache, while other databases keep SQLite's default.
func TestKioskPageCache(t *testing.T) {
	ctx := context.Background()
	k, err := OpenKiosk(ctx, filepath.Join(t.TempDir(), "kiosk.db"), KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	// Hold two connections at once, so that both are asked.
	tx1, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	c2, err := k.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var a, b int
	if err := tx1.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := c2.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&b); err != nil {
		t.Fatal(err)
	}
	if a != -kioskCacheKiB || b != -kioskCacheKiB {
		t.Errorf("the kiosk's connections have cache_size %d and %d, want %d (KiB)", a, b, -kioskCacheKiB)
	}

	other, err := openDB(ctx, filepath.Join(t.TempDir(), "central.db"), "central", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var c int
	if err := other.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&c); err != nil {
		t.Fatal(err)
	}
	if c != -2000 {
		t.Errorf("central's cache_size = %d, want SQLite's default -2000", c)
	}
}
