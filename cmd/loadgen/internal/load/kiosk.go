package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/skmkiosk/skm/cmd/loadgen/internal/kioskside"
	"github.com/skmkiosk/skm/survey"
)

// KioskLoad configures one HTTP load on the kiosk.
type KioskLoad struct {
	Clients  int           // concurrent keep-alive connections, each one request at a time
	Warmup   time.Duration // not counted
	Duration time.Duration // counted
	Max      int64         // stop after this many requests in all (0: no bound but time)
	Staff    int           // roster size; each request rates a random member
	Gzip     bool          // send Accept-Encoding: gzip, as Go's and most HTTP clients do
	Dir      string        // parent of the run's temporary directory
	Kioskd   string        // the kiosk-side helper (BuildKioskd)
	// CPUProfile, when set, is where the server writes a CPU profile.
	CPUProfile string
	// Trace, when set, is where the server writes a one-second execution
	// trace from the middle of the counted time.
	Trace string
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
	// AnonRSS and FileRSS split the server's resident set at the end of the
	// load: anonymous memory, and file pages (its binary's code and data).
	AnonRSS, FileRSS int64
	// ServerCPU and ClientCPU are the CPU time per counted request of the
	// server's process and of loadgen's own (the clients), warm-up included
	// in both the time and the count.
	ServerCPU, ClientCPU time.Duration
	Statuses             map[int]int // every answer, warm-up included
	Stored               int64       // responses in the database afterwards
	Created              int64       // 201 answers, warm-up included
	Errors               int64       // transport errors
	FirstError           string
	// Writer is what the kiosk's group writer did in the counted time, from
	// its /metrics (zero without storage, or when the load ended early).
	Writer WriterWindow
}

// WriterWindow is the group writer's work between two scrapes of /metrics.
type WriterWindow struct {
	Commits, Responses int64
	Elapsed            time.Duration // between the two scrapes
	Busy, Commit       time.Duration // the writer's busy time, and of it the time in COMMIT
}

// GroupSize is the responses per commit.
func (w WriterWindow) GroupSize() float64 { return float64(w.Responses) / float64(max(w.Commits, 1)) }

// BusyShare is the share of the time the writer was busy: near 1, it is the bottleneck.
func (w WriterWindow) BusyShare() float64 { return w.Busy.Seconds() / max(w.Elapsed.Seconds(), 1e-9) }

// CommitShare is the share of the writer's busy time spent in COMMIT.
func (w WriterWindow) CommitShare() float64 { return w.Commit.Seconds() / max(w.Busy.Seconds(), 1e-9) }

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
	if l.Trace != "" {
		args = append(args, "-trace", l.Trace, "-trace-at", (l.Warmup + l.Duration/2).String())
	}
	if kind == Discard {
		args = append(args, "-discard")
	}
	ch, err := StartChild(ctx, l.Kioskd, "serve", args, true)
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
	if res.AnonRSS, res.FileRSS, err = ch.RSSParts(); err != nil {
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
	dst = append(dst, kioskside.StaffNIP(1+rng.IntN(staff))...)
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
	stopped := make(chan struct{})
	window := make(chan WriterWindow, 1)
	go func() { window <- watchWriter(addr, countFrom, end, stopped) }()
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
	close(stopped)
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
	res.Writer = <-window
	res.P50, res.P99, res.P999, res.Max = all.Percentile(50), all.Percentile(99), all.Percentile(99.9), all.Percentile(100)
	if res.Errors > 0 {
		return res, fmt.Errorf("%d of %d clients failed; first: %s", res.Errors, l.Clients, res.FirstError)
	}
	return res, nil
}

// writerSnapshot is the group writer's counters at one moment.
type writerSnapshot struct {
	at                 time.Time
	commits, responses float64
	busy, commit       float64 // seconds
}

// watchWriter scrapes the kiosk's /metrics when the counted time starts and
// when it ends (or when the clients stop, if sooner) and returns the
// difference. A failed scrape, or clients that stopped before the counted
// time, give a zero window: the load's own figures do not depend on it.
func watchWriter(addr string, from, to time.Time, stopped <-chan struct{}) WriterWindow {
	at := func(t time.Time) bool {
		tm := time.NewTimer(time.Until(t))
		defer tm.Stop()
		select {
		case <-tm.C:
			return true
		case <-stopped:
			return false
		}
	}
	if !at(from) {
		return WriterWindow{}
	}
	a, err := scrapeWriter(addr)
	if err != nil {
		return WriterWindow{}
	}
	at(to)
	b, err := scrapeWriter(addr)
	if err != nil {
		return WriterWindow{}
	}
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	return WriterWindow{Commits: int64(b.commits - a.commits), Responses: int64(b.responses - a.responses),
		Elapsed: b.at.Sub(a.at), Busy: sec(b.busy - a.busy), Commit: sec(b.commit - a.commit)}
}

// scrapeWriter reads the group writer's counters from GET /metrics (open on
// loopback without a token).
func scrapeWriter(addr string) (writerSnapshot, error) {
	c, err := dial(addr)
	if err != nil {
		return writerSnapshot{}, err
	}
	defer c.Close()
	r, err := c.do("GET", "/metrics", "", nil, time.Now().Add(10*time.Second), false)
	at := time.Now()
	if err != nil {
		return writerSnapshot{}, fmt.Errorf("GET /metrics: %w", err)
	}
	if r.Status != 200 {
		return writerSnapshot{}, fmt.Errorf("GET /metrics answered %d", r.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		return writerSnapshot{}, fmt.Errorf("read /metrics: %w", err)
	}
	value := func(name string) (float64, error) {
		f, ok := families[name]
		if !ok || len(f.GetMetric()) != 1 {
			return 0, fmt.Errorf("/metrics has no single series %s", name)
		}
		return f.GetMetric()[0].GetCounter().GetValue(), nil
	}
	s := writerSnapshot{at: at}
	for name, dst := range map[string]*float64{"skm_kiosk_write_commits_total": &s.commits, "skm_kiosk_write_responses_total": &s.responses,
		"skm_kiosk_writer_busy_seconds_total": &s.busy, "skm_kiosk_write_commit_seconds_total": &s.commit} {
		if *dst, err = value(name); err != nil {
			return s, err
		}
	}
	return s, nil
}
