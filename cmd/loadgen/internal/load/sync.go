package load

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/loadgen/internal/child"
	"github.com/skmkiosk/skm/cmd/loadgen/internal/kioskside"
	"github.com/skmkiosk/skm/store/postgres"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// services the generated responses are spread over (all in DefaultServices).
var backlogServices = []string{"KTPEL_BARU", "KTPEL_REKAM", "KK_BARU", "KK_UBAH", "KIA", "AKTA_LAHIR", "AKTA_MATI", "PINDAH_KELUAR"}

// MakeBacklog fills a new kiosk database at path with n valid, chained
// responses through the store itself (the group writer, so every row is what
// the kiosk would have written), from 256 goroutines; created_at advances two
// seconds per response, so n responses span n/43,200 days. It returns how
// long it took.
func MakeBacklog(ctx context.Context, path string, key ed25519.PrivateKey, n, staff int) (time.Duration, error) {
	var tick atomic.Int64
	base := time.Now().Add(-time.Duration(n) * 2 * time.Second)
	db, err := sqlite.OpenKiosk(ctx, path, sqlite.KioskOptions{MaxBatch: 1024, CommentLimit: survey.DefaultCommentLimit,
		Now:      func() time.Time { return base.Add(time.Duration(tick.Add(1)) * 2 * time.Second) },
		SignHead: func(seq int64, hash string) string { return wire.SignHead(key, seq, hash) }})
	if err != nil {
		return 0, fmt.Errorf("open kiosk database: %w", err)
	}
	defer db.Close()
	for _, s := range kioskside.Roster(staff) {
		if err := db.CreateStaff(ctx, &s); err != nil {
			return 0, fmt.Errorf("add staff: %w", err)
		}
	}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 256)
	for w := range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				r := survey.Response{NIP: kioskside.StaffNIP(1 + rng.IntN(staff)), Service: backlogServices[rng.IntN(len(backlogServices))],
					Channel: survey.ChannelQR, Comment: comments[rng.IntN(len(comments))], IdempotencyKey: "bl-" + strconv.FormatInt(i, 10),
					Profile: survey.Profile{AgeBand: survey.AgeBands[rng.IntN(len(survey.AgeBands))].Code, Sex: survey.Sexes[rng.IntN(2)].Code}}
				for j := range r.Ratings {
					r.Ratings[j] = int8(1 + rng.IntN(4))
				}
				if _, err := db.CreateResponse(ctx, &r); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, fmt.Errorf("make backlog: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	took := time.Since(start)
	if got, err := db.CountPending(ctx); err != nil || got != int64(n) {
		return took, fmt.Errorf("the backlog holds %d pending responses, want %d (%v)", got, n, err)
	}
	return took, nil
}

// Central is a central database prepared for a measurement: one office with
// the load's roster and the kiosks' keys registered. Its Args start
// serve-central on it.
type Central struct {
	Backend string // "sqlite" or "postgres"
	Path    string // SQLite file
	DSN     string // PostgreSQL server
	Schema  string // PostgreSQL scratch schema
	drop    func(context.Context) error
}

// NewCentral creates an empty central database: a SQLite file under dir, or
// a scratch schema on the PostgreSQL server of dsn (loopback only).
func NewCentral(ctx context.Context, backend, dir, dsn string) (*Central, error) {
	c := &Central{Backend: backend}
	switch backend {
	case "sqlite":
		c.Path = filepath.Join(dir, "central.db")
		c.drop = func(context.Context) error {
			return errors.Join(os.Remove(c.Path), ignoreMissing(os.Remove(c.Path+"-wal")), ignoreMissing(os.Remove(c.Path+"-shm")))
		}
	case "postgres":
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, fmt.Errorf("-pg %q is not a postgres:// URL", dsn)
		}
		if err := CheckLoopback(u.Hostname()); err != nil {
			return nil, fmt.Errorf("-pg: %w", err)
		}
		c.DSN = dsn
		if c.Schema, c.drop, err = postgres.CreateScratchSchema(ctx, dsn, "loadgen"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown backend %q: sqlite or postgres", backend)
	}
	return c, nil
}

func ignoreMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Open opens the central store.
func (c *Central) Open(ctx context.Context) (survey.CentralStore, error) {
	if c.Backend == "postgres" {
		return postgres.Open(ctx, c.DSN, postgres.Options{Schema: c.Schema})
	}
	return sqlite.OpenCentral(ctx, c.Path, sqlite.CentralOptions{})
}

// Args are serve-central's arguments for this database.
func (c *Central) Args() []string {
	if c.Backend == "postgres" {
		return []string{"-db", c.DSN, "-schema", c.Schema}
	}
	return []string{"-db", c.Path}
}

// Drop deletes the database (the SQLite file, or the PostgreSQL schema with everything in it).
func (c *Central) Drop(ctx context.Context) error { return c.drop(ctx) }

// KioskKey is a kiosk's identity at central.
type KioskKey struct {
	ID     string
	Secret string
	Key    ed25519.PrivateKey
}

// NewKioskKey makes a kiosk identity with the given id.
func NewKioskKey(id string) (KioskKey, error) {
	secret, _, err := wire.NewKioskKey()
	if err != nil {
		return KioskKey{}, err
	}
	key, err := wire.ParseSecret(secret)
	return KioskKey{ID: id, Secret: secret, Key: key}, err
}

// Register creates an office per group of kiosks (perOffice kiosks each,
// with the load's roster of staff members) and registers the kiosks.
func Register(ctx context.Context, store survey.CentralStore, kiosks []KioskKey, perOffice, staff int) error {
	var o survey.Office
	for i, k := range kiosks {
		if i%perOffice == 0 {
			o = survey.Office{Name: fmt.Sprintf("Disdukcapil %04d", i/perOffice+1)}
			if err := store.CreateOffice(ctx, &o); err != nil {
				return fmt.Errorf("create office: %w", err)
			}
			if _, err := store.ImportOfficeStaff(ctx, o.ID, kioskside.Roster(staff)); err != nil {
				return fmt.Errorf("import staff: %w", err)
			}
		}
		// The load's kiosks stand for kiosks linked long ago: their backlog
		// predates this run, and central flags ratings older than a kiosk's
		// registration (clock).
		kk := survey.Kiosk{ID: k.ID, OfficeID: o.ID, OfficeName: o.Name, PublicKey: k.Key.Public().(ed25519.PublicKey),
			RegisteredAt: time.Now().AddDate(0, -1, 0)}
		if err := store.CreateKiosk(ctx, &kk); err != nil {
			return fmt.Errorf("register kiosk: %w", err)
		}
	}
	return nil
}

// ServeCentral is the hidden `serve-central` mode: central's HTTP server on
// the listener the parent handed over, over SQLite (-db FILE) or PostgreSQL
// (-db postgres://… -schema NAME). It stops when its standard input closes.
func ServeCentral(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve-central", flag.ContinueOnError)
	db := fs.String("db", "", "SQLite file or postgres:// URL")
	schema := fs.String("schema", "", "PostgreSQL schema")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the serving time to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx = child.Context(ctx)
	central.TuneGC() // as cmd/central does
	ln, err := child.Listener()
	if err != nil {
		return err
	}
	c := &Central{Backend: "sqlite", Path: *db}
	if strings.HasPrefix(*db, "postgres") {
		c = &Central{Backend: "postgres", DSN: *db, Schema: *schema}
	}
	store, err := c.Open(ctx)
	if err != nil {
		return fmt.Errorf("open central database: %w", err)
	}
	defer store.Close()
	cfg := central.DefaultConfig()
	cfg.Listen, cfg.Database = ln.Addr().String(), *db
	cfg.HTTP.MaxConnections, cfg.HTTP.MaxConnectionsPerAddress = 0, 0 // every simulated kiosk dials from 127.0.0.1
	srv, err := central.NewServer(cfg, store, central.Options{Logger: kioskside.Quiet})
	if err != nil {
		return fmt.Errorf("central server: %w", err)
	}
	stopProfile, err := child.StartProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	return child.Serve(ctx, "central server", srv, ln, 30*time.Second)
}

