package kiosk_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
)

// TestShutdownBeforeServe is a stop signal that arrives before the goroutine
// running Serve has started: Serve must not then serve forever.
func TestShutdownBeforeServe(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenKiosk(ctx, filepath.Join(t.TempDir(), "kiosk.db"), sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := kiosk.NewServer(ctx, kiosk.DefaultConfig(), db, "http://"+ln.Addr().String(),
		kiosk.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); err != nil { // would block here, accepting, before the fix
		t.Errorf("Serve after Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts connections")
	}
}
