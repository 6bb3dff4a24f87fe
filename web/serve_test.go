package web_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/web"
)

// A connection that never sends a request (a browser's preconnect) must not
// hold shutdown until its read timeout; a request in flight still finishes.
func TestShutdownClosesUnusedConnections(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: time.Minute, IdleTimeout: time.Minute})
	release, entered := make(chan struct{}), make(chan struct{})
	app.Get("/slow", func(c *fiber.Ctx) error {
		close(entered)
		<-release
		return c.SendString("done")
	})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &web.Serving{App: app}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln, nil) }()
	base := "http://" + ln.Addr().String()
	// An ordinary request proves the server is up before the idle dial.
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(b)
	}()
	<-entered // the slow request is in the handler
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(30 * time.Second) }()
	close(release)
	if got := <-slow; got != "done" {
		t.Errorf("the request in flight got %q, want done", got)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v: the unused connection held it", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v", err)
	}
}

// dialFrom opens a connection to addr from a loopback address of its own
// (127.0.0.x on Linux), so that one test plays several clients.
func dialFrom(tb testing.TB, local, addr string) net.Conn {
	tb.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		tb.Skipf("cannot dial from %s here: %v", local, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// get sends GET / on c (kept alive) and returns the status and body.
func get(tb testing.TB, c net.Conn) (int, string) {
	tb.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		tb.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		tb.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		mustSecurityHeaders(tb, "refused connection", resp.Header)
	}
	return resp.StatusCode, string(b)
}

// More connections than the bounds: one address past its bound gets 429,
// the server past its bound 503, both with a message in both languages;
// the others are served, and a freed place is taken again.
func TestServingBoundsConnections(t *testing.T) {
	logs := &logBuffer{}
	h := testHTTP(6, 3)
	app, log := newTestApp(logs, h, nil)
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	ln := mustListen(t)
	MustServe(t, app, h, log, ln)
	addr := ln.Addr().String()

	var first []net.Conn
	for range 3 {
		c := dialFrom(t, "127.0.0.1", addr)
		if st, _ := get(t, c); st != http.StatusOK {
			t.Fatalf("connection %d of 127.0.0.1: %d", len(first)+1, st)
		}
		first = append(first, c) // kept alive, still counted
	}
	st, body := get(t, dialFrom(t, "127.0.0.1", addr))
	if st != http.StatusTooManyRequests || !strings.Contains(body, "terlalu banyak koneksi terbuka dari alamat Anda") ||
		!strings.Contains(body, "too many open connections from your address") {
		t.Errorf("a fourth connection from one address: %d %q, want 429", st, body)
	}
	for range 3 {
		if st, _ := get(t, dialFrom(t, "127.0.0.2", addr)); st != http.StatusOK {
			t.Errorf("another address: %d, want 200", st)
		}
	}
	if st, body := get(t, dialFrom(t, "127.0.0.3", addr)); st != http.StatusServiceUnavailable ||
		!strings.Contains(body, "server sedang melayani terlalu banyak koneksi") {
		t.Errorf("a seventh connection: %d %q, want 503", st, body)
	}
	if n := len(logs.Lines(t, "connection refused: too many open connections")); n != 1 {
		t.Errorf("%d log lines for refused connections, want 1 (at most one a minute)", n)
	}

	// A closed connection frees its place.
	first[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := get(t, dialFrom(t, "127.0.0.1", addr))
		if st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the freed place was not taken again: %d", st)
		}
		time.Sleep(10 * time.Millisecond) // polling the server's count of a closed connection, bounded by the deadline
	}
}

// failingListener fails its first n Accepts as a process out of file
// descriptors does, then accepts.
type failingListener struct {
	net.Listener
	mu sync.Mutex
	n  int
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.n > 0
	l.n--
	l.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// An accept error such as EMFILE makes the server wait and try again, not
// end: the request waiting in the backlog is served after the errors, and
// the log says so in two lines.
func TestAcceptErrorsBackOffAndServingGoesOn(t *testing.T) {
	logs := &logBuffer{}
	h := testHTTP(0, 0)
	app, log := newTestApp(logs, h, nil)
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	ln := &failingListener{Listener: mustListen(t), n: 6}
	base := MustServe(t, app, h, log, ln)
	if resp, body := mustGet(t, base+"/"); resp.StatusCode != http.StatusOK || body != "ok" {
		t.Fatalf("after 6 failed accepts: %d %q", resp.StatusCode, body)
	}
	failed, again := logs.Lines(t, "accepting a connection failed; retrying with back-off"), logs.Lines(t, "accepting connections again")
	if len(failed) != 1 || !strings.Contains(failed[0]["err"].(string), "too many open files") ||
		len(again) != 1 || again[0]["failed_accepts"] != float64(6) {
		t.Errorf("log: %v, %v; want one line for the failures, one for the recovery with 6 failed accepts", failed, again)
	}
}