// SyncRun is one backlog upload's outcome.
type SyncRun struct {
	Responses      int64
	Seconds        float64
	PerSec         float64
	KioskPeakRSS   int64
	CentralPeakRSS int64
	// RawCopyPerSec is PostgreSQL's COPY of the same rows straight into
	// responses, a batch per transaction (0 on SQLite).
	RawCopyPerSec float64
	// CPU time per response of the kiosk's process, central's, and the
	// PostgreSQL server's (0 on SQLite) during the upload.
	KioskCPU, CentralCPU, PostgresCPU time.Duration
	// Bytes per response on disk at central (PostgreSQL): responses with
	// its indexes, and the daily and monthly rollups.
	ResponseBytes, RollupBytes float64
}

// RunSync uploads the backlog of the kiosk database template (a copy of it)
// (kioskd's sync) to a new central on backend, each in its own process, then checks that
// central stored every response once and, on PostgreSQL, copies the same
// rows raw for the ceiling.
//
// With profiles set, the kiosk and central write their CPU profiles to
// profiles+"-kiosk.prof" and profiles+"-central.prof".
func RunSync(ctx context.Context, kioskd, template string, k KioskKey, n int64, backend, dsn string, staff, batch int, profiles string) (SyncRun, error) {
	run := SyncRun{Responses: n}
	dir, err := os.MkdirTemp(filepath.Dir(template), "run-")
	if err != nil {
		return run, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	kioskDB := filepath.Join(dir, "kiosk.db")
	if err := copyFile(template, kioskDB); err != nil {
		return run, err
	}
	c, err := NewCentral(ctx, backend, dir, dsn)
	if err != nil {
		return run, err
	}
	defer c.Drop(context.WithoutCancel(ctx))
	store, err := c.Open(ctx)
	if err != nil {
		return run, err
	}
	err = Register(ctx, store, []KioskKey{k}, 1, staff)
	store.Close()
	if err != nil {
		return run, err
	}
	centralArgs, kioskProfile := c.Args(), []string{}
	if profiles != "" {
		centralArgs = append(centralArgs, "-cpuprofile", profiles+"-central.prof")
		kioskProfile = []string{"-cpuprofile", profiles + "-kiosk.prof"}
	}
	srv, err := StartChild(ctx, "", "serve-central", centralArgs, true)
	if err != nil {
		return run, err
	}
	defer srv.Stop()
	if _, err := firstAnswer(srv.Addr, "/healthz", 60*time.Second); err != nil {
		return run, errors.Join(err, srv.Stop())
	}
	central0, err := srv.CPUTime()
	if err != nil {
		return run, err
	}
	pg0 := PostgresCPU()
	kiosk, err := StartChild(ctx, kioskd, "sync", append([]string{"-db", kioskDB, "-url", "http://" + srv.Addr,
		"-kiosk-id", k.ID, "-secret", k.Secret, "-batch", strconv.Itoa(batch)}, kioskProfile...), false)
	if err != nil {
		return run, err
	}
	if err := kiosk.Wait(2 * time.Hour); err != nil {
		return run, errors.Join(err, srv.Stop())
	}
	var rep kioskside.SyncReport
	if err := json.Unmarshal([]byte(kiosk.Stdout()), &rep); err != nil {
		return run, fmt.Errorf("read the uploader's report %q: %w", kiosk.Stdout(), err)
	}
	run.Seconds, run.KioskPeakRSS = rep.Seconds, max(rep.PeakRSS, kiosk.MaxRSS())
	run.PerSec = float64(rep.Sent) / rep.Seconds
	if run.CentralPeakRSS, err = srv.PeakRSS(); err != nil {
		return run, err
	}
	central1, err := srv.CPUTime()
	if err != nil {
		return run, err
	}
	if backend == "postgres" {
		run.PostgresCPU = (PostgresCPU() - pg0) / time.Duration(n)
	}
	run.CentralCPU = (central1 - central0) / time.Duration(n)
	if ps := kiosk.cmd.ProcessState; ps != nil {
		run.KioskCPU = (ps.UserTime() + ps.SystemTime()) / time.Duration(n)
	}
	if err := srv.Stop(); err != nil {
		return run, err
	}
	if rep.Stored != n || rep.Pending != 0 || rep.Refused != 0 {
		return run, fmt.Errorf("sync sent %d, stored %d, refused %d, left %d pending; want %d stored", rep.Sent, rep.Stored, rep.Refused, rep.Pending, n)
	}
	if err := verifyCentral(ctx, c, map[string]int64{k.ID: n}); err != nil {
		return run, err
	}
	if backend == "postgres" {
		sizes, err := postgres.RelationSizes(ctx, c.DSN, c.Schema)
		if err != nil {
			return run, err
		}
		run.ResponseBytes = float64(sizes["responses"]) / float64(n)
		run.RollupBytes = float64(sizes["daily_rollups"]+sizes["monthly_rollups"]) / float64(n)
		if run.RawCopyPerSec, err = rawCopy(ctx, dsn, template, k.ID, batch); err != nil {
			return run, err
		}
	}
	return run, nil
}

// verifyCentral checks that central holds exactly want[kiosk] responses of
// each kiosk, nothing else, no gap and no integrity finding.
func verifyCentral(ctx context.Context, c *Central, want map[string]int64) error {
	store, err := c.Open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	var total int64
	for id, n := range want {
		got, err := store.CountResponses(ctx, id)
		if err != nil {
			return err
		}
		if got != n {
			return fmt.Errorf("central holds %d responses of kiosk %s, want %d", got, id, n)
		}
		total += n
	}
	if got, err := store.CountResponses(ctx, ""); err != nil || got != total {
		return fmt.Errorf("central holds %d responses in all, want %d (%v)", got, total, err)
	}
	gaps, err := store.FindGaps(ctx, "")
	if err != nil {
		return err
	}
	findings, err := store.FindFindings(ctx, survey.FindingFilter{})
	if err != nil {
		return err
	}
	if len(gaps) > 0 || len(findings) > 0 {
		return fmt.Errorf("central reports %d gaps and %d findings, want none (first: %+v %+v)", len(gaps), len(findings), gaps, findings)
	}
	return nil
}

// rawCopy copies the template's responses, as central would store them,
// straight into a fresh schema's responses table with COPY, batch rows per
// transaction, and returns rows per second of COPY time.
func rawCopy(ctx context.Context, dsn, template, kioskID string, batch int) (float64, error) {
	schema, drop, err := postgres.CreateScratchSchema(ctx, dsn, "loadgen_raw")
	if err != nil {
		return 0, err
	}
	defer drop(context.WithoutCancel(ctx))
	pg, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	if err != nil {
		return 0, err
	}
	defer pg.Close()
	o := survey.Office{Name: "Raw"}
	if err := pg.CreateOffice(ctx, &o); err != nil {
		return 0, err
	}
	kdb, err := sqlite.OpenKiosk(ctx, template, sqlite.KioskOptions{})
	if err != nil {
		return 0, err
	}
	defer kdb.Close()
	var after int64
	var rows int64
	var copying time.Duration
	received := time.Now()
	for {
		rs, err := kdb.ResponsesSince(ctx, time.Time{}, after, batch)
		if err != nil {
			return 0, err
		}
		if len(rs) == 0 {
			break
		}
		after = rs[len(rs)-1].Seq
		stored := make([]survey.StoredResponse, len(rs))
		for i, r := range rs {
			r.KioskID, r.IdempotencyKey = kioskID, ""
			stored[i] = survey.StoredResponse{Response: r, OfficeID: o.ID, ReceivedAt: received, Fingerprint: r.Fingerprint()}
		}
		t0 := time.Now()
		if err := pg.CopyRaw(ctx, stored); err != nil {
			return 0, err
		}
		copying += time.Since(t0)
		rows += int64(len(rs))
	}
	return float64(rows) / copying.Seconds(), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return fmt.Errorf("copy to %s: %w", to, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy to %s: %w", to, err)
	}
	return out.Close()
}

// httpClient is the client of the national night's kiosks: one transport
// whose idle pool holds a connection per concurrently uploading kiosk.
func httpClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns, conns
	return &http.Client{Transport: tr, Timeout: 5 * time.Minute}
}
