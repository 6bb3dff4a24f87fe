package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// DefaultClockLimit is central's default clock_skew_limit, used until
// central has said its own.
const DefaultClockLimit = 10 * time.Minute

// Exchange asks central what it holds and heard of from this kiosk,
// continues the kiosk's chain above it when the kiosk is behind (its file
// was restored from a backup), and reports the kiosk's signed head and
// every segment of its chain. Every sync attempt does it first; the
// heartbeat does it between attempts, and the kiosk at start.
func (u *Uploader) Exchange(ctx context.Context) error {
	u.runMu.Lock()
	defer u.runMu.Unlock()
	return u.exchangeHead(ctx)
}

// beat is one heartbeat: an Exchange, unless a sync attempt (which makes its
// own) is running.
func (u *Uploader) beat(ctx context.Context) error {
	if !u.runMu.TryLock() {
		return nil
	}
	defer u.runMu.Unlock()
	return u.exchangeHead(ctx)
}

func (u *Uploader) exchangeHead(ctx context.Context) error {
	if err := u.learnHead(ctx); err != nil {
		return err
	}
	return u.reportHead(ctx)
}

// learnHead asks central what it holds and heard of from this kiosk and,
// when the kiosk is behind (or its file is a restored backup), continues
// the chain above it.
func (u *Uploader) learnHead(ctx context.Context) error {
	seq, _, _, err := u.store.ChainHead(ctx)
	if err != nil {
		return err
	}
	data, err := u.c.do(ctx, http.MethodGet, wire.PathHead+"?after="+strconv.FormatInt(seq, 10), nil, false)
	var se *Error
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		u.log.Warn("central does not take head reports yet: upgrade central (docs/operations.md, upgrade)")
		u.oldCentral.Store(true)
		return nil
	}
	if err != nil {
		return err
	}
	var st wire.ChainState
	if err := json.Unmarshal(data, &st); err != nil {
		return &Error{Msg: fmt.Sprintf("central's chain state is not readable (%v); will retry", err)}
	}
	u.clockLimit.Store(st.ClockSkewLimitSeconds)
	taken, restored, err := u.store.RestoredFrom(ctx)
	if err != nil {
		return err
	}
	if restored || st.Highest() > seq {
		reason := fmt.Sprintf("central holds or heard of entries up to %d, above this file's last one", st.Highest())
		if restored {
			reason = "restored from a backup taken " + taken.UTC().Format(time.RFC3339)
		}
		seg, err := u.store.Rebase(ctx, st.Highest(), true, st.HeldAfter, reason)
		if err != nil {
			return err
		}
		if seg != nil {
			u.log.Warn("this kiosk's database is behind central (restored from a backup?): numbering continues above everything central holds; ratings it lacks that central holds are kept there",
				"file_seq", seg.PrevSeq, "central_seq", st.Highest(), "held_at_central", st.HeldAfter, "next_seq", seg.Seq+1)
		}
	}
	return nil
}

// reportHead sends the kiosk's signed head and every segment of its chain.
func (u *Uploader) reportHead(ctx context.Context) error {
	if u.oldCentral.Load() {
		return nil
	}
	seq, hash, sig, err := u.store.ChainHead(ctx)
	if err != nil {
		return err
	}
	segs, err := u.store.Segments(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(wire.HeadReport{KioskID: u.cfg.KioskID, SentAt: u.cfg.Now().UTC(),
		Head: survey.SignedHead{Seq: seq, Hash: hash, Signature: sig}, Segments: segs})
	if err != nil {
		return fmt.Errorf("encode head report: %w", err)
	}
	if _, err := u.c.do(ctx, http.MethodPost, wire.PathHead, body, true); err != nil {
		return err
	}
	if err := u.store.SetCentralHead(ctx, seq, hash); err != nil {
		return err
	}
	now := u.cfg.Now()
	u.setStatus(func(s *survey.SyncStatus) { s.LastHeartbeat = now })
	return nil
}

// Clock compares this computer's clock with central's, as last seen.
func (u *Uploader) Clock() survey.ClockStatus {
	limit := time.Duration(u.clockLimit.Load()) * time.Second
	if limit <= 0 {
		limit = DefaultClockLimit
	}
	st := survey.ClockStatus{Status: survey.ClockUnknown, LimitSeconds: int64(limit / time.Second)}
	if !u.c.clockKnown.Load() {
		return st
	}
	skew := time.Duration(u.c.skew.Load())
	st.SkewSeconds, st.Status = int64(skew/time.Second), survey.ClockOK
	if skew > limit || skew < -limit {
		st.Status = survey.ClockOff
	}
	return st
}

// ClockError returns an error naming the difference when this computer's
// clock is off central's by more than central's limit, else nil.
func (u *Uploader) ClockError() error {
	c := u.Clock()
	if c.Status != survey.ClockOff {
		return nil
	}
	return fmt.Errorf("this computer's clock is %s off central's (limit %s): set its date, time and time zone (Linux: timedatectl set-ntp true; Windows: w32tm /resync); until then central flags its ratings \"clock\"",
		(time.Duration(c.SkewSeconds) * time.Second).Round(time.Minute).String(), (time.Duration(c.LimitSeconds) * time.Second).String())
}

// heartbeat reports the kiosk's head every interval while central answers,
// first at once; while it does not, it waits longer each time (doubling,
// with jitter, up to an hour) and logs only the change.
func (s *Scheduler) heartbeat(every time.Duration) {
	defer s.wg.Done()
	var wait time.Duration
	failures := 0
	for {
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, min(every, time.Minute))
		err := s.up.beat(ctx)
		cancel()
		switch {
		case err == nil:
			if failures > 0 {
				s.log.Info("heartbeat: central answers again")
			}
			failures, wait = 0, every
		case s.ctx.Err() != nil:
			return
		default:
			if failures == 0 {
				s.log.Warn("heartbeat: central did not take the kiosk's head; trying less often until it answers", "err", err)
			}
			failures++
			wait = min(every<<min(failures, 10), time.Hour)
			wait = time.Duration(float64(wait) * (0.75 + rand.Float64()/2))
		}
	}
}
