package load

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/cmd/loadgen/internal/kioskside"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// memKiosk is a kiosk's buffer in memory, for the national night's many
// simulated kiosks: the real uploader (pull, batches, signatures, marking)
// runs on it, without a thousand SQLite files. It implements upload.Store.
type memKiosk struct {
	mu       sync.Mutex
	rs       []survey.Response
	synced   map[string]bool
	refused  map[string]bool
	head     survey.SignedHead
	settings map[string]string
	runs     int64
}

// newMemKiosk makes a buffer of n valid, chained responses, spread over
// eight hours of day, with their head signed with key.
func newMemKiosk(rng *rand.Rand, key ed25519.PrivateKey, n, staff int, day time.Time) *memKiosk {
	m := &memKiosk{synced: map[string]bool{}, refused: map[string]bool{}, settings: map[string]string{}}
	prev := ""
	step := 8 * time.Hour / time.Duration(n)
	for i := range n {
		r := survey.Response{ID: uuid.Must(uuid.NewV7()).String(), Seq: int64(i + 1), NIP: kioskside.StaffNIP(1 + rng.IntN(staff)),
			Service: backlogServices[rng.IntN(len(backlogServices))], Channel: survey.ChannelQR,
			Comment: comments[rng.IntN(len(comments))], CreatedAt: day.Add(time.Duration(i) * step).UTC().Truncate(time.Microsecond),
			Profile: survey.Profile{AgeBand: survey.AgeBands[rng.IntN(len(survey.AgeBands))].Code, Sex: survey.Sexes[rng.IntN(2)].Code}}
		for j := range r.Ratings {
			r.Ratings[j] = int8(1 + rng.IntN(4))
		}
		r.PrevHash, r.Hash = prev, r.ChainHash(prev)
		prev = r.Hash
		m.rs = append(m.rs, r)
	}
	m.head = survey.SignedHead{Seq: int64(n), Hash: prev, Signature: wire.SignHead(key, int64(n), prev)}
	return m
}

// PendingResponses returns up to limit unsynced, unrefused responses after afterSeq.
func (m *memKiosk) PendingResponses(_ context.Context, afterSeq int64, limit int) ([]survey.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []survey.Response
	for _, r := range m.rs {
		if r.Seq > afterSeq && !m.synced[r.ID] && !m.refused[r.ID] && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// MarkSynced records central's confirmation.
func (m *memKiosk) MarkSynced(_ context.Context, ids []string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.synced[id] = true
	}
	return nil
}

// MarkRefused records central's refusal.
func (m *memKiosk) MarkRefused(_ context.Context, ids []string, _ string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.refused[id] = true
	}
	return nil
}

// ResendAfter forgets central's confirmation of the unrefused responses above seq.
func (m *memKiosk) ResendAfter(_ context.Context, seq int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, r := range m.rs {
		if r.Seq > seq && m.synced[r.ID] && !m.refused[r.ID] {
			delete(m.synced, r.ID)
			n++
		}
	}
	return n, nil
}

// CountPending counts what is neither synced nor refused.
func (m *memKiosk) CountPending(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.rs) - len(m.synced) - len(m.refused)), nil
}

// ChainHead returns the signed head made with the responses.
func (m *memKiosk) ChainHead(context.Context) (int64, string, string, error) {
	return m.head.Seq, m.head.Hash, m.head.Signature, nil
}

// StartSyncRun numbers a run; runs are not kept.
func (m *memKiosk) StartSyncRun(context.Context, int64) (int64, error) {
	return atomic.AddInt64(&m.runs, 1), nil
}

// The rest of upload.Store: nothing to keep for a simulated kiosk.

func (m *memKiosk) FinishSyncRun(context.Context, survey.SyncRun) error          { return nil }
func (m *memKiosk) DeleteSyncedBefore(context.Context, time.Time) (int64, error) { return 0, nil }
func (m *memKiosk) ReplaceServices(context.Context, []survey.Service) error      { return nil }
func (m *memKiosk) PhotoETags(context.Context) (map[string]string, error)        { return nil, nil }
func (m *memKiosk) SetStaffPhoto(context.Context, string, survey.Photo) error    { return nil }

