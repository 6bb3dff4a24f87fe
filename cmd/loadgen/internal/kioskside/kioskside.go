// Package kioskside holds the kiosk's side of loadgen's measurements, built
// into kioskd, a helper binary with the kiosk's dependencies only (not
// central's, pgx's or the XLSX library's): the kiosk's memory is measured
// in a process the size of cmd/kiosk. serve runs the kiosk's HTTP server,
// sync runs the kiosk's uploader once.
package kioskside

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/cmd/loadgen/internal/child"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// Main runs the mode named by args[0] (serve or sync).
func Main(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("kioskd: name a mode, serve or sync")
	}
	switch args[0] {
	case "serve":
		return Serve(ctx, args[1:], stdout)
	case "sync":
		return Sync(ctx, args[1:], stdout)
	}
	return fmt.Errorf("kioskd: unknown mode %q", args[0])
}

// Quiet discards the servers' logs: a log line per request would be part of the measurement.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// StaffNIP returns the i-th (1-based) made-up NIP of the load's roster: valid
// by BKN's format, distinct for i up to 999.
func StaffNIP(i int) string { return fmt.Sprintf("196608011988031%03d", i) }

// Roster returns n staff members with StaffNIP(1..n).
func Roster(n int) []survey.Staff {
	out := make([]survey.Staff, n)
	for i := range out {
		out[i] = survey.Staff{NIP: StaffNIP(i + 1), Name: fmt.Sprintf("Petugas %d", i+1), Position: "Operator",
			Unit: fmt.Sprintf("Unit %d", i%4+1), Counter: strconv.Itoa(i%8 + 1), Type: survey.PNS, Active: true}
	}
	return out
}

// Serve is kioskd's `serve` mode: the kiosk's HTTP server, wired
// as cmd/kiosk wires it, on the listener the parent handed over, with the
// limits of config [limits] and [http]'s connection bounds off (a load
// from one address would hit them).
// It stops when its standard input closes and then prints the number of
// stored responses as JSON ({"responses": N}).
func Serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dbPath := fs.String("db", "", "kiosk database file")
	maxBatch := fs.Int("max-batch", 0, "responses per commit at most (0: the store's default; 1: a commit per request)")
	staff := fs.Int("staff", 0, "staff members to add before serving (0: none)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the serving time to this file")
	traceFile := fs.String("trace", "", "write a one-second execution trace to this file")
	traceAt := fs.Duration("trace-at", 0, "start the trace this long after serving starts")
	discard := fs.Bool("discard", false, "acknowledge responses after validating them, without storing them (the HTTP path's own ceiling)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx = child.Context(ctx)
	ln, err := child.Listener()
	if err != nil {
		return err
	}
	db, err := sqlite.OpenKiosk(ctx, *dbPath, sqlite.KioskOptions{CommentLimit: survey.DefaultCommentLimit, MaxBatch: *maxBatch})
	if err != nil {
		return fmt.Errorf("open kiosk database: %w", err)
	}
	defer db.Close()
	for _, s := range Roster(*staff) {
		if err := db.CreateStaff(ctx, &s); err != nil && survey.ErrorCode(err) != survey.ECONFLICT {
			return fmt.Errorf("add staff: %w", err)
		}
	}
	cfg := kiosk.DefaultConfig()
	cfg.Database, cfg.Listen = *dbPath, ln.Addr().String()
	cfg.Limits.PerDevice, cfg.Limits.PerAddress, cfg.Limits.BurstCount, cfg.Limits.NoVisitWindow = 0, 0, 0, 0
	cfg.HTTP.MaxConnections, cfg.HTTP.MaxConnectionsPerAddress = 0, 0 // up to 4096 clients, all from 127.0.0.1
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("kiosk configuration: %w", err)
	}
	var store kiosk.Store = db
	if *discard {
		store = &discardStore{KioskDB: db}
	}
	srv, err := kiosk.NewServer(ctx, cfg, store, "http://"+ln.Addr().String(), kiosk.Options{Logger: Quiet})
	if err != nil {
		return fmt.Errorf("kiosk server: %w", err)
	}
	if _, err := srv.PrepareSetup(ctx); err != nil {
		return fmt.Errorf("prepare set-up: %w", err)
	}
	stopProfile, err := child.StartProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	stopTrace, err := child.StartTrace(*traceFile, *traceAt)
	if err != nil {
		return err
	}
	defer stopTrace()
	if err := child.Serve(ctx, "kiosk server", srv, ln, 10*time.Second); err != nil {
		return err
	}
	n, err := db.CountResponses(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	if d, ok := store.(*discardStore); ok {
		n = d.n.Load()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return json.NewEncoder(stdout).Encode(map[string]int64{"responses": n, "heap_sys": int64(m.HeapSys), "heap_inuse": int64(m.HeapInuse),
		"stack_sys": int64(m.StackSys), "go_sys": int64(m.Sys), "num_gc": int64(m.NumGC)})
}

// discardStore is the kiosk's store except that it acknowledges a response
// after validating it, as the store does first, without writing it: the
// kiosk's HTTP path (middleware, decoding, reply) with no SQLite behind it.
type discardStore struct {
	*sqlite.KioskDB
	n atomic.Int64
}

// CreateResponseWith validates r and counts it.
func (d *discardStore) CreateResponseWith(ctx context.Context, r *survey.Response, in survey.Intake) (bool, error) {
	r.Normalize()
	if err := r.Validate(survey.DefaultCommentLimit); err != nil {
		return false, err
	}
	r.ID, r.CreatedAt = uuid.Must(uuid.NewV7()).String(), time.Now().UTC().Truncate(time.Microsecond)
	r.Seq = d.n.Add(1)
	return true, nil
}

// SyncReport is what the sync mode prints.
type SyncReport struct {
	upload.Result
	Seconds float64 `json:"seconds"`
	PeakRSS int64   `json:"peak_rss"`
}

// Sync is kioskd's `sync` mode: the kiosk's uploader on a
// kiosk database, one run (SyncOnce) against central, then a JSON report.
func Sync(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	db := fs.String("db", "", "kiosk database")
	central := fs.String("url", "", "central's loopback URL")
	kioskID := fs.String("kiosk-id", "", "kiosk id")
	secret := fs.String("secret", "", "kiosk secret")
	batch := fs.Int("batch", 500, "responses per batch")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the upload to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*central)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	if err := child.CheckLoopback(u.Hostname()); err != nil {
		return err
	}
	ctx = child.Context(ctx)
	key, err := wire.ParseSecret(*secret)
	if err != nil {
		return err
	}
	kdb, err := sqlite.OpenKiosk(ctx, *db, sqlite.KioskOptions{SignHead: func(seq int64, hash string) string { return wire.SignHead(key, seq, hash) }})
	if err != nil {
		return fmt.Errorf("open kiosk database: %w", err)
	}
	defer kdb.Close()
	hc, err := upload.NewHTTPClient("")
	if err != nil {
		return err
	}
	up := upload.New(kdb, upload.Config{BaseURL: *central, KioskID: *kioskID, Key: key, BatchSize: *batch, HTTPClient: hc, Logger: Quiet})
	stopProfile, err := child.StartProfile(*cpuProfile)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := up.SyncOnce(ctx)
	stopProfile()
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	rep := SyncReport{Result: res, Seconds: time.Since(start).Seconds()}
	if rep.PeakRSS, err = child.PeakRSS(os.Getpid()); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(rep)
}
