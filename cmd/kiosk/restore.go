package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// startCheckTimeout bounds how long a kiosk started from a restored backup
// waits for central before it numbers its ratings without it.
const startCheckTimeout = 10 * time.Second

// rebaseRestored runs before the kiosk takes ratings. A file that is a
// backup opened as the live database asks central (for at most
// startCheckTimeout) what it holds and heard of, and numbers its next
// ratings just above it; when central cannot be reached, it jumps far
// above its own last entry (survey.RestoreJump). Either way no sequence
// number is used twice, and the log says what happened.
func rebaseRestored(ctx context.Context, db *sqlite.KioskDB, up *upload.Uploader, log *slog.Logger) error {
	taken, restored, err := db.RestoredFrom(ctx)
	if err != nil || !restored {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, startCheckTimeout)
	err = up.Exchange(cctx)
	cancel()
	if err != nil {
		log.Warn("restored from a backup, and central cannot be reached to say what it holds: numbering jumps far above this file's last entry so that no number is used twice",
			"backup_taken_at", taken, "err", err)
		if _, err := db.Rebase(ctx, 0, false, 0, "restored from a backup taken "+taken.UTC().Format(time.RFC3339)+"; central not reached"); err != nil {
			return err
		}
	}
	if st, ok, err := db.Restore(ctx); err != nil {
		return err
	} else if ok {
		log.Warn("this database was restored from a backup",
			"backup_taken_at", st.BackupTakenAt, "file_seq", st.FileSeq, "central_asked", st.CentralAsked,
			"central_seq", st.CentralSeq, "held_at_central", st.HeldAtCentral, "continues_after", max(st.NextSeq, st.FileSeq))
	}
	return nil
}

// dailyCheck runs SQLite's quick_check; a damaged file makes /healthz
// answer 503 with the reason, and is logged with the restore command.
func dailyCheck(db *sqlite.KioskDB, path string, log *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		res, err := db.CheckIntegrity(ctx)
		switch {
		case err != nil:
			log.Error("daily database check failed", "err", err)
		case res != "ok":
			log.Error("daily database check", "err", damagedError(path, res))
		default:
			log.Info("daily database check: ok")
		}
	}
}

// keyCommand runs `kiosk key show`: the kiosk's public key, which central
// needs to register the kiosk again after central was restored from a
// backup older than the kiosk.
func keyCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "show" {
		return cli.Usagef("usage: kiosk [-config FILE] key show")
	}
	key, err := kioskKey(cfg)
	if err != nil {
		return err
	}
	if key == nil {
		return cli.Usagef("this kiosk has no [central] section: it has no key (`central kiosk add` makes one)")
	}
	pub := wire.PublicKeyString(key.Public().(ed25519.PublicKey))
	registered := ""
	if db, err := openDB(ctx, cfg, nil, nil); err == nil {
		if v, ok, _ := db.Setting(ctx, "head_signing_started"); ok {
			if t, err := survey.ParseTime(v); err == nil {
				registered = t.Format(time.DateOnly)
			}
		}
		db.Close()
	}
	fmt.Fprintf(stdout, "kiosk_id   = %s\npublic_key = %s\n", cfg.Central.KioskID, pub)
	if registered != "" {
		fmt.Fprintf(stdout, "first connected: %s\n", registered)
	}
	fmt.Fprintf(stdout, "\nIf central lost this kiosk (restored from an older backup), register it again there with:\n  central kiosk add --office \"OFFICE NAME\" --id %s --public-key %s", cfg.Central.KioskID, pub)
	if registered != "" {
		fmt.Fprintf(stdout, " --registered %s", registered)
	}
	fmt.Fprintln(stdout)
	return nil
}

