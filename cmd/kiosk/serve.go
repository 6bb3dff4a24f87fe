package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// Main is the running kiosk: its database, HTTP server and (when connected)
// sync schedule. Tests run it on :0 with a temporary database.
type Main struct {
	Config     kiosk.Config
	ConfigPath string
	Logger     *slog.Logger
	Stdout     io.Writer
	// BcryptCost lowers password hashing cost in tests.
	BcryptCost int

	DB        *sqlite.KioskDB
	Metrics   *web.KioskMetrics
	Server    *kiosk.Server
	Uploader  *upload.Uploader
	Scheduler *upload.Scheduler
	Listener  net.Listener
	Retention *retention
	PublicURL string
	SetupURL  string
	served    chan error
}

// openDB opens the kiosk's database. With a key, every commit signs the
// chain head, and the writer verifies the stored head before it extends the
// chain: one it cannot verify gets a signed break segment, logged on log.
func openDB(ctx context.Context, cfg kiosk.Config, key ed25519.PrivateKey, log *slog.Logger) (*sqlite.KioskDB, error) {
	o := sqlite.KioskOptions{CommentLimit: cfg.CommentLimit}
	if key != nil {
		ck := wire.ChainKey{Key: key}
		o.SignHead, o.VerifyHead, o.SignSegment = ck.SignHead, ck.VerifyHead, ck.SignSegment
		o.OnSegment = func(s survey.Segment) { logSegment(log, s) }
	}
	db, err := sqlite.OpenKiosk(ctx, cfg.Database, o)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.Database, err)
	}
	return db, nil
}

// logSegment says, once, that the chain went on in a new segment.
func logSegment(log *slog.Logger, s survey.Segment) {
	if log == nil {
		return
	}
	log = log.With("component", "main")
	switch s.Kind {
	case survey.SegmentBreak:
		log.Error("the database's chain does not verify, so the kiosk did not sign over it: it wrote a signed break and goes on taking ratings; central reports a chain_break (was the database file edited?)",
			"reason", s.Reason, "vouched_up_to", s.PrevSeq, "found", s.FoundSeq, "segment", s.Seq)
	default:
		log.Warn("the database went back (restored from a backup): numbering continues above everything this file or central knew of",
			"reason", s.Reason, "file_seq", s.PrevSeq, "central_seq", s.CentralSeq, "segment", s.Seq)
	}
}

// checkFileAtStart runs SQLite's quick_check on an existing database file
// before anything opens it: a damaged file stops the start with the
// command that restores the last backup.
func checkFileAtStart(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return nil // a new kiosk: the file is created
	}
	res, err := sqlite.QuickCheckFile(ctx, path)
	if err != nil {
		return fmt.Errorf("check database %s: %w", path, err)
	}
	if res != "ok" {
		return damagedError(path, res)
	}
	return nil
}

// damagedError names the restore command.
func damagedError(path, verdict string) error {
	return fmt.Errorf("the database file %s is damaged (SQLite quick_check: %s): stop the kiosk and restore the latest backup with `kiosk restore BACKUP-FILE` (docs/operations.md, backup and restore)",
		path, verdict)
}

// ShutdownTimeout bounds how long Close waits for requests in flight; the
// database closes after them. Service managers must allow more (the
// systemd units in deploy/ allow 30 s).
const ShutdownTimeout = 10 * time.Second

