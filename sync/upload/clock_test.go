package upload_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
)

// kioskClock is a front-desk PC's clock that the test sets and jumps.
type kioskClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *kioskClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *kioskClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// MustStartCentralWith serves central with cfg over store, at the real time,
// with the harness's office and roster.
func MustStartCentralWith(t *testing.T, store survey.CentralStore, cfg central.Config) *centralHarness {
	t.Helper()
	h := MustStartCentral(t, store)
	h.stop()
	srv, err := central.NewServer(cfg, store, central.Options{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.srv, h.ln, h.done, h.URL = srv, ln, make(chan error, 1), "http://"+ln.Addr().String()
	go func() { h.done <- srv.Serve(ln) }()
	return h
}

// MustNewKioskWithClock is MustNewKiosk with the kiosk's clock (database and uploader).
func MustNewKioskWithClock(t *testing.T, url, kioskID, secret string, clock func() time.Time) *kioskHarness {
	t.Helper()
	return mustNewKiosk(t, url, kioskID, secret, 4, clock)
}

// A front-desk clock two hours fast, which then jumps back three hours in
// the middle of the day: the kiosk still syncs (it signs with central's
// time, which central sends on every answer), central records its own
// receive time and one clock_skew finding naming the kiosk, and the
// sequence numbers, not the times, order the responses: the hash chain
// links in seq order (no chain_break), no gap is reported, and every
// response is stored once. Each response whose time cannot be right (made
// after central received it, or before the kiosk was registered) is
// flagged clock and listed with its range, so reports can leave it out;
// the kiosk knows its clock is off. A limit above the skew records nothing.
func TestWrongKioskClockSyncsAndIsFlagged(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		ctx := context.Background()
		store := open(t)
		cfg := central.DefaultConfig()
		cfg.Sync.ClockSkewLimit = survey.Duration(15 * time.Minute)
		c := MustStartCentralWith(t, store, cfg)
		k0, secret := c.MustAddKiosk(t)
		clock := &kioskClock{t: time.Now().Add(2 * time.Hour)}
		k := MustNewKioskWithClock(t, c.URL, k0.ID, secret, clock.Now)

		k.MustRate(t, 5)
		clock.Set(time.Now().Add(-time.Hour)) // the clock jumps back mid-day
		k.MustRate(t, 5)
		first, _ := k.DB.ResponseByID(ctx, k.ids[0])
		last, _ := k.DB.ResponseByID(ctx, k.ids[9])
		if !last.CreatedAt.Before(first.CreatedAt) || last.Seq != 10 {
			t.Fatalf("the test needs seq 10 created before seq 1: %v, %v", first.CreatedAt, last.CreatedAt)
		}
		before := time.Now()
		res, err := k.Up.Run(ctx, fastBackoff)
		if err != nil {
			t.Fatalf("sync with a kiosk clock an hour off: %v", err)
		}
		if res.Stored != 10 {
			t.Errorf("result %+v, want 10 stored", res)
		}
		clockFlagged := map[string]bool{}
		for _, id := range k.ids {
			clockFlagged[id] = true // 1–5 made "two hours from now", 6–10 "before the kiosk was registered"
		}
		AssertExactlyOnceFlagged(t, store, clockFlagged, k)
		if c := k.Up.Clock(); c.Status != survey.ClockOff || c.SkewSeconds > -3500 || c.SkewSeconds < -3700 || c.LimitSeconds != 900 {
			t.Errorf("the kiosk's view of its clock: %+v, want off by about -1h against central's 15m", c)
		}
		if err := k.Up.ClockError(); err == nil || !strings.Contains(err.Error(), "clock is -1h") {
			t.Errorf("ClockError = %v, want one naming the hour", err)
		}

		findings, err := store.FindFindings(ctx, survey.FindingFilter{KioskID: k.ID})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		var clockSeqs int64
		for _, f := range findings {
			kinds[f.Kind]++
			if f.Kind == survey.FindingClock {
				clockSeqs += f.ToSeq - f.FromSeq + 1
			}
		}
		if len(kinds) != 2 || kinds[survey.FindingClockSkew] != 1 || clockSeqs != 10 {
			t.Fatalf("findings = %+v, want one clock_skew and clock ranges covering the 10 responses (no chain_break: seq orders the chain)", findings)
		}
		if gaps, err := store.FindGaps(ctx, k.ID); err != nil || len(gaps) != 0 {
			t.Errorf("gaps = %+v %v, want none", gaps, err)
		}
		kiosk, err := store.KioskByID(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := kiosk.ClockSkew + time.Hour; d < -time.Minute || d > time.Minute {
			t.Errorf("central records the kiosk's clock as %s off, want about -1h", kiosk.ClockSkew)
		}
		stored, err := store.ResponseByID(ctx, k.ids[9])
		if err != nil {
			t.Fatal(err)
		}
		if stored.ReceivedAt.Before(before.Add(-time.Minute)) || stored.ReceivedAt.After(time.Now().Add(time.Minute)) ||
			!stored.CreatedAt.Equal(last.CreatedAt) || stored.Seq != 10 {
			t.Errorf("stored: received %v (central's clock, want about %v), created %v (the kiosk's), seq %d",
				stored.ReceivedAt, before, stored.CreatedAt, stored.Seq)
		}

		// Set right again: the next sync records no new finding, and the
		// kiosk's recorded skew is back near zero.
		clock.Set(time.Now())
		k.MustRate(t, 2)
		if _, err := k.Up.Run(ctx, fastBackoff); err != nil {
			t.Fatal(err)
		}
		AssertExactlyOnceFlagged(t, store, clockFlagged, k) // the two new ones are clean
		if c := k.Up.Clock(); c.Status != survey.ClockOK || k.Up.ClockError() != nil {
			t.Errorf("the kiosk's clock set right: %+v", c)
		}
		if n := countFindings(t, store, k.ID, survey.FindingClockSkew); n != 1 {
			t.Errorf("%d clock_skew findings after the clock was set right, want still 1", n)
		}
		if kiosk, _ = store.KioskByID(ctx, k.ID); kiosk.ClockSkew > time.Minute || kiosk.ClockSkew < -time.Minute {
			t.Errorf("skew after the fix = %s", kiosk.ClockSkew)
		}

		// Another kiosk ten minutes off, under the fifteen-minute limit: synced, not flagged.
		k1, secret1 := c.MustAddKiosk(t)
		near := MustNewKioskWithClock(t, c.URL, k1.ID, secret1, (&kioskClock{t: time.Now().Add(-10 * time.Minute)}).Now)
		near.MustRate(t, 3)
		if _, err := near.Up.Run(ctx, fastBackoff); err != nil {
			t.Fatal(err)
		}
		if n := countFindings(t, store, near.ID, ""); n != 0 {
			t.Errorf("a kiosk inside the limit has %d findings", n)
		}
	})
}

func countFindings(t *testing.T, store survey.CentralStore, kioskID, kind string) int {
	t.Helper()
	fs, err := store.FindFindings(context.Background(), survey.FindingFilter{KioskID: kioskID, Kind: kind})
	if err != nil {
		t.Fatal(fmt.Errorf("find findings: %w", err))
	}
	return len(fs)
}

// A front-desk PC whose clock fell back to 2009 (a flat CMOS battery):
// central's roster names a staff member appointed in December 2010 (NIP
// 198512252010122003), an appointment "in the future" by the kiosk's
// clock. The roster is checked against central's clock, so the sync does
// not fail; the kiosk knows its clock is off, and says so.
func TestRosterCheckIgnoresTheKioskClock(t *testing.T) {
	store := mustOpenSQLiteCentral(t)
	c := MustStartCentral(t, store)
	k0, secret := c.MustAddKiosk(t)
	clock := &kioskClock{t: time.Now()}
	k := MustNewKioskWithClock(t, c.URL, k0.ID, secret, clock.Now)
	clock.Set(time.Date(2009, 1, 1, 9, 0, 0, 0, time.UTC)) // the battery dies
	k.MustRate(t, 2)
	res, err := k.Up.SyncOnce(context.Background())
	if err != nil || res.Roster.Updated != 2 || res.Stored != 2 {
		t.Fatalf("sync with the kiosk's clock in 2009: %+v, %v", res, err)
	}
	if c := k.Up.Clock(); c.Status != survey.ClockOff || c.SkewSeconds > -365*24*3600 {
		t.Errorf("clock %+v, want off by years", c)
	}
	if err := k.Up.ClockError(); err == nil || !strings.Contains(err.Error(), "timedatectl") {
		t.Errorf("ClockError = %v", err)
	}
}

// The heartbeat reports the kiosk's signed head between runs, every
// interval, without uploading a rating; central keeps each new head in its
// history. (An empty chain has no head to keep.)
func TestHeartbeatReportsTheHead(t *testing.T) {
	store := mustOpenSQLiteCentral(t)
	c := MustStartCentral(t, store)
	k0, secret := c.MustAddKiosk(t)
	k := MustNewKiosk(t, c.URL, k0.ID, secret, 10)
	s, err := upload.NewScheduler(k.Up, "0 2 * * *", time.UTC, 0, time.Minute, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	s.Heartbeat = 20 * time.Millisecond // the configuration allows 10 s at least; a test need not wait
	s.Start()
	defer s.Stop()
	waitHead := func(seq int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			heads, err := store.FindHeads(context.Background(), k.ID, 1)
			if err == nil && len(heads) == 1 && heads[0].Seq == seq && heads[0].Source == survey.HeadFromSync {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("central's latest head = %+v (%v), want %d from the kiosk", heads, err, seq)
			}
			time.Sleep(10 * time.Millisecond) // polling an observable condition with a deadline
		}
	}
	k.MustRate(t, 3)
	waitHead(3)
	k.MustRate(t, 2)
	waitHead(5)
	if n, _ := store.CountResponses(context.Background(), k.ID); n != 0 {
		t.Errorf("the heartbeat uploaded %d ratings; only sync runs do", n)
	}
	// The kiosk records the heartbeat once central has answered it.
	for deadline := time.Now().Add(10 * time.Second); k.Up.Status().LastHeartbeat.IsZero(); {
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, want the last heartbeat", k.Up.Status())
		}
		time.Sleep(10 * time.Millisecond) // polling an observable condition with a deadline
	}
}
