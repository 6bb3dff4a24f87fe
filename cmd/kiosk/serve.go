package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
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
	Server    *kiosk.Server
	Uploader  *upload.Uploader
	Scheduler *upload.Scheduler
	Listener  net.Listener
	Retention *retention
	PublicURL string
	SetupURL  string
	served    chan error
}

// openDB opens the kiosk's database; with a key, every commit signs the chain head.
func openDB(ctx context.Context, cfg kiosk.Config, key ed25519.PrivateKey) (*sqlite.KioskDB, error) {
	o := sqlite.KioskOptions{CommentLimit: cfg.CommentLimit}
	if key != nil {
		o.SignHead = func(seq int64, hash string) string { return wire.SignHead(key, seq, hash) }
	}
	db, err := sqlite.OpenKiosk(ctx, cfg.Database, o)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.Database, err)
	}
	return db, nil
}

// Run opens the database, starts serving and returns once requests are answered.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = cli.NewLogger(m.Stdout, m.Config.Log.Format, m.Config.Log.Level)
	}
	key, err := kioskKey(m.Config)
	if err != nil {
		return err
	}
	if m.DB, err = openDB(ctx, m.Config, key); err != nil {
		return err
	}
	var syncer kiosk.Syncer
	if key != nil {
		if m.Uploader, err = newUploader(m.Config, m.DB, key, m.Logger); err != nil {
			return err
		}
		m.Scheduler, err = upload.NewScheduler(m.Uploader, m.Config.Sync.Schedule, web.Jakarta, m.Config.Sync.Jitter.D(), m.Config.Sync.Window.D(), m.Logger)
		if err != nil {
			return cli.Usagef("%v", err)
		}
		syncer = m.Scheduler
	}
	if m.Listener, err = net.Listen("tcp", m.Config.Listen); err != nil {
		return cli.Usagef("listen: cannot listen on %s: %v (is another program using the port? set listen in the configuration)", m.Config.Listen, err)
	}
	m.PublicURL = m.Config.PublicURL
	if m.PublicURL == "" {
		m.PublicURL = derivePublicURL(m.Config.Listen, m.Listener.Addr())
	}
	m.Server, err = kiosk.NewServer(ctx, m.Config, m.DB, m.PublicURL, kiosk.Options{Logger: m.Logger, BcryptCost: m.BcryptCost, Syncer: syncer})
	if err != nil {
		return err
	}
	if m.SetupURL, err = m.Server.PrepareSetup(ctx); err != nil {
		return err
	}
	if m.Retention, err = startRetention(ctx, m.Server.Retention(m.Logger), m.Config.Privacy.PurgeSchedule, m.Logger); err != nil {
		return err
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.Server.Serve(m.Listener) }()
	if m.Scheduler != nil {
		m.Scheduler.Start()
		m.Logger.Info("sync scheduled", "central", m.Config.Central.URL, "schedule", m.Config.Sync.Schedule, "zone", "Asia/Jakarta")
	}
	m.Logger.Info("kiosk serving", "url", m.PublicURL, "database", m.Config.Database)
	return nil
}

// Close stops the server (letting requests in flight finish) and closes the database.
func (m *Main) Close() error {
	var errs []error
	if m.Scheduler != nil {
		m.Scheduler.Stop() // a batch in flight is abandoned; its responses stay pending
	}
	if m.Retention != nil {
		m.Retention.Stop()
	}
	if m.Server != nil && m.served != nil {
		errs = append(errs, m.Server.Shutdown(10*time.Second))
		if err := <-m.served; err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	} else if m.Listener != nil {
		m.Listener.Close()
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
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
	fmt.Fprintf(stdout, "Mode tablet / Tablet mode: %s/kiosk\n", m.PublicURL)
	if m.SetupURL != "" {
		fmt.Fprintf(stdout, "\nPenyiapan pertama / First-time set-up (one-time link, creates the admin account):\n  %s\n\n", m.SetupURL)
	}
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down")
	case err := <-m.served:
		m.served <- err // for Close
		if err != nil {
			m.Close()
			return fmt.Errorf("server stopped: %w", err)
		}
	}
	return m.Close()
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
