package upload

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// Store is what the uploader needs from the kiosk's buffer (store/sqlite.KioskDB).
type Store interface {
	PendingResponses(ctx context.Context, afterSeq int64, limit int) ([]survey.Response, error)
	MarkSynced(ctx context.Context, ids []string, at time.Time) error
	MarkRefused(ctx context.Context, ids []string, reason string, at time.Time) error
	CountPending(ctx context.Context) (int64, error)
	// ResendAfter marks the confirmed, unrefused responses above seq as pending again.
	ResendAfter(ctx context.Context, seq int64) (int64, error)
	ChainHead(ctx context.Context) (seq int64, hash, signature string, err error)
	StartSyncRun(ctx context.Context, buffered int64) (int64, error)
	FinishSyncRun(ctx context.Context, r survey.SyncRun) error
	DeleteSyncedBefore(ctx context.Context, t time.Time) (int64, error)
	// ReplaceRosterAsOf replaces the roster, checking dates (a NIP's birth
	// and appointment) against asOf: central's clock, not the kiosk's.
	ReplaceRosterAsOf(ctx context.Context, staff []survey.Staff, asOf time.Time) (survey.ImportResult, error)
	ReplaceServices(ctx context.Context, services []survey.Service) error
	PhotoETags(ctx context.Context) (map[string]string, error)
	SetStaffPhoto(ctx context.Context, nip string, p survey.Photo) error
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	// VisitTallies counts the visit codes issued from since on, and how many
	// were rated, per Asia/Jakarta day, staff member and service.
	VisitTallies(ctx context.Context, since time.Time) ([]survey.VisitTally, error)
	PendingTrackingCodes(ctx context.Context, after string, limit int) ([]survey.FollowUpRef, error)
	ApplyFollowUpResults(ctx context.Context, results []survey.FollowUpResult, at time.Time) (int64, error)
	ChainStore
}

// ChainStore is what the head exchange needs from the kiosk's chain
// (store/sqlite.KioskDB).
type ChainStore interface {
	ChainHead(ctx context.Context) (seq int64, hash, signature string, err error)
	// Segments lists the chain's segments, lowest first.
	Segments(ctx context.Context) ([]survey.Segment, error)
	// RestoredFrom reports whether the file is a backup opened as the live
	// database and not yet rebased.
	RestoredFrom(ctx context.Context) (time.Time, bool, error)
	// Rebase continues the chain above central's highest number (see
	// store/sqlite.KioskDB.Rebase).
	Rebase(ctx context.Context, central int64, known bool, held int64, reason string) (*survey.Segment, error)
	// SetCentralHead records the head central acknowledged.
	SetCentralHead(ctx context.Context, seq int64, hash string) error
}

// Config configures an Uploader.
type Config struct {
	BaseURL   string
	KioskID   string
	Key       ed25519.PrivateKey
	BatchSize int
	// Retention deletes synced responses older than this after each run (0: keep).
	Retention  time.Duration
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
	// Progress, when set, is told after each batch how many responses of the
	// run's backlog were sent.
	Progress func(sent, total int64)
	// Metrics, when set, is told of every attempt and batch.
	Metrics Metrics
}

// Metrics receives the uploader's attempts and batches; the kiosk's
// /metrics implements it (web.KioskMetrics), so that this package does not
// depend on Prometheus.
type Metrics interface {
	// SyncRun counts one attempt by result: "ok", "partial" or "failed".
	SyncRun(result string)
	// SyncBatch counts one batch central answered.
	SyncBatch(counts survey.IngestCounts)
}

// noMetrics is the Metrics of an uploader configured without any.
type noMetrics struct{}

func (noMetrics) SyncRun(string)                {}
func (noMetrics) SyncBatch(survey.IngestCounts) {}

// Result counts one sync run.
type Result struct {
	Buffered int64 // pending when the run started
	survey.IngestCounts
	Pending int64 // still pending after the run
	Roster  survey.ImportResult
	Pulled  bool // the roster was pulled (in this attempt or an earlier one of the same Run)
	// Resent counts responses central had confirmed but no longer holds
	// (restored from a backup), marked pending again by this run.
	Resent int64
	// HeadReported: central took the kiosk's head and segments (in this
	// attempt or an earlier one of the same Run); learned: the kiosk asked
	// central what it holds first.
	HeadReported bool
	learned      bool
}

