package upload_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// batchGate is an HTTP proxy in front of central that counts batch uploads
// and can fail them from a given one on.
type batchGate struct {
	target   string
	client   *http.Client
	posts    atomic.Int64
	failFrom atomic.Int64  // the first batch answered 500 (0: none)
	second   chan struct{} // closed when the second batch arrives
}

func (g *batchGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == wire.PathBatches {
		n := g.posts.Add(1)
		if n == 2 {
			close(g.second)
		}
		if f := g.failFrom.Load(); f > 0 && n >= f {
			injectFailure(w)
			return
		}
	}
	forward(w, r, g.target, g.client)
}

// slowMarks is the kiosk's real store whose first MarkSynced waits for a
// signal (or gives up after a bound), standing in for a slow disk.
type slowMarks struct {
	*sqlite.KioskDB
	release <-chan struct{}
	waited  atomic.Bool
	timeout atomic.Bool
}

func (s *slowMarks) MarkSynced(ctx context.Context, ids []string, at time.Time) error {
	if !s.waited.Swap(true) {
		select {
		case <-s.release:
		case <-time.After(10 * time.Second):
			s.timeout.Store(true)
		}
	}
	return s.KioskDB.MarkSynced(ctx, ids, at)
}

// The next batch leaves as soon as central answered the previous one: the
// kiosk's local commit marking that one synced is no longer in the way.
func TestNextBatchSentWhilePreviousIsMarked(t *testing.T) {
	store := mustOpenSQLiteCentral(t)
	c := MustStartCentral(t, store)
	gate := &batchGate{target: c.URL, client: &http.Client{}, second: make(chan struct{})}
	proxy := httptest.NewServer(gate)
	defer proxy.Close()
	k0, secret := c.MustAddKiosk(t)
	k := MustNewKiosk(t, proxy.URL, k0.ID, secret, 10)
	k.MustRate(t, 30)
	slow := &slowMarks{KioskDB: k.DB, release: gate.second}
	up := upload.New(slow, upload.Config{BaseURL: proxy.URL, KioskID: k.ID, Key: k.Key, BatchSize: 10, Logger: quietLog,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	res, err := up.SyncOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if slow.timeout.Load() {
		t.Error("the second batch was not sent while the first was being marked")
	}
	if res.Sent != 30 || res.Stored != 30 || gate.posts.Load() != 3 {
		t.Errorf("sent %d, stored %d in %d requests; want 30, 30 in 3", res.Sent, res.Stored, gate.posts.Load())
	}
	AssertExactlyOnce(t, store, k)
}

// A batch central confirmed is marked even when the next one fails, so that
// the next run sends only what central does not hold.
func TestConfirmedBatchMarkedWhenNextFails(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		gate := &batchGate{target: c.URL, client: &http.Client{}, second: make(chan struct{})}
		gate.failFrom.Store(2)
		proxy := httptest.NewServer(gate)
		defer proxy.Close()
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, proxy.URL, k0.ID, secret, 10)
		k.MustRate(t, 30)
		res, err := k.Up.SyncOnce(context.Background())
		if err == nil {
			t.Fatal("a run whose second batch got 500 reported success")
		}
		if res.Sent != 10 || res.Pending != 20 {
			t.Errorf("sent %d, pending %d after the failed run; want 10 and 20", res.Sent, res.Pending)
		}
		if n, err := store.CountResponses(context.Background(), k.ID); err != nil || n != 10 {
			t.Errorf("central holds %d (%v), want 10", n, err)
		}
		gate.failFrom.Store(0)
		res, err = k.Up.SyncOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 20 || res.Duplicates != 0 {
			t.Errorf("second run sent %d with %d duplicates; want 20 and none", res.Sent, res.Duplicates)
		}
		AssertExactlyOnce(t, store, k)
	})
}

// failingMarks is the kiosk's real store whose second MarkSynced fails, as
// a full disk would.
type failingMarks struct {
	*sqlite.KioskDB
	calls atomic.Int64
}

var errDiskFull = errors.New("disk full")

func (s *failingMarks) MarkSynced(ctx context.Context, ids []string, at time.Time) error {
	if s.calls.Add(1) == 2 {
		return errDiskFull
	}
	return s.KioskDB.MarkSynced(ctx, ids, at)
}

// A batch the kiosk cannot mark stops the run with that failure (not with
// the cancellation it causes); the next run sends the unmarked ones again
// and central answers them as duplicates.
func TestMarkingFailureStopsTheRun(t *testing.T) {
	store := mustOpenSQLiteCentral(t)
	c := MustStartCentral(t, store)
	k0, secret := c.MustAddKiosk(t)
	k := MustNewKiosk(t, c.URL, k0.ID, secret, 10)
	k.MustRate(t, 50)
	failing := &failingMarks{KioskDB: k.DB}
	up := upload.New(failing, upload.Config{BaseURL: c.URL, KioskID: k.ID, Key: k.Key, BatchSize: 10, Logger: quietLog,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	res, err := up.SyncOnce(context.Background())
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("err = %v, want the marking's failure", err)
	}
	if res.Sent != 10 || res.Pending != 40 {
		t.Errorf("sent %d, pending %d; want only the first batch marked (10) and 40 pending", res.Sent, res.Pending)
	}
	held, err := store.CountResponses(context.Background(), k.ID)
	if err != nil || held < 20 || held == 50 {
		t.Errorf("central holds %d (%v): want the batch that could not be marked and not all five", held, err)
	}
	res, err = k.Up.SyncOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Central may still have stored the batch in flight when the run
	// stopped, so the duplicates are at least the unmarked batch's.
	if res.Sent != 40 || res.Duplicates < 10 {
		t.Errorf("second run sent %d with %d duplicates; want 40 with at least 10", res.Sent, res.Duplicates)
	}
	AssertExactlyOnce(t, store, k)
}
