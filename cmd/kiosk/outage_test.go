package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/store/sqlite"
)

// outageSize is the backlog of the long-outage test: 20,000 ratings by
// default, SKM_OUTAGE_RESPONSES=200000 for the full size (about
// two minutes more).
func outageSize(tb testing.TB) int {
	if v := os.Getenv("SKM_OUTAGE_RESPONSES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			tb.Fatalf("SKM_OUTAGE_RESPONSES=%q: want a number of at least 1000", v)
		}
		return n
	}
	return 20000
}

// mustAccept submits n new ratings with several clients; every one must be 201.
func mustAccept(tb testing.TB, base, prefix string, n int) {
	tb.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			client := &http.Client{Timeout: 30 * time.Second}
			defer client.CloseIdleConnections()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				r := newRating(fmt.Sprintf("%s-%d", prefix, i))
				if a := submit(client, base, r); a.Status != http.StatusCreated {
					tb.Errorf("client %d, rating %d with central away: %d %v %s", c, i, a.Status, a.Err, a.Body)
					return
				}
			}
		})
	}
	wg.Wait()
}

// mustPending reads the pending count from /healthz.
func mustPending(tb testing.TB, base string) int64 {
	tb.Helper()
	_, body := MustGet(tb, base+"/healthz")
	var h struct {
		Pending int64 `json:"pending"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		tb.Fatalf("/healthz: %v: %s", err, body)
	}
	return h.Pending
}

// Central is unreachable for a long time: the kiosk keeps accepting every
// rating; when central returns, `kiosk sync` uploads the whole backlog
// (stored once each at central, nothing pending) in batches read one at a
// time, so its peak memory does not grow with the backlog: it is compared
// with the same command's peak on a backlog twenty times smaller.
func TestLongOutageBacklogSyncs(t *testing.T) {
	n := outageSize(t)
	kbin, cbin := proctest.Kiosk(t), proctest.Central(t)
	caddr := proctest.FreeAddr(t)
	cdb := filepath.Join(t.TempDir(), "central.db")
	ccfg := MustWriteFile(t, t.TempDir(), "central.toml", fmt.Sprintf("listen = '%s'\ndatabase = '%s'\n[log]\nformat = \"json\"\n", caddr, cdb))
	proctest.MustRun(t, cbin, "-config", ccfg, "office", "add", "Disdukcapil")
	proctest.MustRun(t, cbin, "-config", ccfg, "staff", "import", "--office", "Disdukcapil", MustWriteFile(t, t.TempDir(), "roster.csv", roster))
	var k struct {
		KioskID string `json:"kiosk_id"`
		Secret  string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(proctest.MustRun(t, cbin, "-config", ccfg, "kiosk", "add", "--office", "Disdukcapil", "--json")), &k); err != nil {
		t.Fatal(err)
	}

	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	db := filepath.Join(dataDir(t), "kiosk.db")
	cfg := MustKioskConfigFile(t, addr, db, fmt.Sprintf("[central]\nurl = 'http://%s'\nkiosk_id = %q\nsecret = %q\n[sync]\ntimeout = \"30m\"\n", caddr, k.KioskID, k.Secret))
	MustImportRoster(t, kbin, cfg)
	p := proctest.Start(t, base, kbin, "-config", cfg)
	syncNow := func(want int) int64 {
		t.Helper()
		cp := proctest.Start(t, "http://"+caddr, cbin, "-config", ccfg)
		start := time.Now()
		out, code, rss := proctest.RunMeasured(t, 30*time.Minute, kbin, "-config", cfg, "sync")
		if code != 0 || !strings.Contains(out, fmt.Sprintf("%d sent, %d stored", want, want)) || !strings.Contains(out, "0 still pending") {
			t.Fatalf("kiosk sync of %d: exit %d\n%s", want, code, proctest.Tail(out))
		}
		cp.Stop(t)
		t.Logf("kiosk sync of a backlog of %d: peak RSS %.1f MiB (%s)", want, float64(rss)/(1<<20), time.Since(start).Round(time.Second))
		return rss
	}

	small := n / 20
	mustAccept(t, base, "small", small)
	smallRSS := syncNow(small)
	start := time.Now()
	mustAccept(t, base, "outage", n)
	t.Logf("accepted %d ratings with central unreachable in %s; the kiosk's peak RSS so far %.1f MiB",
		n, time.Since(start).Round(time.Second), float64(p.PeakRSS(t))/(1<<20))
	if got := mustPending(t, base); got != int64(n) {
		t.Fatalf("pending = %d, want %d", got, n)
	}
	bigRSS := syncNow(n)
	if got := mustPending(t, base); got != 0 {
		t.Errorf("pending after the sync = %d", got)
	}
	p.Stop(t)
	// Flat: a backlog 20 times larger may not need much more memory. Holding
	// it all would take well over 1 KiB per rating.
	if limit := smallRSS + smallRSS/2 + int64(n)*256; bigRSS > limit {
		t.Errorf("peak RSS %d bytes for %d ratings vs %d for %d: memory grows with the backlog", bigRSS, n, smallRSS, small)
	}

	store, err := sqlite.OpenCentral(context.Background(), cdb, sqlite.CentralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if got, err := store.CountResponses(context.Background(), k.KioskID); err != nil || got != int64(n+small) {
		t.Errorf("central holds %d responses (%v), want %d", got, err, n+small)
	}
	if gaps, err := store.FindGaps(context.Background(), k.KioskID); err != nil || len(gaps) != 0 {
		t.Errorf("gaps at central: %+v %v", gaps, err)
	}
}
