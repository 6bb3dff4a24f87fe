package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// Helpers of the process tests: a kiosk configuration for the binary, and
// clients that submit ratings over real HTTP and keep a ledger of every
// answer, checked afterwards against the database file.

// MustKioskConfigFile writes a configuration for the kiosk binary: addr,
// database, JSON logs, static-QR limits off (every client shares
// 127.0.0.1), plus extra TOML appended at the end.
func MustKioskConfigFile(tb testing.TB, addr, database, extra string) string {
	tb.Helper()
	text := fmt.Sprintf(`listen = '%s'
database = '%s'
[log]
format = "json"
[limits]
per_device = 0
per_address = 0
burst_count = 0
no_visit_window = "0s"
%s
`, addr, database, extra)
	return MustWriteFile(tb, tb.TempDir(), "kiosk.toml", text)
}

// MustImportRoster imports the test roster (Siti and Budi) with the binary.
func MustImportRoster(tb testing.TB, bin, cfgPath string) {
	tb.Helper()
	proctest.MustRun(tb, bin, "-config", cfgPath, "staff", "import", MustWriteFile(tb, tb.TempDir(), "roster.csv", roster))
}

// rating is one submission a test sends and later looks for.
type rating struct {
	Key     string
	NIP     string
	Ratings survey.Ratings
}

// newRating derives a rating's answers and staff member from its key, so
// that content differs between ratings and a mix-up shows.
func newRating(key string) rating {
	h := fnv.New32a()
	h.Write([]byte(key))
	v := h.Sum32()
	r := rating{Key: key, NIP: nipSiti}
	if v%2 == 1 {
		r.NIP = nipBudi
	}
	for i := range r.Ratings {
		r.Ratings[i] = int8(1 + (v>>(2*i))%4)
	}
	return r
}

func (r rating) body() []byte {
	b, _ := json.Marshal(map[string]any{"nip": r.NIP, "service": "KTPEL_BARU", "ratings": r.Ratings,
		"comment": "komentar " + r.Key, "idempotency_key": r.Key})
	return b
}

// answer is what one submission got: a status with the stored id and
// sequence number, or no answer at all (Err).
type answer struct {
	Status int
	ID     string
	Seq    int64
	Body   string
	Err    error
}

// submit posts r to POST /api/v1/responses.
func submit(client *http.Client, base string, r rating) answer {
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/responses", bytes.NewReader(r.body()))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return answer{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{Err: err}
	}
	a := answer{Status: resp.StatusCode, Body: string(b)}
	if a.Status == http.StatusCreated || a.Status == http.StatusOK {
		var reply struct {
			ID  string `json:"id"`
			Seq int64  `json:"seq"`
		}
		if err := json.Unmarshal(b, &reply); err != nil || reply.ID == "" {
			a.Err = fmt.Errorf("a %d without id: %s", a.Status, b)
		}
		a.ID, a.Seq = reply.ID, reply.Seq
	}
	return a
}

// ledger records what every submission got, from many goroutines.
type ledger struct {
	mu      sync.Mutex
	ratings map[string]rating
	stored  map[string]answer // keys answered 201 or 200: stored, with the id and seq central must find
	open    map[string]bool   // keys with no answer, or a 503: not known to be stored
	other   map[string]answer // keys refused otherwise
	created atomic.Int64
}

func newLedger() *ledger {
	return &ledger{ratings: map[string]rating{}, stored: map[string]answer{}, open: map[string]bool{}, other: map[string]answer{}}
}

// record notes a's answer to r; it returns an error for an answer that
// contradicts an earlier one (a second id for a key).
func (l *ledger) record(r rating, a answer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ratings[r.Key] = r
	switch {
	case a.Err == nil && (a.Status == http.StatusCreated || a.Status == http.StatusOK):
		if prev, ok := l.stored[r.Key]; ok && (prev.ID != a.ID || prev.Seq != a.Seq) {
			return fmt.Errorf("key %s: stored as %s/%d, then answered %d with %s/%d", r.Key, prev.ID, prev.Seq, a.Status, a.ID, a.Seq)
		}
		if a.Status == http.StatusCreated {
			if _, ok := l.stored[r.Key]; ok {
				return fmt.Errorf("key %s answered 201 twice", r.Key)
			}
			l.created.Add(1)
		}
		l.stored[r.Key] = a
		delete(l.open, r.Key)
	case a.Err != nil || a.Status == http.StatusServiceUnavailable:
		if _, ok := l.stored[r.Key]; !ok {
			l.open[r.Key] = true
		}
	default:
		l.other[r.Key] = a
	}
	return nil
}

// openKeys returns the ratings whose fate is unknown.
func (l *ledger) openKeys() []rating {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []rating
	for k := range l.open {
		out = append(out, l.ratings[k])
	}
	return out
}

