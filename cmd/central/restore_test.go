package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/sync/upload"
)

var fastRetry = upload.Backoff{Base: 5 * time.Millisecond, Max: 50 * time.Millisecond}

// centralBackup is the runbook's backup and restore for one backend.
type centralBackup struct {
	backup  func(t *testing.T) // while central serves
	restore func(t *testing.T) // central stopped
}

// sqliteBackup: `central backup FILE`; restore moves the database and its
// -wal and -shm aside and puts the copy in place (docs/operations.md).
func sqliteBackup(bin, cfg, db string) centralBackup {
	file := filepath.Join(filepath.Dir(db), "backups", "central-2026-11-26.db")
	return centralBackup{
		backup: func(t *testing.T) {
			if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
				t.Fatal(err)
			}
			proctest.MustRun(t, bin, "-config", cfg, "backup", file)
		},
		restore: func(t *testing.T) {
			aside := filepath.Join(filepath.Dir(db), "damaged")
			if err := os.MkdirAll(aside, 0o750); err != nil {
				t.Fatal(err)
			}
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Rename(db+suffix, filepath.Join(aside, filepath.Base(db)+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(db, b, 0o640); err != nil {
				t.Fatal(err)
			}
			if out := proctest.MustRun(t, bin, "-config", cfg, "check"); !strings.Contains(out, "integrity ok") {
				t.Fatalf("check after the restore: %q", out)
			}
		},
	}
}

// postgresBackup: pg_dump while central serves; pg_restore over the old
// database with --clean --if-exists, central stopped (docs/operations.md).
func postgresBackup(t *testing.T, dsn string) centralBackup {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed: CI must run the PostgreSQL restore", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	base, schema, _ := strings.Cut(dsn, "search_path=")
	base = strings.TrimRight(base, "?&")
	dump := filepath.Join(t.TempDir(), "central.dump")
	return centralBackup{
		backup: func(t *testing.T) {
			if b, err := exec.Command("pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, base).CombinedOutput(); err != nil {
				t.Fatalf("pg_dump: %v: %s", err, b)
			}
		},
		restore: func(t *testing.T) {
			if b, err := exec.Command("pg_restore", "--no-owner", "--clean", "--if-exists", "--dbname="+base, dump).CombinedOutput(); err != nil {
				t.Fatalf("pg_restore: %v: %s", err, b)
			}
		},
	}
}

var reRegister = regexp.MustCompile(`central kiosk add --office "OFFICE NAME" --id (\S+) --public-key (\S+)(?: --registered (\S+))?`)

// Central restored from a backup older than some of its kiosks' data, as
// the runbook says, on SQLite and PostgreSQL: kiosk A had uploaded before
// the backup and after it; kiosk C was registered before the backup but
// uploaded only after it (central lost all of it: received_seq 0); kiosk B
// was registered after the backup (central lost the kiosk itself). After
// the restore, A and C resend what central lacks at their next sync; B is
// refused until `kiosk key show` on it and `central kiosk add --office NAME
// --id ID --public-key KEY` register it again, then resends everything. No
// data surgery: central ends with every rating exactly once and no finding.
func TestRestoredCentralLosesNothing(t *testing.T) {
	backends(t, func(t *testing.T, database string) {
		bin := proctest.Central(t)
		kioskBin := proctest.Kiosk(t)
		addr := proctest.FreeAddr(t)
		base := "http://" + addr
		cfg := MustCentralConfigFile(t, addr, database)
		var bk centralBackup
		if strings.HasPrefix(database, "postgres") {
			bk = postgresBackup(t, database)
		} else {
			bk = sqliteBackup(bin, cfg, database)
		}
		ids := MustSetUpOffice(t, bin, cfg, 2)
		a := MustNewKiosk(t, base, ids[0][0], ids[0][1])
		c := MustNewKiosk(t, base, ids[1][0], ids[1][1])
		ctx := context.Background()
		p := proctest.Start(t, base, bin, "-config", cfg)
		a.MustRate(t, 30)
		if _, err := a.Up.Run(ctx, fastRetry); err != nil {
			t.Fatal(err)
		}
		bk.backup(t)

		// After the backup.
		a.MustRate(t, 20)
		c.MustRate(t, 10)
		var bID struct{ KioskID, Secret string }
		out := proctest.MustRun(t, bin, "-config", cfg, "kiosk", "add", "--office", officeName, "--json")
		if _, err := fmt.Sscanf(strings.NewReplacer(`{"kiosk_id":"`, "", `","secret":"`, " ", `"}`, "").Replace(strings.TrimSpace(out)), "%s %s", &bID.KioskID, &bID.Secret); err != nil {
			t.Fatalf("kiosk add --json: %q: %v", out, err)
		}
		b := MustNewKiosk(t, base, bID.KioskID, bID.Secret)
		b.MustRate(t, 15)
		for _, k := range []*testKiosk{a, b, c} {
			if _, err := k.Up.Run(ctx, fastRetry); err != nil {
				t.Fatal(err)
			}
		}
		p.Stop(t)

		bk.restore(t)
		p = proctest.Start(t, base, bin, "-config", cfg)
		if res, err := a.Up.Run(ctx, fastRetry); err != nil || res.Resent != 20 || res.Stored != 20 {
			t.Errorf("kiosk A after the restore: %+v, %v: want the 20 ratings central lost sent again", res, err)
		}
		if res, err := c.Up.Run(ctx, fastRetry); err != nil || res.Resent != 10 || res.Stored != 10 {
			t.Errorf("kiosk C (central lost all of it): %+v, %v: want its 10 ratings sent again", res, err)
		}
		_, err := b.Up.Run(ctx, fastRetry)
		if !upload.IsPermanent(err) || !strings.Contains(err.Error(), "unknown kiosk") {
			t.Fatalf("kiosk B, unknown to the restored central: %v, want refused as unknown", err)
		}

		// On kiosk B: its public key; on central: register it again.
		kcfg := filepath.Join(t.TempDir(), "kiosk.toml")
		if err := os.WriteFile(kcfg, []byte(fmt.Sprintf("database = %q\n[central]\nurl = %q\nkiosk_id = %q\nsecret = %q\n",
			b.path, base, b.ID, bID.Secret)), 0o600); err != nil {
			t.Fatal(err)
		}
		m := reRegister.FindStringSubmatch(proctest.MustRun(t, kioskBin, "-config", kcfg, "key", "show"))
		if m == nil || m[1] != b.ID {
			t.Fatalf("kiosk key show does not print the command to register it again")
		}
		args := []string{"-config", cfg, "kiosk", "add", "--office", officeName, "--id", m[1], "--public-key", m[2]}
		if m[3] != "" {
			args = append(args, "--registered", m[3])
		}
		if out := proctest.MustRun(t, bin, args...); !strings.Contains(out, "registered again") {
			t.Errorf("kiosk add --id: %q", out)
		}
		if out, code := proctest.Run(t, bin, args...); code != 2 || !strings.Contains(out, "already exists") {
			t.Errorf("registering it twice: exit %d %q", code, out)
		}
		if res, err := b.Up.Run(ctx, fastRetry); err != nil || res.Resent != 15 || res.Stored != 15 {
			t.Errorf("kiosk B registered again: %+v, %v: want its 15 ratings sent again", res, err)
		}
		// A second sync of each sends nothing again.
		for _, k := range []*testKiosk{a, b, c} {
			if res, err := k.Up.SyncOnce(ctx); err != nil || res.Sent != 0 || res.Resent != 0 {
				t.Errorf("kiosk %s, next sync: %+v, %v", k.ID, res, err)
			}
		}
		p.Stop(t)
		MustVerifyExactlyOnce(t, database, []*testKiosk{a, b, c})
	})
}
