package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

var timeNow = time.Now

// Main is the running central service. Tests run it on :0 with a temporary database.
type Main struct {
	Config     central.Config
	Logger     *slog.Logger
	Stdout     io.Writer
	BcryptCost int

	Store    survey.CentralStore
	Metrics  *web.CentralMetrics
	Server   *central.Server
	Listener net.Listener
	URL      string
	SetupURL string
	served   chan error
}

// ShutdownTimeout bounds how long Close waits for requests in flight (an
// ingest finishes its transaction); the database closes after them.
const ShutdownTimeout = 10 * time.Second

// Run opens the database, starts serving and returns once requests are answered.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = cli.NewLogger(m.Stdout, m.Config.Log.Format, m.Config.Log.Level)
	}
	var err error
	if m.Store, err = openStore(ctx, m.Config); err != nil {
		return err
	}
	m.Metrics = web.NewCentralMetrics(m.Config.MetricsToken)
	if m.Server, err = central.NewServer(m.Config, m.Store, central.Options{Logger: m.Logger, BcryptCost: m.BcryptCost, Metrics: m.Metrics}); err != nil {
		return err
	}
	if m.Listener, err = net.Listen("tcp", m.Config.Listen); err != nil {
		return cli.Usagef("listen: cannot listen on %s: %v", m.Config.Listen, err)
	}
	m.URL = m.Config.PublicURL
	if m.URL == "" {
		scheme := "http"
		if m.Config.TLS.Enabled() {
			scheme = "https"
		}
		host, port, _ := net.SplitHostPort(m.Listener.Addr().String())
		if host == "::" || host == "0.0.0.0" || host == "" {
			host = "localhost"
		}
		m.URL = scheme + "://" + net.JoinHostPort(host, port)
	}
	if m.SetupURL, err = m.Server.PrepareSetup(ctx, m.URL); err != nil {
		return err
	}
	// The key that signs issued documents, made at the first start (docs/security.md).
	if _, err = central.EnsureSigningKey(ctx, m.Store, timeNow()); err != nil {
		return err
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.Server.Serve(m.Listener) }()
	db := "SQLite " + m.Config.Database
	if m.Config.IsPostgres() {
		db = "PostgreSQL"
	}
	m.Logger.Info("central serving", "component", "main", "url", m.URL, "database", db)
	return nil
}

// Close stops the server (requests in flight finish, for at most
// ShutdownTimeout; an ingest commits or rolls back whole) and closes the database.
func (m *Main) Close() error {
	var errs []error
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
	if m.Store != nil {
		if err := m.Store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

func serve(ctx context.Context, cfg central.Config, stdout io.Writer) error {
	m := &Main{Config: cfg, Stdout: stdout}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "\nCentral siap / Central ready: %s\n", m.URL)
	if m.SetupURL != "" {
		fmt.Fprintf(stdout, "\nPenyiapan pertama / First-time set-up (one-time link, creates the admin account):\n  %s\n\n", m.SetupURL)
	}
	log := m.Logger.With("component", "main")
	if !strings.HasPrefix(m.URL, "https") {
		log.Warn("serving plain HTTP: kiosks elsewhere on the network need tls.cert_file and tls.key_file (or a TLS proxy)")
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight, then closing the database", "timeout", ShutdownTimeout)
	case err := <-m.served:
		m.served <- err
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
