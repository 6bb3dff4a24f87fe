package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// centralBackends runs f against a central on SQLite and on PostgreSQL.
func centralBackends(t *testing.T, f func(t *testing.T, store survey.CentralStore)) {
	t.Run("sqlite", func(t *testing.T) {
		store, err := sqlite.OpenCentral(context.Background(), filepath.Join(t.TempDir(), "central.db"), sqlite.CentralOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f(t, store)
	})
	t.Run("postgres", func(t *testing.T) { f(t, pgtest.MustOpen(t, nil)) })
}

// mustKiosk runs a kiosk command and fails on an error; it returns the output.
func mustKiosk(tb testing.TB, args ...string) string {
	tb.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		tb.Fatalf("kiosk %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// A kiosk whose disk died, restored from its backup as the runbook says,
// loses nothing and raises no false finding. It had uploaded 30 ratings;
// the backup holds 20. Restored with `kiosk restore` while central answers,
// by copying the file and starting the kiosk, or with `kiosk restore`
// while central is away: each time the kiosk learns (or, offline, assumes)
// that it is behind, says so, and numbers its next ratings above everything
// central holds. Central ends with all 50 ratings exactly once, no
// seq_reuse, chain_break, head_mismatch or fork, and no gap; the 10 ratings
// the backup lacks are "held at central".
func TestRestoredKioskLosesNothing(t *testing.T) {
	for _, how := range []string{"command", "start", "offline"} {
		t.Run(how, func(t *testing.T) {
			centralBackends(t, func(t *testing.T, store survey.CentralStore) {
				testRestoredKiosk(t, store, how)
			})
		})
	}
}

func testRestoredKiosk(t *testing.T, store survey.CentralStore, how string) {
	url, kioskID, secret, stopCentral, startCentral := mustStartCentralOn(t, store)
	cfg := MustConfig(t)
	cfg.Sync.Heartbeat = 0
	t.Setenv("TEST_KIOSK_SECRET", secret)
	path := MustConfigFile(t, cfg, fmt.Sprintf("[central]\nurl = %q\nkiosk_id = %q\nsecret = \"${TEST_KIOSK_SECRET}\"\n[sync]\ntimeout = \"3s\"\nheartbeat = \"0s\"\n", url, kioskID))
	ctx := context.Background()
	mustRate(t, cfg.Database, 20)
	mustKiosk(t, "-config", path, "sync")
	backup := filepath.Join(t.TempDir(), "kiosk-2026-11-26.db")
	mustKiosk(t, "-config", path, "backup", backup)
	mustRate(t, cfg.Database, 10)
	mustKiosk(t, "-config", path, "sync") // central holds 1–30

	switch how {
	case "command":
		out := mustKiosk(t, "-config", path, "restore", backup)
		for _, want := range []string{"moved to", "central holds or heard of entries up to 30", "10 ratings after it are held at central", "numbered after 31"} {
			if !strings.Contains(out, want) {
				t.Errorf("kiosk restore said %q, want %q", out, want)
			}
		}
	case "start":
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(cfg.Database + suffix)
		}
		if err := copyFile(backup, cfg.Database); err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		c, err := loadConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		m := &Main{Config: c, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(&log, nil)), BcryptCost: 4}
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"this database was restored from a backup", "held_at_central=10", "continues_after=31", "central_seq=30"} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("the start's log does not say %q:\n%s", want, log.String())
			}
		}
	case "offline":
		stopCentral()
		out := mustKiosk(t, "-config", path, "restore", backup)
		if want := fmt.Sprintf("numbered after %d", 20+survey.RestoreJump); !strings.Contains(out, "could not be reached") || !strings.Contains(out, want) {
			t.Errorf("kiosk restore without central said %q, want it to say so and %q", out, want)
		}
		startCentral()
	}

	db, err := sqlite.OpenKiosk(ctx, cfg.Database, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, ok, err := db.Restore(ctx)
	db.Close()
	if err != nil || !ok || st.FileSeq != 20 || (how != "offline" && (st.HeldAtCentral != 10 || st.NextSeq != 31)) {
		t.Errorf("restore status = %+v (%v, %v), want the file at 20, 10 held at central, numbering after 31", st, ok, err)
	}
	mustRate(t, cfg.Database, 20) // the honest day after the restore
	if out := mustKiosk(t, "-config", path, "sync"); !strings.Contains(out, "20 sent, 20 stored") {
		t.Errorf("sync after the restore: %q", out)
	}

	if n, err := store.CountResponses(ctx, kioskID); err != nil || n != 50 {
		t.Errorf("central holds %d ratings (%v), want 50", n, err)
	}
	fs, err := store.FindFindings(ctx, survey.FindingFilter{KioskID: kioskID})
	if err != nil || len(fs) != 0 {
		t.Errorf("findings %+v (%v), want none", fs, err)
	}
	if gaps, err := store.FindGaps(ctx, kioskID); err != nil || len(gaps) != 0 {
		t.Errorf("gaps %+v (%v), want none", gaps, err)
	}
}
