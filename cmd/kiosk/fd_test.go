package main

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
)

// hasLog reports whether the process logged a line with msg whose value
// under key contains want.
func hasLog(tb testing.TB, p *proctest.Proc, msg, key, want string) bool {
	tb.Helper()
	for _, l := range MustLogLines(tb, p.Stdout.String()) {
		if v, _ := l[key].(string); l["msg"] == msg && strings.Contains(v, want) {
			return true
		}
	}
	return false
}

// A kiosk out of file descriptors (a limit of 48, and more connections
// than that) keeps running: accepting fails with "too many open files",
// it backs off and tries again, and once connections close it serves again.
func TestOutOfFileDescriptorsBacksOffAndServesAfter(t *testing.T) {
	bin := proctest.Kiosk(t)
	addr := proctest.FreeAddr(t)
	cfg := MustKioskConfigFile(t, addr, filepath.Join(t.TempDir(), "kiosk.db"), "")
	MustImportRoster(t, bin, cfg)
	// The Go runtime raises the soft limit to the hard one: lower both.
	p := proctest.Start(t, "http://"+addr, "/bin/sh", "-c", `ulimit -n 48 && exec "$0" "$@"`, bin, "-config", cfg)
	mustAccept(t, p.URL, "before", 3)

	var conns []net.Conn
	for range 80 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
	}
	waitFor(t, 30*time.Second, "the kiosk to run out of file descriptors", func() bool {
		return hasLog(t, p, "accepting a connection failed; retrying with back-off", "err", "too many open files")
	})
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, 30*time.Second, "the kiosk to accept again", func() bool {
		return hasLog(t, p, "accepting connections again", "msg", "")
	})
	if status, body := MustGet(t, p.URL+"/healthz"); status != http.StatusOK {
		t.Fatalf("/healthz after running out of file descriptors: %d %s", status, body)
	}
	mustAccept(t, p.URL, "after", 3)
	p.Stop(t)
}