// Segments: a simulated kiosk's chain has none.
func (m *memKiosk) Segments(context.Context) ([]survey.Segment, error) { return nil, nil }

// RestoredFrom: a simulated kiosk was never restored from a backup.
func (m *memKiosk) RestoredFrom(context.Context) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

// Rebase: a simulated kiosk is never behind central.
func (m *memKiosk) Rebase(context.Context, int64, bool, int64, string) (*survey.Segment, error) {
	return nil, nil
}

// SetCentralHead forgets what central acknowledged.
func (m *memKiosk) SetCentralHead(context.Context, int64, string) error { return nil }

// ReplaceRosterAsOf accepts central's roster without keeping it.
func (m *memKiosk) ReplaceRosterAsOf(_ context.Context, staff []survey.Staff, _ time.Time) (survey.ImportResult, error) {
	return survey.ImportResult{Updated: len(staff)}, nil
}

// Setting returns a setting the uploader stored.
func (m *memKiosk) Setting(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.settings[key]
	return v, ok, nil
}

// SetSetting stores a setting.
func (m *memKiosk) SetSetting(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settings[key] = value
	return nil
}

// VisitTallies: the simulated kiosks issue no visit codes.
func (m *memKiosk) VisitTallies(context.Context, time.Time) ([]survey.VisitTally, error) {
	return nil, nil
}

// The load's ratings carry no follow-up contacts.
func (m *memKiosk) PendingTrackingCodes(context.Context, string, int) ([]survey.FollowUpRef, error) {
	return nil, nil
}

func (m *memKiosk) ApplyFollowUpResults(context.Context, []survey.FollowUpResult, time.Time) (int64, error) {
	return 0, nil
}

var _ upload.Store = (*memKiosk)(nil)

// batchTimer times every POST of a batch, whatever its outcome.
type batchTimer struct {
	next     http.RoundTripper
	mu       sync.Mutex
	lat      Latencies
	requests int64
	failures int64 // transport errors and 5xx answers, each retried by the uploader
	statuses map[int]int64
}

// CloseIdleConnections closes the wrapped transport's idle connections.
func (b *batchTimer) CloseIdleConnections() {
	if c, ok := b.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip sends req, timing it when it posts a batch.
func (b *batchTimer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, wire.PathBatches) {
		return b.next.RoundTrip(req)
	}
	t0 := time.Now()
	resp, err := b.next.RoundTrip(req)
	d := time.Since(t0)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests++
	b.lat.Add(d)
	switch {
	case err != nil:
		b.failures++
	case resp.StatusCode >= 500:
		b.failures++
		b.statuses[resp.StatusCode]++
	default:
		b.statuses[resp.StatusCode]++
	}
	return resp, err
}

// Night configures a national night.
type Night struct {
	Kiosks   int           // simulated kiosks, one office each
	PerKiosk int           // responses each uploads
	Batch    int           // responses per batch
	Window   time.Duration // each kiosk starts at a random moment within it (sync.jitter)
	Staff    int           // staff per office
	Backend  string
	DSN      string
	Dir      string
	// Deadline bounds every kiosk's run, retries included (sync.window).
	Deadline time.Duration
}

// NightResult is a national night's outcome.
type NightResult struct {
	Completed, Failed  int           // kiosks whose run ended with nothing pending, or not
	FirstError         string        // of a failed kiosk
	Elapsed            time.Duration // from the window's start to the last kiosk's end
	LastStart          time.Duration // the last kiosk's start within the window
	Requests, Failures int64         // batch POSTs, and those that failed (retried)
	Statuses           map[int]int64
	P50, P99, Max      time.Duration // per batch POST, as the kiosks saw it
	Stored             int64         // responses central holds afterwards
	CentralPeakRSS     int64
	// CPU time per response of central's process and of the PostgreSQL
	// server (0 on SQLite) over the night.
	CentralCPU, PostgresCPU time.Duration
	SetupSeconds            float64
}