// steps says what an attempt still has to do besides uploading.
type steps struct{ pull, learn, report bool }

// Uploader uploads a kiosk's buffer to central. SyncOnce is one attempt;
// Run retries with backoff. It is safe for concurrent use; runs do not overlap.
type Uploader struct {
	cfg    Config
	store  Store
	c      *client
	log    *slog.Logger
	runMu  sync.Mutex // one run at a time
	mu     sync.Mutex // guards status
	status survey.SyncStatus
	// clockLimit is central's clock_skew_limit in seconds (0: not said yet).
	clockLimit atomic.Int64
	// oldCentral is set when central does not know head reports (404).
	oldCentral atomic.Bool
}

// New returns an uploader for store.
func New(store Store, cfg Config) *Uploader {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = wire.DefaultBatchResponses
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	log := cfg.Logger.With("component", "sync", "kiosk_id", cfg.KioskID)
	u := &Uploader{cfg: cfg, store: store, log: log,
		c: &client{http: cfg.HTTPClient, baseURL: cfg.BaseURL, kioskID: cfg.KioskID, key: cfg.Key, now: cfg.Now, log: log}}
	u.status = survey.SyncStatus{Connected: true, CentralURL: cfg.BaseURL}
	return u
}

// Status returns the latest sync status.
func (u *Uploader) Status() survey.SyncStatus {
	u.mu.Lock()
	st := u.status
	u.mu.Unlock()
	st.Clock = u.Clock()
	return st
}

func (u *Uploader) setStatus(f func(*survey.SyncStatus)) {
	u.mu.Lock()
	f(&u.status)
	u.mu.Unlock()
}

// SyncOnce pulls the roster, uploads every pending response and applies
// retention, recording the run. It returns at the first failure; whatever
// central confirmed before it stays marked, the rest stays pending.
func (u *Uploader) SyncOnce(ctx context.Context) (Result, error) {
	return u.attempt(ctx, steps{true, true, true})
}

// attempt is one run; do says whether to pull the roster and to exchange
// the head first.
func (u *Uploader) attempt(ctx context.Context, do steps) (Result, error) {
	u.runMu.Lock()
	defer u.runMu.Unlock()
	start := u.cfg.Now()
	u.setStatus(func(s *survey.SyncStatus) { s.Running, s.LastAttempt = true, start })
	res, err := u.syncOnce(ctx, do)
	u.setStatus(func(s *survey.SyncStatus) {
		s.Running, s.Pending = false, res.Pending
		if err != nil {
			s.LastResult, s.LastError = "failed", err.Error()
			return
		}
		s.LastSuccess, s.LastError, s.LastResult = u.cfg.Now(), "", "ok"
		if res.Refused > 0 {
			s.LastResult = "partial"
		}
	})
	return res, err
}

