package e2e

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// Valid PNS NIPs (BKN's format: birth date, TMT CPNS, sex digit, sequence).
const (
	nipSiti = "196608011988031001"
	nipBudi = "197501152000032002"
	nipAgus = "198002282005011003"
)

// The admin account each test creates through the printed set-up link.
const (
	adminUser     = "admin"
	adminPassword = "rahasia-kantor-123"
)

// discard is the servers' logger: a browser test's output is its own failures.
var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// kioskServer is a kiosk on a loopback port over a SQLite file.
type kioskServer struct {
	URL    string // http://127.0.0.1:port, also the public URL QR codes encode
	DB     *sqlite.KioskDB
	Server *kiosk.Server
	Config kiosk.Config
	// HTTP is the tests' own client (QR codes, API calls); its idle
	// connections are closed before the server shuts down.
	HTTP *http.Client
}

// kioskOptions adjust MustStartKiosk.
type kioskOptions struct {
	// Configure changes the configuration after it was validated. kiosk.NewServer
	// does not validate again, so a test may go below a documented minimum
	// (kiosk.idle_reset is at least 10 s for users) to keep the suite fast.
	Configure func(*kiosk.Config)
	// Key, when set, signs the chain head as a kiosk connected to central does.
	Key ed25519.PrivateKey
}

// MustStartKiosk opens a fresh kiosk database under tb.TempDir(), serves it on
// 127.0.0.1:0 with the real clock and registers its shutdown.
func MustStartKiosk(tb testing.TB, o kioskOptions) *kioskServer {
	tb.Helper()
	cfg := kiosk.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Database = filepath.Join(tb.TempDir(), "kiosk.db")
	cfg.OfficeName = "Disdukcapil Kota Serang"
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	ctx := context.Background()
	so := sqlite.KioskOptions{CommentLimit: cfg.CommentLimit}
	if o.Key != nil { // as cmd/kiosk opens it once connected
		ck := wire.ChainKey{Key: o.Key}
		so.SignHead, so.VerifyHead, so.SignSegment = ck.SignHead, ck.VerifyHead, ck.SignSegment
	}
	db, err := sqlite.OpenKiosk(ctx, cfg.Database, so)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := kiosk.NewServer(ctx, cfg, db, base, kiosk.Options{Logger: discard, BcryptCost: 4})
	if err != nil {
		ln.Close()
		db.Close()
		tb.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		closeBrowser(tb)
		hc.CloseIdleConnections()
		if err := srv.Shutdown(5 * time.Second); err != nil {
			tb.Errorf("kiosk shutdown: %v", err)
		}
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("kiosk serve: %v", err)
		}
		if err := db.Close(); err != nil {
			tb.Errorf("close kiosk database: %v", err)
		}
	})
	return &kioskServer{URL: base, DB: db, Server: srv, Config: cfg, HTTP: hc}
}

// MustAddStaff adds an active staff member through the store.
func (k *kioskServer) MustAddStaff(tb testing.TB, nip, name, counter string) survey.Staff {
	tb.Helper()
	s := survey.Staff{NIP: nip, Name: name, Position: "Pengadministrasi", Unit: "Pendaftaran Penduduk", Counter: counter, Active: true}
	if err := k.DB.CreateStaff(context.Background(), &s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// MustSetupLink returns the one-time set-up link the kiosk prints on first start.
func (k *kioskServer) MustSetupLink(tb testing.TB) string {
	tb.Helper()
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil || link == "" {
		tb.Fatalf("PrepareSetup = %q, %v", link, err)
	}
	return link
}

// MustResponses returns every stored response, oldest first.
func (k *kioskServer) MustResponses(tb testing.TB) []survey.Response {
	tb.Helper()
	rs, err := k.DB.PendingResponses(context.Background(), 0, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

// centralServer is the central appraisal service on a loopback port over a SQLite file.
type centralServer struct {
	URL    string
	DB     *sqlite.CentralDB
	Server *central.Server
	Clock  *centralClock
}

// centralClock is central's clock in the tests: real time plus an offset,
// first a day, as when the nightly sync uploads the kiosks' ratings of the
// day. Kiosks that sync in a test use it too, so that their clocks agree.
type centralClock struct{ offset atomic.Int64 }

// Now returns the real time plus the clock's offset.
func (c *centralClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// SettleMonth moves central's clock past the settling of the kiosks'
// current month (survey.SettleDays after it ends, and the hour's grace), as
// when the office head reads the month's reports: reports show settled
// months only.
func (c *centralServer) SettleMonth() {
	now := time.Now()
	month := survey.MonthStart(now, web.Jakarta)
	c.Clock.offset.Store(int64(survey.SettleTime(month).Add(2 * time.Hour).Sub(now)))
}

// MustStartCentral opens a fresh central database under tb.TempDir(), serves
// it on 127.0.0.1:0 with a centralClock a day ahead and registers its shutdown.
func MustStartCentral(tb testing.TB) *centralServer {
	tb.Helper()
	cfg := central.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Database = filepath.Join(tb.TempDir(), "central.db")
	// Central's clock runs a day ahead of the kiosks' (centralClock): within
	// this limit their ratings' times are not doubtful (flag clock).
	cfg.Sync.ClockSkewLimit = survey.Duration(48 * time.Hour)
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	clock := &centralClock{}
	clock.offset.Store(int64(24 * time.Hour))
	db, err := sqlite.OpenCentral(ctx, cfg.Database, sqlite.CentralOptions{Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := central.NewServer(cfg, db, central.Options{Logger: discard, Now: clock.Now, BcryptCost: 4})
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		closeBrowser(tb)
		if err := srv.Shutdown(5 * time.Second); err != nil {
			tb.Errorf("central shutdown: %v", err)
		}
		ln.Close() // in case Serve had not yet taken the listener
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("central serve: %v", err)
		}
		if err := db.Close(); err != nil {
			tb.Errorf("close central database: %v", err)
		}
	})
	return &centralServer{URL: "http://" + ln.Addr().String(), DB: db, Server: srv, Clock: clock}
}

// MustSetupLink returns the one-time set-up link central prints on first start.
func (c *centralServer) MustSetupLink(tb testing.TB) string {
	tb.Helper()
	link, err := c.Server.PrepareSetup(context.Background(), c.URL)
	if err != nil || link == "" {
		tb.Fatalf("PrepareSetup = %q, %v", link, err)
	}
	return link
}
