package load

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// quiet discards the servers' logs: a log line per request would be part of the measurement.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

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

// ServeKiosk is the hidden `serve-kiosk` mode: the kiosk's HTTP server, wired
// as cmd/kiosk wires it, on the listener the parent handed over, with the
// limits of config [limits] off (a load from one address would hit them).
// It stops when its standard input closes and then prints the number of
// stored responses as JSON ({"responses": N}).
func ServeKiosk(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve-kiosk", flag.ContinueOnError)
	dbPath := fs.String("db", "", "kiosk database file")
	maxBatch := fs.Int("max-batch", 0, "responses per commit at most (0: the store's default; 1: a commit per request)")
	staff := fs.Int("staff", 0, "staff members to add before serving (0: none)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the serving time to this file")
	discard := fs.Bool("discard", false, "acknowledge responses after validating them, without storing them (the HTTP path's own ceiling)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx = ChildContext(ctx)
	ln, err := InheritedListener()
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
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("kiosk configuration: %w", err)
	}
	var store kiosk.Store = db
	if *discard {
		store = &discardStore{KioskDB: db}
	}
	srv, err := kiosk.NewServer(ctx, cfg, store, "http://"+ln.Addr().String(), kiosk.Options{Logger: quiet})
	if err != nil {
		return fmt.Errorf("kiosk server: %w", err)
	}
	if _, err := srv.PrepareSetup(ctx); err != nil {
		return fmt.Errorf("prepare set-up: %w", err)
	}
	stopProfile, err := StartProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("kiosk server stopped: %w", err)
	}
	if err := srv.Shutdown(10 * time.Second); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	<-served
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

// KioskLoad configures one HTTP load on the kiosk.
type KioskLoad struct {
	Clients  int           // concurrent keep-alive connections, each one request at a time
	Warmup   time.Duration // not counted
	Duration time.Duration // counted
	Max      int64         // stop after this many requests in all (0: no bound but time)
	Staff    int           // roster size; each request rates a random member
	Gzip     bool          // send Accept-Encoding: gzip, as Go's and most HTTP clients do
	Dir      string        // parent of the run's temporary directory
	// CPUProfile, when set, is where the server writes a CPU profile.
	CPUProfile string
}

// LoadResult is one load's outcome.
type LoadResult struct {
	Requests   int64         // answered within the counted time
	Throughput float64       // counted requests per second
	P50        time.Duration // latency percentiles of counted requests
	P99        time.Duration
	P999       time.Duration
	Max        time.Duration
	PeakRSS    int64 // the server's VmHWM, bytes
	IdleRSS    int64 // its VmHWM before the load, after the first answer
	GoSys      int64 // memory the Go runtime obtained from the system (the rest of RSS is SQLite and the program)
	// ServerCPU and ClientCPU are the CPU time per counted request of the
	// server's process and of loadgen's own (the clients), warm-up included
	// in both the time and the count.
	ServerCPU, ClientCPU time.Duration
	Statuses             map[int]int // every answer, warm-up included
	Stored               int64       // responses in the database afterwards
	Created              int64       // 201 answers, warm-up included
	Errors               int64       // transport errors
	FirstError           string
}

// Server kinds RunKiosk measures.
const (
	Grouped    = 0  // the group writer as shipped
	PerRequest = 1  // the group writer bounded to one response per commit
	Discard    = -1 // no storage: the HTTP path's own ceiling
)

