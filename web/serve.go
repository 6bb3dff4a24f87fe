package web

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Serving runs a Fiber app on a listener and shuts it down within a bound.
// Fiber (fasthttp) waits at shutdown for every connection that is not idle,
// and a connection that never sent a request — a browser's preconnect, an
// HTTP client's spare dial — is not idle to it: it would hold shutdown until
// the read timeout. Serving tracks such connections and closes them.
type Serving struct {
	App *fiber.App

	mu       sync.Mutex
	shutdown bool
	ln       *trackingListener
}

// Serve answers requests on ln until Shutdown. wrap, when set, wraps the
// tracking listener (for TLS).
func (s *Serving) Serve(ln net.Listener, wrap func(net.Listener) net.Listener) error {
	tl := &trackingListener{Listener: ln, conns: map[*trackedConn]struct{}{}}
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.ln = tl
	s.mu.Unlock()
	var l net.Listener = tl
	if wrap != nil {
		l = wrap(tl)
	}
	return s.App.Listener(l)
}

// Shutdown stops accepting connections and waits up to timeout for requests
// in flight; connections that never sent a byte are closed at once. It also
// closes the listener itself: Fiber only closes listeners its server has
// already taken, so a Shutdown that overtakes Serve must not leave it open.
func (s *Serving) Shutdown(timeout time.Duration) error {
	s.mu.Lock()
	s.shutdown = true
	tl := s.ln
	s.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- s.App.ShutdownWithTimeout(timeout) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if tl != nil {
			tl.closeUnused()
		}
		select {
		case err := <-done:
			if tl != nil {
				tl.Listener.Close() // usually closed already; then this only reports that
			}
			return err
		case <-tick.C:
		}
	}
}

type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// closeUnused closes the connections that have not received a byte yet.
func (l *trackingListener) closeUnused() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		if !c.used.Load() {
			c.Conn.Close()
		}
	}
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	used atomic.Bool
	once sync.Once
}

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.used.Store(true)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
