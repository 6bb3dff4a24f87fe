package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
)

// kioskMemoryBound is docs/operations.md's bound on the kiosk's memory
// under any unauthenticated flood, at the default [http] settings.
const kioskMemoryBound = 96 << 20

// Many large bodies from clients that have not logged in — the roster
// import, the survey form, the login, the APIs, declared and in chunks — as
// an attacker would send them, from six addresses, more connections than
// max_connections: every one is refused, with a 4xx, a 503 past
// max_connections, or the connection closed on a body the kiosk would not
// read; the kiosk's peak resident memory stays under the documented bound,
// and it serves a citizen afterwards.
func TestFloodOfLargeBodiesStaysUnderTheMemoryBound(t *testing.T) {
	bin := proctest.Kiosk(t)
	addr := proctest.FreeAddr(t)
	cfg := MustKioskConfigFile(t, addr, filepath.Join(t.TempDir(), "kiosk.db"), "")
	MustImportRoster(t, bin, cfg)
	p := proctest.Start(t, "http://"+addr, bin, "-config", cfg)
	code := staffCode(t, p.URL)
	mustAccept(t, p.URL, "warm", 20)
	idle := p.PeakRSS(t)

	form := "Content-Type: application/x-www-form-urlencoded\r\n"
	// 6 addresses × 64 connections: more than max_connections (256) at once.
	counts := proctest.Flood(t, addr, 6, 384, 96,
		proctest.Post{Path: "/admin/staff/import", Header: "Content-Type: multipart/form-data; boundary=b\r\n", Size: 8 << 20},
		proctest.Post{Path: "/admin/staff/import", Header: "Content-Type: multipart/form-data; boundary=b\r\n", Size: 8 << 20, Send: 8 << 10},
		proctest.Post{Path: "/s/" + code, Header: form, Size: 64 << 10},
		proctest.Post{Path: "/s/" + code, Header: form, Size: 4 << 20, Chunked: true},
		proctest.Post{Path: "/api/v1/responses", Header: "Content-Type: application/json\r\n", Size: 16 << 10},
		proctest.Post{Path: "/api/v1/responses", Header: "Content-Type: application/json\r\n", Size: 40 << 20, Send: 8 << 10},
		proctest.Post{Path: "/login", Header: form, Size: 64 << 10},
		proctest.Post{Path: "/api/v1/visits", Header: "Authorization: Bearer x\r\nContent-Type: application/json\r\n", Size: 4 << 10},
	)
	peak := p.PeakRSS(t)
	t.Logf("kiosk peak RSS: %.1f MiB before the flood, %.1f MiB after it (bound %d MiB); answers %v",
		float64(idle)/(1<<20), float64(peak)/(1<<20), kioskMemoryBound>>20, counts)
	for status, n := range counts {
		if status != 0 && status != http.StatusServiceUnavailable && (status < 400 || status >= 500) {
			t.Errorf("%d requests answered %d: every one must be refused, with a 4xx or a 503 past max_connections", n, status)
		}
	}
	if peak > kioskMemoryBound {
		t.Errorf("peak RSS %.1f MiB, over the documented bound of %d MiB", float64(peak)/(1<<20), kioskMemoryBound>>20)
	}
	if status, body := MustGet(t, p.URL+"/healthz"); status != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("after the flood /healthz: %d %s", status, body)
	}
	mustAccept(t, p.URL, "after", 1)
}