// RunKiosk starts a kiosk server in a child process and loads it. kind is
// Grouped, PerRequest, Discard, or another bound on the responses per commit.
func RunKiosk(ctx context.Context, l KioskLoad, kind int) (LoadResult, error) {
	maxBatch := max(kind, 0)
	dir, err := os.MkdirTemp(l.Dir, "kiosk-load-")
	if err != nil {
		return LoadResult{}, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	args := []string{"-db", filepath.Join(dir, "kiosk.db"), "-max-batch", strconv.Itoa(maxBatch), "-staff", strconv.Itoa(l.Staff)}
	if l.CPUProfile != "" {
		args = append(args, "-cpuprofile", l.CPUProfile)
	}
	if kind == Discard {
		args = append(args, "-discard")
	}
	ch, err := StartChild(ctx, "serve-kiosk", args, true)
	if err != nil {
		return LoadResult{}, err
	}
	defer ch.Stop()
	if _, err := firstAnswer(ch.Addr, "/healthz", 60*time.Second); err != nil {
		return LoadResult{}, errors.Join(err, ch.Stop())
	}
	idle, err := ch.PeakRSS()
	if err != nil {
		return LoadResult{}, errors.Join(err, ch.Stop())
	}
	cpu0, err := ch.CPUTime()
	if err != nil {
		return LoadResult{}, errors.Join(err, ch.Stop())
	}
	self0, _ := cpuTime(os.Getpid())
	res, err := drive(ctx, ch.Addr, l)
	if err != nil {
		return res, errors.Join(err, ch.Stop())
	}
	cpu1, err := ch.CPUTime()
	if err != nil {
		return res, errors.Join(err, ch.Stop())
	}
	self1, _ := cpuTime(os.Getpid())
	if res.Created > 0 {
		res.ServerCPU, res.ClientCPU = (cpu1-cpu0)/time.Duration(res.Created), (self1-self0)/time.Duration(res.Created)
	}
	res.IdleRSS = idle
	if res.PeakRSS, err = ch.PeakRSS(); err != nil {
		return res, err
	}
	if err := ch.Stop(); err != nil {
		return res, err
	}
	var out struct {
		Responses int64
		GoSys     int64 `json:"go_sys"`
	}
	if err := json.Unmarshal([]byte(ch.Stdout()), &out); err != nil {
		return res, fmt.Errorf("read the server's final count %q: %w", ch.Stdout(), err)
	}
	res.Stored, res.GoSys = out.Responses, out.GoSys
	if res.Stored != res.Created {
		return res, fmt.Errorf("the server acknowledged %d responses with 201 but stored %d", res.Created, res.Stored)
	}
	return res, nil
}

// firstAnswer sends GET path once, on a connection the handed-over listener
// queues until the server takes it, and returns when the answer came. It
// fails unless the answer is 2xx.
func firstAnswer(addr, path string, timeout time.Duration) (time.Time, error) {
	c, err := dial(addr)
	if err != nil {
		return time.Time{}, err
	}
	defer c.Close()
	r, err := c.do("GET", path, "", nil, time.Now().Add(timeout), false)
	at := time.Now()
	if err != nil {
		return at, fmt.Errorf("first request: %w", err)
	}
	if r.Status/100 != 2 {
		return at, fmt.Errorf("first request: GET %s answered %d: %s", path, r.Status, r.Body)
	}
	return at, nil
}

var comments = []string{"", "", "", "Pelayanan cepat dan ramah.", "Antrian agak lama, tapi petugas membantu.",
	"Terima kasih <Bu Siti> & tim!", "Ruang tunggu panas; mohon tambah kipas angin.", "\"Mantap\" — sangat puas 👍"}

// responseBody appends a POST /api/v1/responses body of about 300 bytes.
func responseBody(dst []byte, rng *rand.Rand, staff int, key string) []byte {
	dst = append(dst, `{"nip":"`...)
	dst = append(dst, StaffNIP(1+rng.IntN(staff))...)
	dst = append(dst, `","service":"KTPEL_BARU","ratings":{`...)
	for i, e := range survey.Elements {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, e...)
		dst = append(dst, `":`...)
		dst = strconv.AppendInt(dst, int64(2+rng.IntN(3)), 10)
	}
	c, _ := json.Marshal(comments[rng.IntN(len(comments))])
	dst = append(dst, `},"comment":`...)
	dst = append(dst, c...)
	dst = append(dst, `,"profile":{"age_band":"30-39","sex":"P","education":"sma","occupation":"swasta"},"idempotency_key":"`...)
	dst = append(dst, key...)
	return append(dst, `"}`...)
}

// drive runs the closed-loop clients against addr.
func drive(ctx context.Context, addr string, l KioskLoad) (LoadResult, error) {
	headers := "Content-Type: application/json\r\n"
	if l.Gzip {
		headers += "Accept-Encoding: gzip\r\n"
	}
	start := time.Now()
	countFrom, end := start.Add(l.Warmup), start.Add(l.Warmup+l.Duration)
	var sent atomic.Int64
	type clientResult struct {
		lat      Latencies
		counted  int64
		statuses map[int]int
		created  int64
		err      error
	}
	results := make([]clientResult, l.Clients)
	var wg sync.WaitGroup
	for ci := range l.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr := &results[ci]
			cr.statuses = map[int]int{}
			c, err := dial(addr)
			if err != nil {
				cr.err = err
				return
			}
			defer c.Close()
			rng := rand.New(rand.NewPCG(uint64(ci), uint64(start.UnixNano())))
			var body []byte
			for n := 0; ; n++ {
				if ctx.Err() != nil || (l.Max > 0 && sent.Add(1) > l.Max) {
					return
				}
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				body = responseBody(body[:0], rng, l.Staff, "lg-"+strconv.Itoa(ci)+"-"+strconv.Itoa(n))
				r, err := c.do("POST", "/api/v1/responses", headers, body, t0.Add(time.Minute), false)
				if err != nil {
					cr.err = err
					return
				}
				d := time.Since(t0)
				cr.statuses[r.Status]++
				if r.Status == 201 {
					cr.created++
				}
				if !t0.Before(countFrom) {
					cr.lat.Add(d)
					cr.counted++
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(countFrom)
	if last := end.Sub(countFrom); elapsed > last && l.Max == 0 {
		elapsed = last // clients stop sending at end; the last answers overrun it
	}
	res := LoadResult{Statuses: map[int]int{}}
	var all Latencies
	for i := range results {
		cr := &results[i]
		all.Merge(&cr.lat)
		res.Requests += cr.counted
		res.Created += cr.created
		for s, n := range cr.statuses {
			res.Statuses[s] += n
		}
		if cr.err != nil {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = cr.err.Error()
			}
		}
	}
	res.Throughput = float64(res.Requests) / elapsed.Seconds()
	res.P50, res.P99, res.P999, res.Max = all.Percentile(50), all.Percentile(99), all.Percentile(99.9), all.Percentile(100)
	if res.Errors > 0 {
		return res, fmt.Errorf("%d of %d clients failed; first: %s", res.Errors, l.Clients, res.FirstError)
	}
	return res, nil
}
