package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// kioskKey parses the configured secret; nil when the kiosk is standalone.
func kioskKey(cfg kiosk.Config) (ed25519.PrivateKey, error) {
	if !cfg.Central.Enabled() {
		return nil, nil
	}
	key, err := wire.ParseSecret(cfg.Central.Secret)
	if err != nil {
		return nil, cli.Usagef("central.secret: %v", err)
	}
	if err := upload.CheckURL(cfg.Central.URL, cfg.Central.AllowInsecure); err != nil {
		return nil, cli.Usagef("%v", err)
	}
	return key, nil
}

// newUploader builds the uploader for a connected kiosk; metrics may be nil.
func newUploader(cfg kiosk.Config, db *sqlite.KioskDB, key ed25519.PrivateKey, log *slog.Logger, metrics upload.Metrics) (*upload.Uploader, error) {
	client, err := upload.NewHTTPClient(cfg.Central.CAFile)
	if err != nil {
		return nil, cli.Usagef("%v", err)
	}
	return upload.New(db, upload.Config{BaseURL: cfg.Central.URL, KioskID: cfg.Central.KioskID, Key: key,
		BatchSize: cfg.Sync.BatchSize, Retention: cfg.Sync.Retention.D(), HTTPClient: client, Logger: log, Metrics: metrics}), nil
}

// openConnected opens the database of a kiosk connected to central, with
// its key; without a [central] section it is the usage error unconnected.
func openConnected(ctx context.Context, cfg kiosk.Config, unconnected string) (*sqlite.KioskDB, ed25519.PrivateKey, error) {
	if !cfg.Central.Enabled() {
		return nil, nil, cli.Usagef("%s", unconnected)
	}
	key, err := kioskKey(cfg)
	if err != nil {
		return nil, nil, err
	}
	db, err := openDB(ctx, cfg, key, cli.NewLogger(os.Stderr, cfg.Log.Format, "warn"))
	return db, key, err
}

// syncCommand runs `kiosk sync`: one run now, retried with backoff for at
// most sync.timeout, with a progress bar and a one-line summary. It succeeds
// only when everything pending was confirmed.
func syncCommand(ctx context.Context, cfg kiosk.Config, stdout, stderr io.Writer) error {
	db, key, err := openConnected(ctx, cfg, "this kiosk has no [central] section: add url, kiosk_id and secret (from `central kiosk add`) to the configuration")
	if err != nil {
		return err
	}
	defer db.Close()
	log := cli.NewLogger(io.Discard, cfg.Log.Format, cfg.Log.Level)
	up, err := newUploader(cfg, db, key, log, nil)
	if err != nil {
		return err
	}
	pending, err := db.CountPending(ctx)
	if err != nil {
		return err
	}
	bar := progressbar.NewOptions64(max(pending, 1), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("sync"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	up.SetProgress(func(sent, total int64) {
		bar.ChangeMax64(max(total, 1))
		bar.Set64(sent)
	})
	runCtx, cancel := context.WithTimeout(ctx, cfg.Sync.Timeout.D())
	defer cancel()
	res, err := up.Run(runCtx, upload.DefaultBackoff)
	bar.Finish()
	if err != nil {
		clock := ""
		if cerr := up.ClockError(); cerr != nil {
			clock = "\n" + cerr.Error()
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(runCtx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("gave up after %s: %v\nCheck that this computer is online, that central.url (%s) is right and that central is running. Nothing was lost: %d responses stay pending and the nightly sync keeps trying%s",
				cfg.Sync.Timeout.D(), err, cfg.Central.URL, res.Pending, clock)
		}
		return fmt.Errorf("%v (%d responses stay pending; nothing was lost)%s", err, res.Pending, clock)
	}
	fmt.Fprintf(stdout, "sync ok: %d sent, %d stored, %d already at central, %d refused, %d still pending\n",
		res.Sent, res.Stored, res.Duplicates, res.Refused, res.Pending)
	if res.Resent > 0 {
		fmt.Fprintf(stdout, "central had lost %d responses it once confirmed (restored from a backup?); they were sent again\n", res.Resent)
	}
	if res.Refused > 0 || res.Pending > 0 {
		return fmt.Errorf("not everything was confirmed: %d refused, %d pending (see Sinkronisasi in the admin pages)", res.Refused, res.Pending)
	}
	// Everything arrived; a wrong clock is still an error a person must fix.
	return up.ClockError()
}

// exportCommand runs `kiosk export --since DATE FILE`.
func exportCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	since := fs.String("since", "", "first day to include, YYYY-MM-DD (Asia/Jakarta)")
	if err := fs.Parse(args); err != nil || *since == "" || fs.NArg() != 1 {
		return cli.Usagef("usage: kiosk [-config FILE] export --since YYYY-MM-DD FILE")
	}
	day, err := time.ParseInLocation("2006-01-02", *since, web.Jakarta)
	if err != nil {
		return cli.Usagef("--since %q must be a date such as 2026-11-01", *since)
	}
	db, key, err := openConnected(ctx, cfg, "export needs the [central] section (kiosk_id and secret sign the file)")
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.Create(fs.Arg(0))
	if err != nil {
		return cli.Usagef("%v", err)
	}
	n, err := upload.Export(ctx, db, f, cfg.Central.KioskID, key, day, cfg.Sync.BatchSize, time.Now())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d responses since %s, and the visit codes' tallies of those days, to %s; carry it to central and run `central import %s`\n",
		n, *since, fs.Arg(0), fs.Arg(0))
	return nil
}