// driveLoad starts clients that each submit new ratings (keys prefix-c-i)
// as fast as the kiosk answers, until stop is closed or a request gets no
// answer; wait waits for them.
func driveLoad(tb testing.TB, base string, clients int, prefix string, l *ledger, stop <-chan struct{}) (wait func()) {
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			client := &http.Client{Timeout: 30 * time.Second}
			defer client.CloseIdleConnections()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := newRating(fmt.Sprintf("%s-c%d-%d", prefix, c, i))
				a := submit(client, base, r)
				if err := l.record(r, a); err != nil {
					tb.Error(err)
					return
				}
				if a.Err != nil {
					return // the kiosk is gone: this client's last rating stays open
				}
			}
		})
	}
	return wg.Wait
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(timeout); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, bounded by the deadline
	}
}

// retryOpen resends every rating whose fate is unknown, with its key: each
// must now be stored (201), or turn out stored before (200, a replay).
func retryOpen(tb testing.TB, base string, l *ledger) (created, replayed int) {
	tb.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	for _, r := range l.openKeys() {
		a := submit(client, base, r)
		if a.Err != nil || (a.Status != http.StatusCreated && a.Status != http.StatusOK) {
			tb.Fatalf("retry of %s: %d %v %s", r.Key, a.Status, a.Err, a.Body)
		}
		if a.Status == http.StatusCreated {
			created++
		} else {
			replayed++
		}
		if err := l.record(r, a); err != nil {
			tb.Error(err)
		}
	}
	return created, replayed
}

// MustVerifyKioskFile opens the kiosk database at path (the kiosk stopped)
// and checks it against the ledger: every stored key present once with its
// id, sequence number and content; nothing else stored; sequence numbers
// 1..n with an unbroken hash chain; PRAGMA integrity_check ok.
func MustVerifyKioskFile(tb testing.TB, path string, l *ledger) {
	tb.Helper()
	ctx := context.Background()
	if res, err := sqlite.IntegrityCheckFile(ctx, path); err != nil || res != "ok" {
		tb.Fatalf("integrity_check = %q, %v", res, err)
	}
	db, err := sqlite.OpenKiosk(ctx, path, sqlite.KioskOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if res, err := db.IntegrityCheck(ctx); err != nil || res != "ok" {
		tb.Fatalf("integrity_check = %q, %v", res, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, a := range l.stored {
		r, err := db.ResponseByID(ctx, a.ID)
		if err != nil {
			tb.Errorf("key %s was answered %d with id %s, which is not stored: %v", key, a.Status, a.ID, err)
			continue
		}
		want := l.ratings[key]
		// The kiosk stores a client's key with its client's mark (docs/api.md).
		if r.Seq != a.Seq || !strings.HasPrefix(r.IdempotencyKey, key+"~") || r.NIP != want.NIP || r.Ratings != want.Ratings || r.Comment != "komentar "+key {
			tb.Errorf("key %s: stored %+v differs from what was sent and answered (seq %d)", key, r, a.Seq)
		}
	}
	n, err := db.CountResponses(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if n != int64(len(l.stored)) {
		tb.Errorf("the file holds %d responses, %d keys were answered as stored", n, len(l.stored))
	}
	MustVerifyChain(tb, db, n)
}

// MustVerifyChain checks that the n responses are seq 1..n, each linked to
// the one before by its hash, and that the chain head is the last.
func MustVerifyChain(tb testing.TB, db *sqlite.KioskDB, n int64) {
	tb.Helper()
	ctx := context.Background()
	prev, seq := "", int64(0)
	for {
		rs, err := db.PendingResponses(ctx, seq, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			if r.Seq != seq+1 || r.PrevHash != prev || r.Hash != r.ChainHash(prev) {
				tb.Fatalf("chain broken at seq %d (after %d)", r.Seq, seq)
			}
			prev, seq = r.Hash, r.Seq
		}
	}
	if seq != n {
		tb.Errorf("the chain holds %d pending responses, the file %d", seq, n)
	}
	if head, hash, _, err := db.ChainHead(ctx); err != nil || head != seq || hash != prev {
		tb.Errorf("chain head %d (%v) is not the last response %d", head, err, seq)
	}
}

// MustExist fails unless path exists.
func MustExist(tb testing.TB, path string) {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		tb.Fatal(err)
	}
}

// dataDir returns a fresh folder for a kiosk's database.
func dataDir(tb testing.TB) string {
	tb.Helper()
	d := filepath.Join(tb.TempDir(), "data")
	if err := os.MkdirAll(d, 0o750); err != nil {
		tb.Fatal(err)
	}
	return d
}