// Run opens the database, starts serving and returns once requests are answered.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = cli.NewLogger(m.Stdout, m.Config.Log.Format, m.Config.Log.Level)
	}
	// Every line names the kiosk; each component adds its own name. The
	// uploader adds kiosk_id itself, so it gets the logger without it.
	base := m.Logger
	m.Logger = base.With("kiosk_id", m.Config.Central.KioskID)
	key, err := kioskKey(m.Config)
	if err != nil {
		return err
	}
	if err := checkFileAtStart(ctx, m.Config.Database); err != nil {
		return err
	}
	if m.DB, err = openDB(ctx, m.Config, key, m.Logger); err != nil {
		return err
	}
	if _, err := m.DB.CheckIntegrity(ctx); err != nil {
		return err
	}
	m.Metrics = web.NewKioskMetrics(m.Config.MetricsToken, m.DB, m.DB.Now)
	var syncer kiosk.Syncer
	if key != nil {
		if m.Uploader, err = newUploader(m.Config, m.DB, key, base, m.Metrics); err != nil {
			return err
		}
		m.Scheduler, err = upload.NewScheduler(m.Uploader, m.Config.Sync.Schedule, web.Jakarta, m.Config.Sync.Jitter.D(), m.Config.Sync.Window.D(), m.Logger)
		if err != nil {
			return cli.Usagef("%v", err)
		}
		m.Scheduler.Heartbeat = m.Config.Sync.Heartbeat.D()
		syncer = m.Scheduler
		if err := rebaseRestored(ctx, m.DB, m.Uploader, m.Logger.With("component", "main")); err != nil {
			return err
		}
	}
	if m.Listener, err = net.Listen("tcp", m.Config.Listen); err != nil {
		return cli.Usagef("listen: cannot listen on %s: %v (is another program using the port? set listen in the configuration)", m.Config.Listen, err)
	}
	m.PublicURL = m.Config.PublicURL
	if m.PublicURL == "" {
		m.PublicURL = derivePublicURL(m.Config.Listen, m.Listener.Addr())
	}
	m.Server, err = kiosk.NewServer(ctx, m.Config, m.DB, m.PublicURL, kiosk.Options{Logger: m.Logger, BcryptCost: m.BcryptCost, Syncer: syncer, Metrics: m.Metrics})
	if err != nil {
		return err
	}
	if m.SetupURL, err = m.Server.PrepareSetup(ctx); err != nil {
		return err
	}
	if m.Retention, err = startRetention(ctx, m.Server.Retention(m.Logger), m.Config.Privacy.PurgeSchedule, m.Logger.With("component", "retention"),
		dailyCheck(m.DB, m.Config.Database, m.Logger.With("component", "main"))); err != nil {
		return err
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.Server.Serve(m.Listener) }()
	log := m.Logger.With("component", "main")
	if m.Scheduler != nil {
		m.Scheduler.Start()
		log.Info("sync scheduled", "central", m.Config.Central.URL, "schedule", m.Config.Sync.Schedule, "zone", "Asia/Jakarta")
	}
	log.Info("kiosk serving", "url", m.PublicURL, "database", m.Config.Database)
	return nil
}

// Close shuts down in order, each step bounded: the sync schedule (a batch
// in flight is abandoned: what central did not confirm stays pending and is
// sent again, harmlessly, next time), the retention job, the HTTP server
// (requests in flight finish, for at most ShutdownTimeout) and last the
// database, whose writer first commits every rating already queued.
func (m *Main) Close() error {
	var errs []error
	if m.Scheduler != nil {
		m.Scheduler.Stop()
	}
	if m.Retention != nil {
		m.Retention.Stop()
	}
	if m.Server != nil && m.served != nil {
		if err := m.Server.Shutdown(ShutdownTimeout); err != nil {
			errs = append(errs, fmt.Errorf("stop serving: %w", err))
		}
		if err := <-m.served; err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	} else if m.Listener != nil {
		m.Listener.Close()
	}
	if m.DB != nil {
		if err := m.DB.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

func serve(ctx context.Context, cfg kiosk.Config, configPath string, stdout io.Writer) error {
	m := &Main{Config: cfg, ConfigPath: configPath, Stdout: stdout}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "\nKiosk siap / Kiosk ready:  %s\n", m.PublicURL)
	fmt.Fprintf(stdout, "Mode tablet / Tablet mode: %s/kiosk (daftarkan dulu tabletnya / enroll the tablet first: %s/admin/tablets)\n", m.PublicURL, m.PublicURL)
	if m.SetupURL != "" {
		fmt.Fprintf(stdout, "\nPenyiapan pertama / First-time set-up (one-time link, creates the admin account):\n  %s\n\n", m.SetupURL)
	}
	log := m.Logger.With("component", "main")
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight, then closing the database", "timeout", ShutdownTimeout)
	case err := <-m.served:
		m.served <- err // for Close
		if err != nil {
			m.Close()
			return fmt.Errorf("server stopped: %w", err)
		}
	}
	if err := m.Close(); err != nil {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}

// derivePublicURL builds the address citizens' phones can reach: the
// configured host, or this machine's first non-loopback IPv4 address when
// listening on every interface, with the port actually bound.
func derivePublicURL(listen string, addr net.Addr) string {
	host, _, _ := net.SplitHostPort(listen)
	port := ""
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(ta.Port)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
		if ip := lanAddress(); ip != "" {
			host = ip
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil && !ipn.IP.IsLinkLocalUnicast() {
			return ipn.IP.String()
		}
	}
	return ""
}