func (u *Uploader) syncOnce(ctx context.Context, do steps) (Result, error) {
	pull := do.pull
	res := Result{Pulled: !pull, learned: !do.learn, HeadReported: !do.report}
	var err error
	if res.Buffered, err = u.store.CountPending(ctx); err != nil {
		return res, err
	}
	runID, err := u.store.StartSyncRun(ctx, res.Buffered)
	if err != nil {
		return res, err
	}
	if pull {
		var received int64
		if res.Roster, received, err = u.pullConfig(ctx); err == nil {
			res.Pulled = true
			err = u.resendLost(ctx, received, &res)
		}
	}
	// Central learns the head before the rows, and a kiosk behind central
	// continues above it before it uploads. Each step done is not redone
	// by the retries of the same Run.
	if err == nil && !res.learned {
		err = u.learnHead(ctx)
		res.learned = err == nil
	}
	if err == nil && !res.HeadReported {
		err = u.reportHead(ctx)
		res.HeadReported = err == nil
	}
	if err == nil {
		err = u.uploadPending(ctx, &res)
	}
	if err == nil {
		err = u.sendVisitTallies(ctx)
	}
	if err == nil {
		err = u.sendFollowUps(ctx)
	}
	if err == nil && u.cfg.Retention > 0 {
		if n, derr := u.store.DeleteSyncedBefore(ctx, u.cfg.Now().Add(-u.cfg.Retention)); derr != nil {
			err = derr
		} else if n > 0 {
			u.log.Info("retention: deleted synced responses", "deleted", n, "older_than", u.cfg.Retention)
		}
	}
	res.Pending, _ = u.store.CountPending(context.WithoutCancel(ctx))
	run := survey.SyncRun{ID: runID, Result: "ok", Sent: res.Sent, Stored: res.Stored, Duplicates: res.Duplicates,
		Refused: res.Refused, Pending: res.Pending}
	switch {
	case err != nil:
		run.Result, run.Message = "failed", err.Error()
	case res.Refused > 0 || res.Pending > 0:
		run.Result = "partial"
	}
	if ferr := u.store.FinishSyncRun(context.WithoutCancel(ctx), run); ferr != nil && err == nil {
		err = ferr
		run.Result = "failed"
	}
	u.cfg.Metrics.SyncRun(run.Result)
	if err != nil {
		u.log.Warn("sync failed", "err", err, "sent", res.Sent, "pending", res.Pending)
	} else {
		u.log.Info("sync done", "buffered", res.Buffered, "sent", res.Sent, "stored", res.Stored,
			"duplicates", res.Duplicates, "refused", res.Refused, "pending", res.Pending)
	}
	return res, err
}

// resendLost marks pending again what the kiosk had marked synced above
// central's highest sequence number from it, so that a central restored from
// a backup gets back what it received after the backup. Central keeping
// nothing from the kiosk (0) gets everything the kiosk still keeps: a
// central restored from a backup older than the kiosk's first upload, or
// one that registered the kiosk again, is made whole the same way; a new
// central simply receives the kiosk's recent history once.
func (u *Uploader) resendLost(ctx context.Context, received int64, res *Result) error {
	n, err := u.store.ResendAfter(ctx, max(received, 0))
	if err != nil || n == 0 {
		return err
	}
	res.Resent += n
	res.Buffered += n
	u.log.Warn("central no longer holds responses it had confirmed (restored from a backup?); sending them again",
		"central_highest_seq", received, "resent", n)
	return nil
}

