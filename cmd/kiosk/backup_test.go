package main

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/store/sqlite"
)

// MustCopyFile copies src to dst.
func MustCopyFile(tb testing.TB, src, dst string) {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// MustRestore restores backup over the database at db as docs/operations.md
// says, the kiosk stopped: the database and its -wal and -shm files are
// moved aside (a stale -wal must never meet the restored file), then the
// backup is copied into place.
func MustRestore(tb testing.TB, backup, db string) {
	tb.Helper()
	aside := tb.TempDir()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		err := os.Rename(db+suffix, filepath.Join(aside, filepath.Base(db)+suffix))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			tb.Fatal(err)
		}
	}
	MustCopyFile(tb, backup, db)
}

// `kiosk backup FILE` while clients submit as fast as the kiosk answers:
// the copy is one consistent snapshot (sequence numbers 1..n, the hash
// chain and head intact, integrity ok), holds every rating answered before
// the backup started, refuses to overwrite; restored as the runbook says,
// the kiosk starts on it, knows those ratings (a resend is a replay, 200,
// same id) and carries on numbering after them.
func TestBackupWhileServingAndRestore(t *testing.T) {
	bin := proctest.Kiosk(t)
	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	db := filepath.Join(dataDir(t), "kiosk.db")
	cfg := MustKioskConfigFile(t, addr, db, "")
	MustImportRoster(t, bin, cfg)
	p := proctest.Start(t, base, bin, "-config", cfg)
	l := newLedger()
	stop := make(chan struct{})
	wait := driveLoad(t, base, 3, "b", l, stop)
	waitFor(t, 30*time.Second, "ratings to flow", func() bool { return l.created.Load() > 200 })
	l.mu.Lock()
	before := map[string]answer{}
	for k, a := range l.stored {
		before[k] = a
	}
	l.mu.Unlock()
	backup := filepath.Join(t.TempDir(), "kiosk-2026-11-26.db")
	out := proctest.MustRun(t, bin, "-config", cfg, "backup", backup)
	if !strings.Contains(out, "checked") {
		t.Errorf("backup output %q", out)
	}
	after := l.created.Load()
	waitFor(t, 30*time.Second, "ratings after the backup", func() bool { return l.created.Load() > after+50 })
	close(stop)
	wait()
	if out, code := proctest.Run(t, bin, "-config", cfg, "backup", backup); code != 2 || !strings.Contains(out, "already exists") {
		t.Errorf("a backup over an existing file: exit %d, %q; want 2 and a refusal", code, out)
	}
	if out := proctest.MustRun(t, bin, "-config", cfg, "check", backup); !strings.Contains(out, "integrity ok") {
		t.Errorf("check of the backup: %q", out)
	}
	p.Stop(t)

	copyDB, err := sqlite.OpenKiosk(context.Background(), backup, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := copyDB.CountResponses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	MustVerifyChain(t, copyDB, n)
	copyDB.Close()
	os.Remove(backup + "-wal")
	os.Remove(backup + "-shm")
	if n < int64(len(before)) || n >= int64(len(l.stored)) {
		t.Errorf("the backup holds %d ratings: %d were answered before it started, %d in all", n, len(before), len(l.stored))
	}
	t.Logf("backup taken under load: %d ratings (%d answered before it started, %d by the end)", n, len(before), len(l.stored))

	MustRestore(t, backup, db)
	p = proctest.Start(t, base, bin, "-config", cfg)
	client := &http.Client{Timeout: 30 * time.Second}
	for key, a := range before {
		got := submit(client, base, l.ratings[key])
		if got.Status != http.StatusOK || got.ID != a.ID || got.Seq != a.Seq {
			t.Fatalf("%s after the restore: %d %s/%d, want a replay (200) of %s/%d", key, got.Status, got.ID, got.Seq, a.ID, a.Seq)
		}
	}
	if a := submit(client, base, newRating("after-restore")); a.Status != http.StatusCreated || a.Seq != n+1 {
		t.Errorf("a new rating after the restore: %d seq %d, want 201 with seq %d", a.Status, a.Seq, n+1)
	}
	p.Stop(t)
	if out := proctest.MustRun(t, bin, "-config", cfg, "check"); !strings.Contains(out, "integrity ok") {
		t.Errorf("check after the restore: %q", out)
	}
}
