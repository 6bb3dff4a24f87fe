package upload_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

const (
	officeName = "Disdukcapil Kota Serang"
	nip1       = "196608011988031001"
	nip2       = "198512252010122003"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// fastBackoff keeps retry tests quick; the delays still grow and jitter.
var fastBackoff = upload.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond}

// backends runs f once per central storage backend.
func backends(t *testing.T, f func(t *testing.T, open func(t *testing.T) survey.CentralStore)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) survey.CentralStore { return mustOpenSQLiteCentral(t) })
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, func(t *testing.T) survey.CentralStore { return pgtest.MustOpen(t, nil) })
	})
}

// mustOpenSQLiteCentral opens a central store in a new SQLite file.
func mustOpenSQLiteCentral(t *testing.T) survey.CentralStore {
	t.Helper()
	db, err := sqlite.OpenCentral(context.Background(), filepath.Join(t.TempDir(), "central.db"), sqlite.CentralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// centralHarness is a central server on loopback over a store that outlives
// restarts of the server.
type centralHarness struct {
	store  survey.CentralStore
	office survey.Office
	srv    *central.Server
	ln     net.Listener
	done   chan error
	now    func() time.Time
	URL    string
}

// MustStartCentral starts central over store with one office and its roster.
func MustStartCentral(t *testing.T, store survey.CentralStore) *centralHarness {
	t.Helper()
	return MustStartCentralAt(t, store, time.Now)
}

// MustStartCentralAt starts central with its clock at now.
func MustStartCentralAt(t *testing.T, store survey.CentralStore, now func() time.Time) *centralHarness {
	t.Helper()
	ctx := context.Background()
	h := &centralHarness{store: store, now: now}
	h.office = survey.Office{Name: officeName}
	if err := store.CreateOffice(ctx, &h.office); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ImportOfficeStaff(ctx, h.office.ID, []survey.Staff{
		{NIP: nip1, Name: "Siti Aminah", Unit: "Dafduk", Counter: "1", Active: true},
		{NIP: nip2, Name: "Budi Santoso", Unit: "Capil", Counter: "2", Active: true},
	}); err != nil {
		t.Fatal(err)
	}
	h.start(t)
	t.Cleanup(h.stop)
	return h
}

func (h *centralHarness) start(t *testing.T) {
	t.Helper()
	srv, err := central.NewServer(central.DefaultConfig(), h.store, central.Options{Logger: quietLog, Now: h.now})
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:0"
	if h.ln != nil {
		addr = h.ln.Addr().String() // a restart keeps the address
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h.srv, h.ln, h.done = srv, ln, make(chan error, 1)
	h.URL = "http://" + ln.Addr().String()
	go func() { h.done <- srv.Serve(ln) }()
}

func (h *centralHarness) stop() {
	if h.srv != nil {
		h.srv.Shutdown(5 * time.Second)
		<-h.done
		h.srv = nil
	}
}

// MustAddKiosk registers a kiosk for the harness's office.
func (h *centralHarness) MustAddKiosk(t *testing.T) (survey.Kiosk, string) {
	t.Helper()
	k, secret, err := central.NewKiosk(context.Background(), h.store, h.office)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

// kioskHarness is a kiosk's buffer and uploader.
type kioskHarness struct {
	ID   string
	path string
	DB   *sqlite.KioskDB
	Key  ed25519.PrivateKey
	Up   *upload.Uploader
	ids  []string // every response created, in order
}

// MustNewKiosk opens a kiosk database connected to central at url.
func MustNewKiosk(t *testing.T, url, kioskID, secret string, batch int) *kioskHarness {
	t.Helper()
	return mustNewKiosk(t, url, kioskID, secret, batch, nil)
}

// mustNewKiosk is MustNewKiosk with the kiosk's clock (nil: the time now).
func mustNewKiosk(t *testing.T, url, kioskID, secret string, batch int, clock func() time.Time) *kioskHarness {
	t.Helper()
	key, err := wire.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kiosk.db")
	ck := wire.ChainKey{Key: key} // as cmd/kiosk opens it: the writer verifies the chain it extends
	db, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{Now: clock,
		SignHead: ck.SignHead, VerifyHead: ck.VerifyHead, SignSegment: ck.SignSegment})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range []survey.Staff{{NIP: nip1, Name: "Siti", Active: true}, {NIP: nip2, Name: "Budi", Active: true}} {
		if err := db.CreateStaff(context.Background(), &s); err != nil {
			t.Fatal(err)
		}
	}
	k := &kioskHarness{ID: kioskID, path: path, DB: db, Key: key}
	k.Up = upload.New(db, upload.Config{BaseURL: url, KioskID: kioskID, Key: key, BatchSize: batch, Logger: quietLog, Now: clock,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	return k
}

// MustRate stores n responses, alternating staff and answers.
func (k *kioskHarness) MustRate(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		nip := nip1
		if i%2 == 1 {
			nip = nip2
		}
		r := survey.Response{NIP: nip, Service: "KTPEL_BARU", Channel: survey.ChannelAPI,
			Ratings: survey.Ratings{4, 3, int8(1 + i%4), 4, 4, int8(1 + (i+1)%4), 4, 3, 4}, Comment: fmt.Sprintf("komentar %d", i)}
		if _, err := k.DB.CreateResponse(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
		k.ids = append(k.ids, r.ID)
	}
}

// AssertExactlyOnce checks that central holds every response the kiosk
// created exactly once, with the kiosk's content, and that the kiosk has
// nothing pending and lost nothing.
func AssertExactlyOnce(t *testing.T, store survey.CentralStore, kiosks ...*kioskHarness) {
	t.Helper()
	AssertExactlyOnceFlagged(t, store, nil, kiosks...)
}

// AssertExactlyOnceFlagged is AssertExactlyOnce where the responses whose
// ids clock holds are flagged clock at central, and only those.
func AssertExactlyOnceFlagged(t *testing.T, store survey.CentralStore, clock map[string]bool, kiosks ...*kioskHarness) {
	t.Helper()
	ctx := context.Background()
	for _, k := range kiosks {
		n, err := store.CountResponses(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(k.ids)) {
			t.Errorf("kiosk %s: central holds %d responses, the kiosk created %d", k.ID, n, len(k.ids))
		}
		for _, id := range k.ids {
			local, err := k.DB.ResponseByID(ctx, id)
			if err != nil {
				t.Fatalf("kiosk lost response %s: %v", id, err)
			}
			stored, err := store.ResponseByID(ctx, id)
			if err != nil {
				t.Fatalf("central lacks response %s: %v", id, err)
			}
			wantFlags := ""
			if clock[id] {
				wantFlags = survey.FlagClock
			}
			if stored.Fingerprint != local.Fingerprint() || stored.Suspect != clock[id] || survey.FlagsString(stored.Flags) != wantFlags {
				t.Errorf("response %s differs at central (suspect=%v flags=%v, want %q)", id, stored.Suspect, stored.Flags, wantFlags)
			}
		}
		if p, err := k.DB.CountPending(ctx); err != nil || p != 0 {
			t.Errorf("kiosk %s: %d still pending (%v)", k.ID, p, err)
		}
	}
	if n, err := store.CountResponses(ctx, ""); err == nil {
		var want int64
		for _, k := range kiosks {
			want += int64(len(k.ids))
		}
		if n != want {
			t.Errorf("central holds %d responses in all, want %d", n, want)
		}
	}
}

// proxy is a TCP proxy in front of central whose behaviour the test changes:
// pass, refuse connections, or cut a connection after some bytes of the
// request or of the response.
type proxy struct {
	ln       net.Listener
	target   atomic.Value // string
	mode     atomic.Int32
	cutAfter atomic.Int64
	cuts     atomic.Int64
	wg       sync.WaitGroup
	URL      string
	mu       sync.Mutex
	conns    map[net.Conn]bool // open connections, closed when the test ends
}

const (
	modePass = iota
	modeRefuse
	modeCutRequest
	modeCutResponse
)

// MustStartProxy starts a proxy to target on loopback.
func MustStartProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, URL: "http://" + ln.Addr().String(), conns: map[net.Conn]bool{}}
	p.target.Store(strings.TrimPrefix(target, "http://"))
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close() // idle keep-alive connections would otherwise hold the copies open
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// set changes the mode for new connections and closes the open ones, so a
// client's kept-alive connection cannot bypass the new mode.
func (p *proxy) set(mode int, cutAfter int64) {
	p.cutAfter.Store(cutAfter)
	p.mode.Store(int32(mode))
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
	p.mu.Unlock()
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

func (p *proxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns[c] = true
	p.mu.Unlock()
}

func (p *proxy) handle(c net.Conn) {
	p.track(c)
	defer c.Close()
	mode := int(p.mode.Load())
	if mode == modeRefuse {
		return
	}
	s, err := net.Dial("tcp", p.target.Load().(string))
	if err != nil {
		return
	}
	p.track(s)
	defer s.Close()
	limit := p.cutAfter.Load()
	copyDir := func(dst, src net.Conn, cut bool) {
		var err error
		if cut {
			_, err = io.CopyN(dst, src, limit)
			if err == nil {
				p.cuts.Add(1)
			}
		} else {
			_, err = io.Copy(dst, src)
		}
		_ = err
		dst.Close()
		src.Close()
	}
	done := make(chan struct{})
	go func() { copyDir(s, c, mode == modeCutRequest); close(done) }()
	copyDir(c, s, mode == modeCutResponse)
	<-done
}

// errorEveryOther is an HTTP proxy that answers 500 to every other request.
type errorEveryOther struct {
	target string
	n      atomic.Int64
	client *http.Client
}

func (e *errorEveryOther) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.n.Add(1)%2 == 1 {
		injectFailure(w)
		return
	}
	forward(w, r, e.target, e.client)
}

// injectFailure answers as central does to an internal error.
func injectFailure(w http.ResponseWriter) {
	http.Error(w, `{"error":{"code":"internal","message":"injected failure","message_id":"kegagalan buatan"}}`, http.StatusInternalServerError)
}

// forward passes r to target and its answer back, as a reverse proxy would.
func forward(w http.ResponseWriter, r *http.Request, target string, client *http.Client) {
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), strings.NewReader(string(body)))
	req.Header = r.Header.Clone()
	resp, err := client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// isPermanent reports an upload error that needs a person.
func isPermanent(err error) bool {
	var e *upload.Error
	return errors.As(err, &e) && e.Permanent
}

// cutReply is an HTTP proxy that lets central process the first `cuts`
// batch uploads, then drops the connection half-way through the reply: the
// batch is stored at central, but the kiosk never learns it.
type cutReply struct {
	target string
	client *http.Client
	cuts   atomic.Int64 // remaining replies to cut
	done   atomic.Int64 // replies cut
}

func (p *cutReply) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), strings.NewReader(string(body)))
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, wire.PathBatches) && p.cuts.Add(-1) >= 0 {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(reply))
		buf.Write(reply[:len(reply)/2])
		buf.Flush()
		conn.Close()
		p.done.Add(1)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(reply)
}
