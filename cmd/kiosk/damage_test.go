package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/store/sqlite/sqlitetest"
	"github.com/skmkiosk/skm/survey"
)

// mustHealth reads /healthz.
func mustHealth(tb testing.TB, base string) (int, health) {
	tb.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var h health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, h
}

// health is the part of /healthz these tests read.
type health struct {
	Status, Database string
	Clock            survey.ClockStatus
}

// A database file damaged on disk: found by the daily quick_check while
// the kiosk runs (/healthz answers 503 with the reason and the restore
// command), and at the next start, which stops with that command named.
func TestDamagedDatabaseIsReported(t *testing.T) {
	cfg := MustConfig(t)
	mustRate(t, cfg.Database, 300)
	m, closeMain := MustRunMain(t, cfg)
	if code, h := mustHealth(t, m.PublicURL); code != http.StatusOK {
		t.Fatalf("/healthz on a sound file: %d %+v", code, h)
	}
	sqlitetest.CorruptPages(t, cfg.Database)
	dailyCheck(m.DB, cfg.Database, slog.New(slog.NewTextHandler(io.Discard, nil)))(context.Background())
	code, h := mustHealth(t, m.PublicURL)
	if code != http.StatusServiceUnavailable || h.Status != "unavailable" || !strings.Contains(h.Database, "damaged") ||
		!strings.Contains(h.Database, "kiosk restore") {
		t.Errorf("/healthz after the daily check found damage: %d %+v, want 503 naming kiosk restore", code, h)
	}
	if err := closeMain(); err != nil {
		t.Logf("close: %v", err) // the damaged file may refuse the last checkpoint
	}

	err := (&Main{Config: cfg, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "kiosk restore BACKUP-FILE") {
		t.Errorf("start on a damaged file: %v, want an error naming kiosk restore", err)
	}
	path := MustConfigFile(t, cfg, "")
	err = run(context.Background(), []string{"-config", path, "check"}, io.Discard, io.Discard)
	if cli.ExitCode(err) != 1 || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("kiosk check of the damaged file: %v", err)
	}
	// A backup copied aside before the damage restores it.
	out := mustKiosk(t, "-config", path, "restore", mustSoundBackup(t))
	if !strings.Contains(out, "restored") {
		t.Errorf("kiosk restore: %q", out)
	}
	if m, closeMain := MustRunMain(t, cfg); m != nil {
		if code, h := mustHealth(t, m.PublicURL); code != http.StatusOK {
			t.Errorf("/healthz after the restore: %d %+v", code, h)
		}
		closeMain()
	}
}

// mustSoundBackup writes a sound kiosk database with ratings to a new file.
func mustSoundBackup(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "kiosk.db")
	mustRate(tb, path, 5)
	out := filepath.Join(tb.TempDir(), "backup.db")
	db, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Backup(context.Background(), out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// A kiosk whose clock is two hours behind central's says so at start (the
// heartbeat's first report, in the log) and in /healthz, with the skew;
// `kiosk sync` uploads everything and still fails naming the clock.
func TestWrongClockIsSaidAtStartAndInHealthz(t *testing.T) {
	store, err := sqlite.OpenCentral(context.Background(), filepath.Join(t.TempDir(), "central.db"), sqlite.CentralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ahead := func() time.Time { return time.Now().Add(2 * time.Hour) }
	url, kioskID, secret, _, _ := mustStartCentralOn(t, store, func(o *central.Options) { o.Now = ahead })
	t.Setenv("TEST_KIOSK_SECRET", secret)
	cfg := MustConfig(t)
	path := MustConfigFile(t, cfg, fmt.Sprintf("[central]\nurl = %q\nkiosk_id = %q\nsecret = \"${TEST_KIOSK_SECRET}\"\n[sync]\ntimeout = \"5s\"\n", url, kioskID))
	c, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	var log proctest.Buffer
	m := &Main{Config: c, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(&log, nil)), BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	deadline := time.Now().Add(20 * time.Second)
	var h health
	for {
		_, h = mustHealth(t, m.PublicURL)
		if h.Clock.Status == survey.ClockOff || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling an observable condition with a deadline
	}
	if h.Clock.Status != survey.ClockOff || h.Clock.SkewSeconds > -7100 || h.Clock.SkewSeconds < -7300 || h.Clock.LimitSeconds != 600 {
		t.Errorf("/healthz clock = %+v, want off by about -2h (limit 10m)", h.Clock)
	}
	if !strings.Contains(log.String(), "this computer's clock differs from central's") {
		t.Errorf("the start's log does not warn about the clock:\n%s", log.String())
	}
	mustRate(t, cfg.Database, 3)
	var out bytes.Buffer
	err = run(context.Background(), []string{"-config", path, "sync"}, &out, io.Discard)
	if err == nil || cli.ExitCode(err) != 1 || !strings.Contains(err.Error(), "clock is -2h0m0s off central's") ||
		!strings.Contains(out.String(), "3 sent, 3 stored") {
		t.Errorf("kiosk sync with a clock 2h behind: %v (%q), want everything sent and an error naming the clock", err, out.String())
	}
}
