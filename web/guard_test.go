package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// logBuffer collects JSON log lines from the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Lines returns the log lines with the given message.
func (l *logBuffer) Lines(tb testing.TB, msg string) []map[string]any {
	tb.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// testHTTP is an [http] section for tests: generous timeouts, bounds as given.
func testHTTP(maxConns, perAddress int) web.HTTPConfig {
	return web.HTTPConfig{MaxConnections: maxConns, MaxConnectionsPerAddress: perAddress,
		ReadHeaderTimeout: survey.Duration(time.Minute), IdleTimeout: survey.Duration(time.Minute)}
}

// newTestApp is an app as both applications build theirs, logging to logs;
// pages are plain text "page <status>: <message>".
func newTestApp(logs *logBuffer, h web.HTTPConfig, pageFn func(c *fiber.Ctx, status int, e *survey.Error) error) (*fiber.App, *slog.Logger) {
	log := slog.New(slog.NewJSONHandler(logs, nil))
	if pageFn == nil {
		pageFn = func(c *fiber.Ctx, status int, e *survey.Error) error {
			return c.Status(status).SendString("page " + http.StatusText(status) + ": " + e.Message)
		}
	}
	app := web.NewApp(web.AppOptions{Name: "test", HTTP: h, BodyTimeout: time.Minute, WriteTimeout: time.Minute,
		ErrorHandler: web.ErrorHandler(log, pageFn), Log: log})
	return app, log
}

// MustServe serves app on ln with a Serving of h and returns its base URL;
// the server is shut down when the test ends.
func MustServe(tb testing.TB, app *fiber.App, h web.HTTPConfig, log *slog.Logger, ln net.Listener) string {
	tb.Helper()
	s := &web.Serving{App: app, HTTP: h, Log: log}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln, nil) }()
	tb.Cleanup(func() {
		if err := s.Shutdown(10 * time.Second); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			tb.Errorf("Serve = %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func mustListen(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

func mustGet(tb testing.TB, url string) (*http.Response, string) {
	tb.Helper()
	resp, b := MustFetch(tb, url, "")
	return resp, string(b)
}

func mustSecurityHeaders(tb testing.TB, what string, h http.Header) {
	tb.Helper()
	if h.Get("Content-Security-Policy") != web.ContentSecurityPolicy || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("X-Frame-Options") != "DENY" {
		tb.Errorf("%s: security headers missing: %v", what, h)
	}
}

// A handler that panics gets a 500 with the request id, as JSON on the API
// and as a page elsewhere; the panic is logged once, with its stack and the
// same id; the next request is served. A panic in the error handler itself
// is caught too (a plain-text 500).
func TestPanicIsRecoveredAndServingGoesOn(t *testing.T) {
	logs := &logBuffer{}
	pageFn := func(c *fiber.Ctx, status int, e *survey.Error) error {
		if c.Path() == "/boom-twice" {
			panic("the error page broke as well")
		}
		return c.Status(status).SendString("page " + http.StatusText(status) + ": " + e.Message)
	}
	app, log := newTestApp(logs, testHTTP(0, 0), pageFn)
	app.Use(web.Recover(log), web.SecurityHeaders)
	boom := func(c *fiber.Ctx) error {
		c.Set("Content-Disposition", "attachment") // half an answer, which must not survive
		panic("the handler broke")
	}
	app.Get("/api/boom", boom)
	app.Get("/boom", boom)
	app.Get("/boom-twice", boom)
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	base := MustServe(t, app, testHTTP(0, 0), log, mustListen(t))

	resp, body := mustGet(t, base+"/api/boom")
	id := resp.Header.Get(web.HeaderRequestID)
	var e web.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != http.StatusInternalServerError ||
		e.Error.Code != survey.EINTERNAL || id == "" || !strings.Contains(e.Error.Message, id) || !strings.Contains(e.Error.MessageID, id) {
		t.Errorf("API panic: %d, %s=%q, %s (%v); want a 500 JSON error quoting the request id", resp.StatusCode, web.HeaderRequestID, id, body, err)
	}
	if resp.Header.Get("Content-Disposition") != "" {
		t.Error("the panicking handler's half-written answer was sent")
	}
	mustSecurityHeaders(t, "API panic", resp.Header)
	lines := logs.Lines(t, "panic while serving a request")
	if len(lines) != 1 || lines[0]["request_id"] != id || lines[0]["panic"] != "the handler broke" ||
		!strings.Contains(lines[0]["stack"].(string), "guard_test.go") {
		t.Errorf("panic log lines %v; want one with request_id %q, the panic and its stack", lines, id)
	}
	if n := len(logs.Lines(t, "request failed")); n != 0 {
		t.Errorf("the panic was logged again as %d failed requests", n)
	}

	resp, body = mustGet(t, base+"/boom")
	if resp.StatusCode != http.StatusInternalServerError || !strings.HasPrefix(body, "page Internal Server Error: ") ||
		!strings.Contains(body, resp.Header.Get(web.HeaderRequestID)) {
		t.Errorf("page panic: %d %q", resp.StatusCode, body)
	}
	resp, body = mustGet(t, base+"/boom-twice")
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "terjadi kesalahan di server") ||
		!strings.Contains(body, resp.Header.Get(web.HeaderRequestID)) {
		t.Errorf("panic in the error page: %d %q", resp.StatusCode, body)
	}
	mustSecurityHeaders(t, "panic in the error page", resp.Header)
	if n := len(logs.Lines(t, "panic while serving a request")); n != 4 { // the last request panicked twice
		t.Errorf("%d panics logged, want 4", n)
	}
	if resp, body := mustGet(t, base+"/ok"); resp.StatusCode != http.StatusOK || body != "ok" {
		t.Errorf("after the panics: %d %q", resp.StatusCode, body)
	}
}

// A method Fiber does not know is answered through the error handler, with
// the security headers, rather than by Fiber's bare 400.
func TestUnknownMethodGetsSecurityHeaders(t *testing.T) {
	logs := &logBuffer{}
	app, log := newTestApp(logs, testHTTP(0, 0), nil)
	app.Use(web.Recover(log), web.SecurityHeaders)
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	base := MustServe(t, app, testHTTP(0, 0), log, mustListen(t))
	for _, method := range []string{"BREW", "PROPFIND", "get"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, method+" /ok HTTP/1.1\r\nHost: test\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(string(body), "not supported") {
			t.Errorf("%s: %d %q, want 405", method, resp.StatusCode, body)
		}
		mustSecurityHeaders(t, method, resp.Header)
	}
}
