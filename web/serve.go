package web

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
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
//
// Serving also bounds the connections it hands to Fiber, in all and per
// client address (HTTP's MaxConnections and MaxConnectionsPerAddress): one
// more is answered 503 or 429 and closed. And an error from Accept (EMFILE
// when the process is out of file descriptors) makes it wait and try again,
// with back-off, rather than end the server as fasthttp would.
type Serving struct {
	App *fiber.App
	// HTTP holds the connection bounds; NewApp applied its timeouts.
	HTTP HTTPConfig
	// Log receives accept errors and refused connections (default slog.Default()).
	Log *slog.Logger

	mu       sync.Mutex
	shutdown bool
	ln       *trackingListener
}

// Serve answers requests on ln until Shutdown. wrap, when set, wraps the
// tracking listener (for TLS).
func (s *Serving) Serve(ln net.Listener, wrap func(net.Listener) net.Listener) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	tl := &trackingListener{Listener: ln, conns: map[*trackedConn]struct{}{}, perAddress: map[string]int{},
		max: s.HTTP.MaxConnections, maxPerAddress: s.HTTP.MaxConnectionsPerAddress, plain: wrap == nil,
		log: log, done: make(chan struct{}), refusing: make(chan struct{}, maxRefusing)}
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
				tl.Close() // usually closed already; then this only reports that
			}
			return err
		case <-tick.C:
		}
	}
}

// maxRefusing bounds the refused connections being answered at once; past
// it a refused connection is closed without an answer.
const maxRefusing = 64

// Accept back-off: the first wait and the longest, as net/http's.
const (
	acceptRetryFirst = 5 * time.Millisecond
	acceptRetryMax   = time.Second
)

type trackingListener struct {
	net.Listener
	max, maxPerAddress int
	plain              bool // not under TLS: a refusal can be answered in plain HTTP
	log                *slog.Logger

	mu         sync.Mutex
	conns      map[*trackedConn]struct{}
	perAddress map[string]int

	// Accept's own state: fasthttp calls Accept from one goroutine.
	retryDelay time.Duration
	failures   int

	closeOnce sync.Once
	done      chan struct{}
	refusing  chan struct{}
	// lastRefusalLog spaces out the log lines of refused connections (Unix nanoseconds).
	lastRefusalLog atomic.Int64
}

func (l *trackingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || !l.waitToRetry(err) {
				return nil, net.ErrClosed
			}
			continue
		}
		if l.failures > 0 {
			l.log.Info("accepting connections again", "failed_accepts", l.failures)
			l.failures, l.retryDelay = 0, 0
		}
		key := addressKeyOf(c.RemoteAddr())
		if tc, refusal := l.admit(c, key); refusal != nil {
			l.refuse(c, key, refusal)
		} else {
			return tc, nil
		}
	}
}

// waitToRetry waits before the next Accept after err, longer each time in a
// row, and reports false when the listener closed meanwhile. Out of file
// descriptors, the connection waits in the kernel's backlog until one frees.
func (l *trackingListener) waitToRetry(err error) bool {
	l.failures++
	if l.retryDelay == 0 {
		l.retryDelay = acceptRetryFirst
		l.log.Warn("accepting a connection failed; retrying with back-off", "err", err)
	} else {
		l.retryDelay = min(2*l.retryDelay, acceptRetryMax)
	}
	t := time.NewTimer(l.retryDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.done:
		return false
	}
}

// admit tracks c unless a connection bound is reached; then it returns the
// answer for the refused connection.
func (l *trackingListener) admit(c net.Conn, key string) (*trackedConn, []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && len(l.conns) >= l.max {
		return nil, refusedBusy
	}
	if l.maxPerAddress > 0 && l.perAddress[key] >= l.maxPerAddress {
		return nil, refusedPerAddress
	}
	tc := &trackedConn{Conn: c, l: l, key: key}
	l.conns[tc] = struct{}{}
	l.perAddress[key]++
	return tc, nil
}

// refuse answers a refused connection in the background, bounded in number
// and time, and logs at most one refusal a minute.
func (l *trackingListener) refuse(c net.Conn, key string, answer []byte) {
	now := time.Now().UnixNano()
	if last := l.lastRefusalLog.Load(); now-last > int64(time.Minute) && l.lastRefusalLog.CompareAndSwap(last, now) {
		l.log.Warn("connection refused: too many open connections", "address", key,
			"max_connections", l.max, "max_connections_per_address", l.maxPerAddress, "status", string(answer[9:12]))
	}
	if !l.plain {
		c.Close() // under TLS a plain-text answer would be noise
		return
	}
	select {
	case l.refusing <- struct{}{}:
		go func() {
			defer func() { <-l.refusing }()
			answerAndClose(c, answer)
		}()
	default:
		c.Close()
	}
}

// answerAndClose writes a canned answer, then reads what the client sent
// for a moment so that closing does not reset the connection before the
// client has read the answer.
func answerAndClose(c net.Conn, answer []byte) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(answer); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// Close stops a back-off wait as well as the listener.
func (l *trackingListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
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
	key  string
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
		if c.l.perAddress[c.key]--; c.l.perAddress[c.key] <= 0 {
			delete(c.l.perAddress, c.key)
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// The answers to refused connections: plain text in both languages, with
// the headers every answer carries.
var (
	refusedBusy = cannedAnswer(503, "Service Unavailable",
		"server sedang melayani terlalu banyak koneksi; coba lagi sebentar lagi\n"+
			"the server holds too many connections; try again in a moment\n")
	refusedPerAddress = cannedAnswer(429, "Too Many Requests",
		"terlalu banyak koneksi terbuka dari alamat Anda; tutup beberapa lalu coba lagi\n"+
			"too many open connections from your address; close some and try again\n")
)

func cannedAnswer(status int, reason, body string) []byte {
	b := []byte("HTTP/1.1 " + strconv.Itoa(status) + " " + reason + "\r\n")
	for _, h := range securityHeaders {
		b = append(b, h[0]+": "+h[1]+"\r\n"...)
	}
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\nRetry-After: 10\r\nConnection: close\r\n"...)
	b = append(b, "Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body...)
	return b
}