// restoreCommand runs `kiosk restore BACKUP-FILE` with the kiosk stopped:
// it checks the backup, moves the database and its -wal and -shm files
// aside (never deletes them), puts the backup in their place and, on a
// kiosk connected to central, asks central what it holds so that
// numbering continues above it.
func restoreCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return cli.Usagef("usage: kiosk [-config FILE] restore BACKUP-FILE (stop the kiosk first)")
	}
	backup := args[0]
	res, err := sqlite.IntegrityCheckFile(ctx, backup)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	if res != "ok" {
		return cli.Usagef("%s fails SQLite's integrity check (%s): choose an older backup", backup, res)
	}
	if addr := runningKiosk(cfg.Listen); addr != "" {
		return cli.Usagef("a kiosk answers on %s: stop it first (Linux: systemctl stop skm-kiosk; Windows: nssm stop SKMKiosk), then run restore again", addr)
	}
	aside, err := moveAside(cfg.Database)
	if err != nil {
		return err
	}
	if err := copyFile(backup, cfg.Database); err != nil {
		return fmt.Errorf("restore %s: %w (the replaced files are in %s)", backup, err, aside)
	}
	if err := sqlite.MarkRestored(ctx, cfg.Database, fileTime(backup)); err != nil {
		return err
	}
	if aside != "" {
		fmt.Fprintf(stdout, "the replaced database files were moved to %s\n", aside)
	}
	fmt.Fprintf(stdout, "restored %s as %s\n", backup, cfg.Database)
	if !cfg.Central.Enabled() {
		fmt.Fprintln(stdout, "this kiosk is standalone: start it again")
		return nil
	}
	db, key, err := openConnected(ctx, cfg, "")
	if err != nil {
		return err
	}
	defer db.Close()
	up, err := newUploader(cfg, db, key, cli.NewLogger(io.Discard, cfg.Log.Format, cfg.Log.Level), nil)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.Sync.Timeout.D())
	xerr := up.Exchange(cctx)
	cancel()
	if xerr != nil {
		if _, err := db.Rebase(ctx, 0, false, 0, "restored from a backup with `kiosk restore`; central not reached"); err != nil {
			return err
		}
	}
	st, _, err := db.Restore(ctx)
	if err != nil {
		return err
	}
	switch {
	case xerr != nil:
		fmt.Fprintf(stdout, "central could not be reached (%v): the next ratings are numbered after %d, far above this file's last entry %d, so that none reuses a number; central learns of the restore at the next sync\n",
			xerr, st.NextSeq, st.FileSeq)
	case st.NextSeq > 0:
		fmt.Fprintf(stdout, "central holds or heard of entries up to %d; this file ends at %d. %d ratings after it are held at central (not lost). The next ratings are numbered after %d\n",
			st.CentralSeq, st.FileSeq, st.HeldAtCentral, st.NextSeq)
	default:
		fmt.Fprintf(stdout, "central holds nothing newer than this file (last entry %d): the kiosk continues where the backup ends\n", st.FileSeq)
	}
	fmt.Fprintln(stdout, "start the kiosk again (systemctl start skm-kiosk), then run `kiosk sync`")
	return nil
}

// runningKiosk returns the address at which a kiosk answers /healthz on
// listen's port of this machine, or "".
func runningKiosk(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	addr := net.JoinHostPort(host, port)
	client := &http.Client{Timeout: time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		return ""
	}
	resp.Body.Close()
	return addr
}

// moveAside moves path and its -wal and -shm files into a new folder next
// to it and returns the folder ("" when there was nothing to move). A
// stale -wal beside a restored file would damage it.
func moveAside(path string) (string, error) {
	dir := filepath.Join(filepath.Dir(path), "replaced-"+time.Now().UTC().Format("20060102T150405Z"))
	moved := false
	for _, suffix := range []string{"", "-wal", "-shm"} {
		src := path + suffix
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if !moved {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return "", fmt.Errorf("restore: %w", err)
			}
			moved = true
		}
		if err := os.Rename(src, filepath.Join(dir, filepath.Base(src))); err != nil {
			return "", fmt.Errorf("restore: move %s aside: %w", src, err)
		}
	}
	if !moved {
		return "", nil
	}
	return dir, nil
}

// copyFile copies src to dst (a new file), flushed to disk.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// fileTime is a file's modification time (zero when unknown).
func fileTime(path string) time.Time {
	if fi, err := os.Stat(path); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}
