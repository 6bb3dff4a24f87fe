package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/web"
)

// `central backup FILE` on SQLite while a kiosk uploads: the copy is
// checked and holds what central had stored; restored as the runbook says
// (the database and its -wal and -shm moved aside, the copy put in place),
// central starts on it, and what it had received after the backup comes
// back by itself with the kiosk's next sync (central's config names the
// highest seq it holds, the kiosk resends what it had marked synced above
// it); the kiosk's offline file (kiosk export, central import) then adds
// nothing — every response stored exactly once, with no finding left.
func TestCentralBackupAndRestoreSQLite(t *testing.T) {
	bin := proctest.Central(t)
	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	db := filepath.Join(t.TempDir(), "data", "central.db")
	cfg := MustCentralConfigFile(t, addr, db)
	ids := MustSetUpOffice(t, bin, cfg, 1)
	k := MustNewKiosk(t, base, ids[0][0], ids[0][1])
	k.MustRate(t, 1500)
	p := proctest.Start(t, base, bin, "-config", cfg)
	ctx := context.Background()
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() {
		_, runErr = k.Up.Run(ctx, upload.Backoff{Base: 5 * time.Millisecond, Max: 50 * time.Millisecond})
	})
	waitForCondition(t, 60*time.Second, "batches stored", func() bool { return k.pending(t) < 1200 })
	backup := filepath.Join(t.TempDir(), "central-2026-11-26.db")
	if out := proctest.MustRun(t, bin, "-config", cfg, "backup", backup); !strings.Contains(out, "checked") {
		t.Errorf("backup output %q", out)
	}
	wg.Wait()
	if runErr != nil {
		t.Fatal(runErr)
	}
	if out, code := proctest.Run(t, bin, "-config", cfg, "backup", backup); code != 2 || !strings.Contains(out, "already exists") {
		t.Errorf("a backup over an existing file: exit %d %q", code, out)
	}
	p.Stop(t)

	aside := t.TempDir()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(db+suffix, filepath.Join(aside, "central.db"+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := proctest.MustRun(t, bin, "-config", cfg, "check"); !strings.Contains(out, "integrity ok") {
		t.Errorf("check after the restore: %q", out)
	}
	p = proctest.Start(t, base, bin, "-config", cfg)
	res, err := k.Up.SyncOnce(ctx)
	if err != nil || res.Resent == 0 || res.Stored != res.Resent || res.Pending != 0 {
		t.Fatalf("the sync after the restore = %+v, %v: want what the restore lost sent again and stored", res, err)
	}
	t.Logf("after the restore the kiosk sent %d responses again", res.Resent)
	if res, err := k.Up.SyncOnce(ctx); err != nil || res.Resent != 0 || res.Sent != 0 {
		t.Errorf("a second sync = %+v, %v: want nothing sent again", res, err)
	}
	file := filepath.Join(t.TempDir(), "k.skm")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := upload.Export(ctx, k.DB, f, k.ID, k.Key, time.Now().Add(-24*time.Hour).In(web.Jakarta), 500, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out := proctest.MustRun(t, bin, "-config", cfg, "import", file); !strings.Contains(out, " 0 stored") {
		t.Errorf("importing the kiosk's file after the resend: %q, want 0 stored", out)
	}
	p.Stop(t)
	MustVerifyExactlyOnce(t, db, []*testKiosk{k})
}

// On PostgreSQL `central backup` refuses (exit 2) and names pg_dump; the
// pg_dump and pg_restore commands of the runbook restore a working copy,
// and the kiosk's next sync brings back what central received after the dump.
func TestCentralBackupOnPostgres(t *testing.T) {
	dsn, schema := pgtest.MustCreateSchema(t)
	withSchema := dsn + map[bool]string{true: "&", false: "?"}[strings.Contains(dsn, "?")] + "search_path=" + schema
	bin := proctest.Central(t)
	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	cfg := MustCentralConfigFile(t, addr, withSchema)
	out, code := proctest.Run(t, bin, "-config", cfg, "backup", filepath.Join(t.TempDir(), "x.db"))
	if code != 2 || !strings.Contains(out, "pg_dump") || !strings.Contains(out, "pg_restore") {
		t.Errorf("central backup on PostgreSQL: exit %d %q, want 2 naming pg_dump and pg_restore", code, out)
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the refusal is checked, the round trip is not", tool)
		}
	}
	ids := MustSetUpOffice(t, bin, cfg, 1)
	k := MustNewKiosk(t, base, ids[0][0], ids[0][1])
	k.MustRate(t, 300)
	p := proctest.Start(t, base, bin, "-config", cfg)
	if _, err := k.Up.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(t.TempDir(), "central.dump")
	// While central serves: pg_dump reads one snapshot.
	if b, err := exec.Command("pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, dsn).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v: %s", err, b)
	}
	k.MustRate(t, 120) // received after the dump: the restore loses them
	if _, err := k.Up.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.Stop(t)

	restoreDSN := mustCreateDatabase(t, dsn)
	if b, err := exec.Command("pg_restore", "--no-owner", "--dbname="+restoreDSN, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v: %s", err, b)
	}
	restored := restoreDSN + map[bool]string{true: "&", false: "?"}[strings.Contains(restoreDSN, "?")] + "search_path=" + schema
	p = proctest.Start(t, base, bin, "-config", MustCentralConfigFile(t, addr, restored))
	if res, err := k.Up.Run(context.Background(), upload.Backoff{Base: 5 * time.Millisecond, Max: 50 * time.Millisecond}); err != nil || res.Resent != 120 || res.Stored != 120 {
		t.Errorf("the sync after the restore = %+v, %v: want the 120 responses received after the dump sent again", res, err)
	}
	p.Stop(t)
	MustVerifyExactlyOnce(t, restored, []*testKiosk{k})
}

// mustCreateDatabase creates an empty database on dsn's server, dropped when
// the test ends, and returns its DSN.
func mustCreateDatabase(tb testing.TB, dsn string) string {
	tb.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	name := "skm_restore_" + strings.ToLower(strings.ReplaceAll(tb.Name(), "/", "_"))
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
		conn.Close(ctx)
	})
	return strings.Replace(dsn, "/"+cfg.Database, "/"+name, 1)
}