// RunNight registers n kiosks at a new central, starts central in its own
// process and lets every kiosk upload its responses at a random moment of
// the window, then checks that central holds each response exactly once.
func RunNight(ctx context.Context, cfg Night) (NightResult, error) {
	res := NightResult{Statuses: map[int]int64{}}
	dir, err := os.MkdirTemp(cfg.Dir, "night-")
	if err != nil {
		return res, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	setup := time.Now()
	keys := make([]KioskKey, cfg.Kiosks)
	for i := range keys {
		if keys[i], err = NewKioskKey(fmt.Sprintf("k-night%05d", i+1)); err != nil {
			return res, err
		}
	}
	c, err := NewCentral(ctx, cfg.Backend, dir, cfg.DSN)
	if err != nil {
		return res, err
	}
	defer c.Drop(context.WithoutCancel(ctx))
	store, err := c.Open(ctx)
	if err != nil {
		return res, err
	}
	err = Register(ctx, store, keys, 1, cfg.Staff)
	store.Close()
	if err != nil {
		return res, err
	}
	srv, err := StartChild(ctx, "", "serve-central", c.Args(), true)
	if err != nil {
		return res, err
	}
	defer srv.Stop()
	if _, err := firstAnswer(srv.Addr, "/healthz", 60*time.Second); err != nil {
		return res, errors.Join(err, srv.Stop())
	}
	res.SetupSeconds = time.Since(setup).Seconds()

	central0, err := srv.CPUTime()
	if err != nil {
		return res, errors.Join(err, srv.Stop())
	}
	pg0 := PostgresCPU()
	timer := &batchTimer{next: httpClient(cfg.Kiosks).Transport, statuses: map[int]int64{}}
	hc := &http.Client{Transport: timer, Timeout: 5 * time.Minute}
	day := time.Now().Add(-24 * time.Hour)
	start := time.Now()
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		lastEnd   time.Time
		lastStart time.Duration
	)
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 2026))
			delay := time.Duration(rng.Int64N(int64(cfg.Window) + 1))
			t := time.NewTimer(delay) // the kiosk's own random delay (sync.jitter), not a synchronisation
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			m := newMemKiosk(rng, k.Key, cfg.PerKiosk, cfg.Staff, day)
			up := upload.New(m, upload.Config{BaseURL: "http://" + srv.Addr, KioskID: k.ID, Key: k.Key, BatchSize: cfg.Batch,
				HTTPClient: hc, Logger: kioskside.Quiet})
			rctx, cancel := context.WithTimeout(ctx, cfg.Deadline)
			r, err := up.Run(rctx, upload.Backoff{Base: time.Second, Max: 10 * time.Second})
			cancel()
			mu.Lock()
			defer mu.Unlock()
			if now := time.Now(); now.After(lastEnd) {
				lastEnd = now
			}
			lastStart = max(lastStart, delay)
			if err != nil || r.Pending != 0 || r.Refused != 0 {
				res.Failed++
				if res.FirstError == "" {
					res.FirstError = fmt.Sprintf("kiosk %s: %v (result %+v)", k.ID, err, r)
				}
				return
			}
			res.Completed++
		}()
	}
	wg.Wait()
	hc.CloseIdleConnections() // as the kiosks' processes would, before central stops
	res.Elapsed, res.LastStart = lastEnd.Sub(start), lastStart
	res.Requests, res.Failures, res.Statuses = timer.requests, timer.failures, timer.statuses
	res.P50, res.P99, res.Max = timer.lat.Percentile(50), timer.lat.Percentile(99), timer.lat.Percentile(100)
	if res.CentralPeakRSS, err = srv.PeakRSS(); err != nil {
		return res, err
	}
	central1, err := srv.CPUTime()
	if err != nil {
		return res, err
	}
	total := time.Duration(cfg.Kiosks * cfg.PerKiosk)
	res.CentralCPU = (central1 - central0) / total
	if cfg.Backend == "postgres" {
		res.PostgresCPU = (PostgresCPU() - pg0) / total
	}
	if err := srv.Stop(); err != nil {
		return res, fmt.Errorf("after %d kiosks done and %d failed (%s): %w", res.Completed, res.Failed, res.FirstError, err)
	}
	want := make(map[string]int64, len(keys))
	for _, k := range keys {
		want[k.ID] = int64(cfg.PerKiosk)
	}
	if err := verifyCentral(ctx, c, want); err != nil {
		return res, err
	}
	res.Stored = int64(cfg.Kiosks * cfg.PerKiosk)
	return res, nil
}