// uploadPending sends pending responses oldest first, in three overlapping
// steps: while one batch is at central, the next is read and encoded, and the
// one before is marked as confirmed. Marking (a durable local commit) was
// part of every batch's round trip; now the next batch leaves as soon as
// central answers. At most three batches are in memory. A confirmed batch is
// marked even when a later one fails, and marking waits for nothing else.
func (u *Uploader) uploadPending(parent context.Context, res *Result) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	count := &pendingCount{}
	batches := make(chan preparedBatch) // unbuffered: one batch is read ahead, not more
	prepErr := make(chan error, 1)
	go func() {
		defer close(batches)
		var after int64
		for {
			rs, err := u.store.PendingResponses(ctx, after, u.cfg.BatchSize)
			if err == nil && len(rs) == 0 {
				return
			}
			var b preparedBatch
			if err == nil {
				after = rs[len(rs)-1].Seq
				b, err = u.prepareBatch(ctx, rs, count)
			}
			if err != nil {
				prepErr <- err
				return
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	replies := make(chan confirmedBatch) // unbuffered: one batch is marked while the next is sent
	markErr := make(chan error, 1)
	go func() {
		var err error
		for c := range replies {
			if err != nil {
				continue // a failed mark stops the run; what follows stays pending
			}
			// Marking records what central already holds: a run cancelled in
			// the meantime still marks it, so that it is not sent again.
			if err = u.applyReply(context.WithoutCancel(ctx), c.rs, c.reply, res, count); err != nil {
				cancel()
			} else if u.cfg.Progress != nil {
				u.cfg.Progress(res.Sent, max(res.Buffered, res.Sent))
			}
		}
		markErr <- err
	}()
	var sendErr error
	for b := range batches {
		reply, err := u.sendBatch(ctx, b)
		if err != nil {
			sendErr = err
			break
		}
		replies <- confirmedBatch{rs: b.rs, reply: reply}
	}
	close(replies)
	if err := <-markErr; err != nil {
		sendErr = err // a local storage failure, and what cancelled any send after it
	}
	if sendErr != nil {
		cancel()
		for range batches { // let the reader stop; its batch stays pending
		}
		return sendErr
	}
	select {
	case err := <-prepErr:
		return err
	default:
		return parent.Err() // cancelled between batches: the rest stays pending
	}
}

// confirmedBatch is a batch central answered, waiting to be marked.
type confirmedBatch struct {
	rs    []survey.Response
	reply wire.BatchReply
}

// preparedBatch is a batch read from the buffer and encoded for sending.
type preparedBatch struct {
	rs   []survey.Response
	body []byte // gzip-compressed JSON
}

// pendingCount is the kiosk's pending count as each batch of a run is built
// (the batch's buffered). Counting the buffer for every batch made the upload
// of a large backlog quadratic: COUNT(*) over up to a million pending rows,
// two thousand times, was half of the kiosk's CPU. A run counts once, at its
// first batch (the count central's reconciliation shows), and then follows
// the changes it knows of: each response written since raises the chain
// head's sequence number by one, and each one central confirmed or refused is
// no longer pending.
type pendingCount struct {
	mu      sync.Mutex // the reader and the sender of a run share it
	counted bool
	first   int64 // counted at the first batch
	headSeq int64 // the chain head's sequence number then
	settled int64 // marked synced or refused since
}

// at returns the pending count now that the chain head is at headSeq.
func (p *pendingCount) at(ctx context.Context, store Store, headSeq int64) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.counted {
		return p.first - p.settled + (headSeq - p.headSeq), nil
	}
	n, err := store.CountPending(ctx)
	if err != nil {
		return 0, err
	}
	p.counted, p.first, p.headSeq = true, n, headSeq
	return n, nil
}

// prepareBatch names the chain head and the pending count, and encodes rs.
func (u *Uploader) prepareBatch(ctx context.Context, rs []survey.Response, count *pendingCount) (preparedBatch, error) {
	seq, hash, sig, err := u.store.ChainHead(ctx)
	if err != nil {
		return preparedBatch{}, err
	}
	// The head is sent as the database holds it. The uploader never signs it
	// itself: a head whose signature was cleared in the file must reach
	// central unsigned, where it is reported.
	pending, err := count.at(ctx, u.store, seq)
	if err != nil {
		return preparedBatch{}, err
	}
	b := wire.Batch{KioskID: u.cfg.KioskID, BatchMeta: survey.BatchMeta{BatchID: uuid.NewString(), SentAt: u.cfg.Now().UTC(),
		Buffered: pending, Head: survey.SignedHead{Seq: seq, Hash: hash, Signature: sig}}, Responses: make([]survey.Response, len(rs))}
	for i, r := range rs {
		r.KioskID, r.IdempotencyKey = u.cfg.KioskID, "" // the key is a local detail of the kiosk's forms
		b.Responses[i] = r
	}
	body, err := json.Marshal(b)
	if err != nil {
		return preparedBatch{}, fmt.Errorf("encode batch: %w", err)
	}
	return preparedBatch{rs: rs, body: gzipBody(body)}, nil
}

// sendBatch uploads a prepared batch and returns central's answer.
func (u *Uploader) sendBatch(ctx context.Context, b preparedBatch) (wire.BatchReply, error) {
	var reply wire.BatchReply
	data, err := u.c.doEncoded(ctx, http.MethodPost, wire.PathBatches, b.body, true)
	if err != nil {
		return reply, err
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		return reply, &Error{Msg: fmt.Sprintf("central's answer to a batch is not readable (%v); will retry", err)}
	}
	return reply, nil
}

// applyReply marks exactly the responses central confirmed.
func (u *Uploader) applyReply(ctx context.Context, rs []survey.Response, reply wire.BatchReply, res *Result, count *pendingCount) error {
	sent := map[string]bool{}
	for _, r := range rs {
		sent[r.ID] = true
	}
	var synced []string
	refused := map[string][]string{} // reason → ids
	for _, it := range reply.Results {
		if !sent[it.ID] {
			continue // not ours: ignore rather than mark something central never saw
		}
		switch it.Status {
		case survey.StatusStored, survey.StatusDuplicate:
			synced = append(synced, it.ID)
		case survey.StatusRefused:
			refused[it.Reason] = append(refused[it.Reason], it.ID)
		}
	}
	now := u.cfg.Now()
	if err := u.store.MarkSynced(ctx, synced, now); err != nil {
		return err
	}
	for reason, ids := range refused {
		u.log.Warn("central refused responses", "count", len(ids), "reason", reason)
		if err := u.store.MarkRefused(ctx, ids, reason, now); err != nil {
			return err
		}
	}
	count.mu.Lock()
	count.settled += int64(len(synced) + countIDs(refused))
	count.mu.Unlock()
	u.cfg.Metrics.SyncBatch(reply.IngestCounts)
	res.Sent += int64(len(rs))
	res.Stored += reply.Stored
	res.Duplicates += reply.Duplicates
	res.Refused += reply.Refused
	if missing := len(rs) - len(synced) - countIDs(refused); missing > 0 {
		u.log.Warn("central's answer left responses unconfirmed; they stay pending", "count", missing)
	}
	return nil
}

func countIDs(m map[string][]string) int {
	n := 0
	for _, ids := range m {
		n += len(ids)
	}
	return n
}

// Backoff bounds the retry delays of Run.
type Backoff struct {
	Base, Max time.Duration
}

// DefaultBackoff starts at 2 s and doubles up to 5 minutes.
var DefaultBackoff = Backoff{Base: 2 * time.Second, Max: 5 * time.Minute}

// delay returns the wait before retry attempt n (0-based): capped
// exponential, with ±50 % jitter so kiosks that failed together spread out.
func (b Backoff) delay(n int) time.Duration {
	d := b.Base << min(n, 30)
	if d <= 0 || d > b.Max {
		d = b.Max
	}
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// Run calls SyncOnce until it succeeds, a permanent error occurs, or ctx
// ends (its deadline bounds the night's window). Once the roster has been
// pulled, retries only upload, so each retry makes progress. It never gives
// up silently: the last error is returned and logged.
func (u *Uploader) Run(ctx context.Context, b Backoff) (Result, error) {
	var total Result
	for attempt := 0; ; attempt++ {
		res, err := u.attempt(ctx, steps{pull: !total.Pulled, learn: !total.learned, report: !total.HeadReported})
		total.add(res, attempt == 0)
		if err == nil || IsPermanent(err) {
			if err != nil {
				u.log.Error("sync stopped: a person must act", "err", err)
			}
			return total, err
		}
		wait := b.delay(attempt)
		u.log.Info("sync will retry", "attempt", attempt+1, "in", wait.Round(time.Millisecond), "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return total, fmt.Errorf("gave up after %d attempts: %w", attempt+1, err)
			}
			return total, err
		case <-t.C:
		}
	}
}

// add sums one attempt into a Run's result: counts add up, Buffered is the
// first attempt's and Pending the latest.
func (r *Result) add(a Result, first bool) {
	if first {
		r.Buffered = a.Buffered
	}
	r.Sent += a.Sent
	r.Stored += a.Stored
	r.Duplicates += a.Duplicates
	r.Refused += a.Refused
	r.Resent += a.Resent
	r.Pending = a.Pending
	r.Pulled = r.Pulled || a.Pulled
	r.learned = r.learned || a.learned
	r.HeadReported = r.HeadReported || a.HeadReported
	if a.Roster != (survey.ImportResult{}) {
		r.Roster = a.Roster
	}
}

// SetProgress sets the progress callback (before a run starts).
func (u *Uploader) SetProgress(f func(sent, total int64)) {
	u.runMu.Lock()
	u.cfg.Progress = f
	u.runMu.Unlock()
}
