package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/sync/wire"
)

// docs/operations.md's bounds on central's memory at the default settings:
// under any flood from clients that know no kiosk id, and the most each
// kiosk id such a client knows (not its key) adds: one body of at most
// 32 MiB read at a time, and the garbage collector's headroom (GOGC=300).
const (
	centralMemoryBound = 256 << 20
	perKnownKioskID    = 128 << 20
)

// The 24 × 40 MiB to the sync endpoint, and more: bodies within the
// limit without credentials, and large forms to the login and set-up, from
// five addresses at once; then bodies with two known kiosk ids and a forged
// signature, declared and in chunks. Every one is refused (4xx, 503 for a
// kiosk already uploading, or the connection closed on a body central would
// not read); central's peak resident memory stays under the documented
// bounds, and a real kiosk's upload goes through afterwards.
func TestCentralFloodStaysUnderTheMemoryBound(t *testing.T) {
	bin := proctest.Central(t)
	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	cfg := MustCentralConfigFile(t, addr, filepath.Join(t.TempDir(), "central.db"))
	ids := MustSetUpOffice(t, bin, cfg, 3)
	p := proctest.Start(t, base, bin, "-config", cfg)
	k := MustNewKiosk(t, base, ids[0][0], ids[0][1])
	k.MustRate(t, 50)
	if _, err := k.Up.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	idle := p.PeakRSS(t)

	forged := func(id string) string {
		return wire.HeaderKiosk + ": " + id + "\r\n" + wire.HeaderTimestamp + ": " + strconv.FormatInt(time.Now().Unix(), 10) + "\r\n" +
			wire.HeaderSignature + ": " + base64.StdEncoding.EncodeToString(make([]byte, 64)) + "\r\nContent-Type: application/json\r\n"
	}
	form := "Content-Type: application/x-www-form-urlencoded\r\n"
	counts := proctest.Flood(t, addr, 5, 1280, 48,
		proctest.Post{Path: wire.PathBatches, Size: 40 << 20},
		proctest.Post{Path: wire.PathBatches, Size: 30 << 20},
		proctest.Post{Path: wire.PathBatches, Header: forged("k-nobody"), Size: 30 << 20},
		proctest.Post{Path: "/login", Header: form, Size: 64 << 10},
		proctest.Post{Path: "/login", Header: form, Size: 64 << 10},
		proctest.Post{Path: "/setup", Header: form, Size: 64 << 10},
	)
	peak := p.PeakRSS(t)
	mustRefused(t, counts)
	t.Logf("central peak RSS: %.1f MiB before, %.1f MiB after a flood without kiosk ids (bound %d MiB); answers %v",
		float64(idle)/(1<<20), float64(peak)/(1<<20), centralMemoryBound>>20, counts)
	if peak > centralMemoryBound {
		t.Errorf("peak RSS %.1f MiB, over the documented bound of %d MiB", float64(peak)/(1<<20), centralMemoryBound>>20)
	}

	counts = proctest.Flood(t, addr, 4, 256, 24,
		proctest.Post{Path: wire.PathBatches, Header: forged(ids[1][0]), Size: 30 << 20},
		proctest.Post{Path: wire.PathVisits, Header: forged(ids[2][0]), Size: 40 << 20, Chunked: true},
	)
	peak = p.PeakRSS(t)
	mustRefused(t, counts)
	bound := centralMemoryBound + 2*perKnownKioskID
	t.Logf("central peak RSS %.1f MiB after forged uploads with two known kiosk ids (bound %d MiB); answers %v",
		float64(peak)/(1<<20), bound>>20, counts)
	if peak > int64(bound) {
		t.Errorf("peak RSS %.1f MiB, over the documented bound of %d MiB", float64(peak)/(1<<20), bound>>20)
	}
	k.MustRate(t, 5)
	if res, err := k.Up.SyncOnce(context.Background()); err != nil || res.Pending != 0 {
		t.Errorf("a real kiosk's upload after the flood: %+v, %v", res, err)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz after the flood: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// mustRefused checks that every answer of a flood refused its request.
func mustRefused(tb testing.TB, counts map[int]int) {
	tb.Helper()
	for status, n := range counts {
		if status != 0 && status != http.StatusServiceUnavailable && (status < 400 || status >= 500) {
			tb.Errorf("%d requests answered %d: every one must be refused", n, status)
		}
	}
}
