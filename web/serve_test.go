package web_test

import (
	"io"
	"net"
	"net/http"
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
