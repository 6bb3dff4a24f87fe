package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/sync/wire"
)

// SIGTERM (a service manager) and SIGINT (Ctrl-C) while clients submit as
// fast as they can: requests in flight finish, the process exits 0 within
// the bound and says so in its log, every rating answered 201 is in the
// file, and the unanswered ones, sent again after a restart, are stored once.
func TestSignalFinishesRequestsInFlight(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			bin := proctest.Kiosk(t)
			addr := proctest.FreeAddr(t)
			db := filepath.Join(dataDir(t), "kiosk.db")
			cfg := MustKioskConfigFile(t, addr, db, "")
			MustImportRoster(t, bin, cfg)
			base := "http://" + addr
			p := proctest.Start(t, base, bin, "-config", cfg)
			l := newLedger()
			stop := make(chan struct{})
			wait := driveLoad(t, base, 6, "s", l, stop)
			waitFor(t, 30*time.Second, "ratings to flow", func() bool { return l.created.Load() > 100 })
			p.Signal(t, sig)
			code := p.Wait(t, ShutdownTimeout+20*time.Second)
			close(stop)
			wait()
			if code != 0 {
				t.Errorf("exit code %d after %v, want 0\n%s", code, sig, proctest.Tail(p.Stderr.String()))
			}
			if !strings.Contains(p.Stdout.String(), "stopped cleanly") {
				t.Errorf("no \"stopped cleanly\" in the log:\n%s", proctest.Tail(p.Stdout.String()))
			}
			// Closed cleanly: the last connection checkpointed the WAL into the file and removed it.
			if _, err := os.Stat(db + "-wal"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s-wal is still there after the exit (%v): the database was not closed", db, err)
			}
			answered := l.created.Load()
			p = proctest.Start(t, base, bin, "-config", cfg)
			lost, replayed := retryOpen(t, base, l)
			p.Stop(t)
			t.Logf("%v: %d answered 201 before the exit; unanswered: %d stored on retry, %d already stored", sig, answered, lost, replayed)
			if replayed > 0 {
				t.Errorf("%d ratings were stored but their answer never reached the client: requests in flight were cut off", replayed)
			}
			MustVerifyKioskFile(t, db, l)
		})
	}
}

// Closing while a sync batch is in flight, the nightly run retrying within
// its window: Close returns promptly (the batch is abandoned, not awaited),
// the responses central did not confirm stay pending, and the next sync
// stores every response at central exactly once.
func TestCloseAbandonsARunningSyncSafely(t *testing.T) {
	centralURL, kioskID, secret, _ := MustStartCentral(t)
	target, _ := url.Parse(centralURL)
	// A proxy that passes everything but holds the second batch until its
	// request is cancelled: the run is in flight when the kiosk closes.
	var batches atomic.Int64
	held, release := make(chan struct{}, 1), make(chan struct{})
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == wire.PathBatches && batches.Add(1) == 2 {
			io.Copy(io.Discard, r.Body) // once the body is read, the server notices the client hang up
			held <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-release: // the test failed: let the proxy close
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	t.Cleanup(func() { close(release) }) // runs before proxy.Close

	cfg := MustConfig(t)
	mustRate(t, cfg.Database, 250)
	cfg.Central.URL, cfg.Central.KioskID, cfg.Central.Secret = proxy.URL, kioskID, secret
	cfg.Sync.Schedule, cfg.Sync.Jitter, cfg.Sync.BatchSize = "@every 1s", 0, 100 // a scheduled run starts within a second
	m := &Main{Config: cfg, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		m.Close()
		t.Fatal("no scheduled sync reached its second batch in 30 s")
	}
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(ShutdownTimeout + 20*time.Second):
		t.Fatal("Close waits for the sync run instead of abandoning its batch")
	}

	db, err := sqlite.OpenKiosk(context.Background(), cfg.Database, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountPending(context.Background()); n != 150 {
		t.Errorf("pending after the abandoned run = %d, want 150 (the first batch of 100 was confirmed)", n)
	}
	runs, err := db.SyncRuns(context.Background(), 5)
	if err != nil || len(runs) == 0 || runs[0].Result != "failed" {
		t.Errorf("the abandoned run is recorded as %+v (%v), want failed", runs, err)
	}
	db.Close()

	// The next sync, straight to central, completes the upload exactly once.
	path := MustConfigFile(t, cfg, fmt.Sprintf("[central]\nurl = %q\nkiosk_id = %q\nsecret = %q\n", centralURL, kioskID, secret))
	var out strings.Builder
	if err := run(context.Background(), []string{"-config", path, "sync"}, &out, io.Discard); err != nil {
		t.Fatalf("sync after the abandoned run: %v", err)
	}
	if !strings.Contains(out.String(), "150 sent") || !strings.Contains(out.String(), "0 still pending") {
		t.Errorf("sync summary %q", out.String())
	}
}
