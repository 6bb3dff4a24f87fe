package upload

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/skmkiosk/skm/survey"
)

// Scheduler runs the uploader on a cron schedule in Asia/Jakarta time, after
// a random delay (jitter) so thousands of kiosks do not arrive in the same
// second, retrying with backoff within the night's window.
type Scheduler struct {
	up      *Uploader
	cron    *cron.Cron
	spec    string
	jitter  time.Duration
	window  time.Duration
	backoff Backoff
	log     *slog.Logger
	// Heartbeat is how often the kiosk reports its signed head between
	// runs (0: never); set before Start.
	Heartbeat time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	active bool // a run (scheduled or triggered) is in progress
}

// ParseSchedule checks a cron expression (five fields, or a descriptor such as "@daily").
func ParseSchedule(spec string) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("sync.schedule: %q is not a cron expression such as \"0 2 * * *\": %v", spec, err)
	}
	return nil
}

// NewScheduler prepares (but does not start) the schedule.
func NewScheduler(up *Uploader, spec string, loc *time.Location, jitter, window time.Duration, log *slog.Logger) (*Scheduler, error) {
	if err := ParseSchedule(spec); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Scheduler{up: up, spec: spec, jitter: jitter, window: window, backoff: DefaultBackoff, log: log.With("component", "sync")}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	cl := cron.VerbosePrintfLogger(slogPrintf{s.log})
	s.cron = cron.New(cron.WithLocation(loc), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	if _, err := s.cron.AddFunc(spec, func() { s.run(true) }); err != nil {
		return nil, fmt.Errorf("sync.schedule: %w", err)
	}
	return s, nil
}

type slogPrintf struct{ log *slog.Logger }

func (p slogPrintf) Printf(format string, args ...any) { p.log.Debug(fmt.Sprintf(format, args...)) }

// Start starts the schedule, and the heartbeat when it has one.
func (s *Scheduler) Start() {
	s.cron.Start()
	if s.Heartbeat > 0 {
		s.wg.Add(1)
		go s.heartbeat(s.Heartbeat)
	}
}

// Stop stops the schedule and cancels a run in progress (its current batch is
// abandoned safely: unconfirmed responses stay pending), then waits for it.
// It cancels before waiting for cron: cron's Stop waits for a scheduled run
// to end, which (retrying within the night's window) could take hours.
func (s *Scheduler) Stop() {
	s.cancel()
	<-s.cron.Stop().Done()
	s.wg.Wait()
}

// Trigger starts a run now, in the background, unless one is in progress.
func (s *Scheduler) Trigger() {
	go s.run(false)
}

func (s *Scheduler) run(scheduled bool) {
	s.mu.Lock()
	if s.active || s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	s.active = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active = false
		s.mu.Unlock()
		s.wg.Done()
	}()
	if scheduled && s.jitter > 0 {
		wait := time.Duration(rand.Int64N(int64(s.jitter)))
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.window)
	defer cancel()
	if _, err := s.up.Run(ctx, s.backoff); err != nil {
		s.log.Error("sync window ended with responses still pending; the next scheduled run continues", "err", err)
	}
}

// Status returns the uploader's status with the schedule.
func (s *Scheduler) Status() survey.SyncStatus {
	st := s.up.Status()
	st.Schedule = s.spec
	return st
}
