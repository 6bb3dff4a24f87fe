package kiosk_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// Valid PNS NIPs (docs/domain.md#nip: birth date, TMT CPNS, sex digit, sequence).
const (
	nipSiti  = "196608011988031001" // BKN's own example
	nipBudi  = "197501152000032002"
	nipAgus  = "198002282005011003"
	nipRatna = "199012312015122001"
	// nipPPPK has month 13 in digits 9–14: refused for a PNS, accepted for a PPPK.
	nipPPPK = "198505052022131001"
)

// adminUser and adminPassword are the account the set-up flow creates.
const (
	adminUser     = "admin"
	adminPassword = "rahasia-kantor-123"
)

// testStart is the server's fixed clock reading: 10:00 WIB on a day after
// today's date, so that cookies the server dates by its clock stay valid in
// the client's cookie jar.
var testStart = time.Date(2030, 6, 15, 10, 0, 0, 0, web.Jakarta)

// testClock is a clock the test sets; the store and the server share it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// testKiosk is a kiosk server on a loopback port over a SQLite file.
type testKiosk struct {
	URL    string // http://127.0.0.1:port, also the public URL QR codes encode
	Path   string // the SQLite file
	DB     *sqlite.KioskDB
	Server *kiosk.Server
	Clock  *testClock
	Config kiosk.Config

	once sync.Once
	stop func()
}

// MustStartKiosk opens a fresh database under tb.TempDir(), serves a kiosk on
// 127.0.0.1:0 and registers its shutdown. configure may change the configuration.
func MustStartKiosk(tb testing.TB, configure ...func(*kiosk.Config)) *testKiosk {
	tb.Helper()
	return MustStartKioskOver(tb, nil, configure...)
}

// MustStartKioskOver is MustStartKiosk with the server's store wrapped by
// wrap (when not nil), for a fault in one of its methods.
func MustStartKioskOver(tb testing.TB, wrap func(*sqlite.KioskDB) kiosk.Store, configure ...func(*kiosk.Config)) *testKiosk {
	tb.Helper()
	cfg := kiosk.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Database = filepath.Join(tb.TempDir(), "data", "kiosk.db")
	for _, f := range configure {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	clock := &testClock{t: testStart}
	ctx := context.Background()
	db, err := sqlite.OpenKiosk(ctx, cfg.Database, sqlite.KioskOptions{Now: clock.Now, CommentLimit: cfg.CommentLimit})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var store kiosk.Store = db
	if wrap != nil {
		store = wrap(db)
	}
	srv, err := kiosk.NewServer(ctx, cfg, store, base, kiosk.Options{Logger: logger, Now: clock.Now, BcryptCost: 4})
	if err != nil {
		ln.Close()
		db.Close()
		tb.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	k := &testKiosk{URL: base, Path: cfg.Database, DB: db, Server: srv, Clock: clock, Config: cfg}
	k.stop = func() {
		if err := srv.Shutdown(5 * time.Second); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		ln.Close() // in case Serve had not yet taken the listener
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("serve: %v", err)
		}
		if err := db.Close(); err != nil {
			tb.Errorf("close database: %v", err)
		}
	}
	tb.Cleanup(k.Stop)
	return k
}

// Stop shuts the server down and closes its database; later calls do nothing.
func (k *testKiosk) Stop() { k.once.Do(k.stop) }

// MustNewClient returns an HTTP client with its own cookie jar that does not
// follow redirects, so tests see each 303 and its Location.
func MustNewClient(tb testing.TB) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// MustDo sends req and returns the response with its whole body read.
func MustDo(tb testing.TB, hc *http.Client, req *http.Request) (*http.Response, string) {
	tb.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return resp, string(b)
}

// MustGet fetches u.
func MustGet(tb testing.TB, hc *http.Client, u string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return MustDo(tb, hc, req)
}

// MustPostForm posts v as application/x-www-form-urlencoded, as a browser
// without JavaScript does.
func MustPostForm(tb testing.TB, hc *http.Client, u string, v url.Values) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return MustDo(tb, hc, req)
}

// MustPostJSON posts body with Content-Type application/json.
func MustPostJSON(tb testing.TB, hc *http.Client, u, body string) (*http.Response, string) {
	tb.Helper()
	return MustPostRaw(tb, hc, u, "application/json", []byte(body))
}

// MustPostRaw posts body as is with the given Content-Type.
func MustPostRaw(tb testing.TB, hc *http.Client, u, contentType string, body []byte) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return MustDo(tb, hc, req)
}

// upload is one file of a multipart form.
type upload struct {
	Name string
	Data []byte
}

// MustPostMultipart posts fields and files as multipart/form-data, as the
// admin forms with a file input do.
func MustPostMultipart(tb testing.TB, hc *http.Client, u string, fields url.Values, files map[string]upload) (*http.Response, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				tb.Fatal(err)
			}
		}
	}
	for field, f := range files {
		w, err := mw.CreateFormFile(field, f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(f.Data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	return MustPostRaw(tb, hc, u, mw.FormDataContentType(), buf.Bytes())
}

// MustStatus fails the test when resp has another status than want.
func MustStatus(tb testing.TB, resp *http.Response, body string, want int) {
	tb.Helper()
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: status %d, want %d; body:\n%s", resp.Request.Method, resp.Request.URL, resp.StatusCode, want, clip(body))
	}
}

// MustRedirect fails the test unless resp is a 303 to a location starting with prefix; it returns the location.
func MustRedirect(tb testing.TB, resp *http.Response, body, prefix string) string {
	tb.Helper()
	MustStatus(tb, resp, body, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, prefix) {
		tb.Fatalf("%s %s: redirect to %q, want a location starting with %q", resp.Request.Method, resp.Request.URL, loc, prefix)
	}
	return loc
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// MustInputValue returns the value of the form input named name in page.
func MustInputValue(tb testing.TB, page, name string) string {
	tb.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no input %q in page:\n%s", name, clip(page))
	}
	return html.UnescapeString(m[1])
}

// MustSetUp runs the first-run set-up through the printed link and returns a
// client logged in as the new admin.
func MustSetUp(tb testing.TB, k *testKiosk) *http.Client {
	tb.Helper()
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil || link == "" {
		tb.Fatalf("PrepareSetup = %q, %v", link, err)
	}
	return mustSetUpWith(tb, k, link)
}

func mustSetUpWith(tb testing.TB, k *testKiosk, link string) *http.Client {
	tb.Helper()
	hc := MustNewClient(tb)
	resp, page := MustGet(tb, hc, link)
	MustStatus(tb, resp, page, http.StatusOK)
	form := url.Values{"csrf": {MustInputValue(tb, page, "csrf")}, "token": {MustInputValue(tb, page, "token")},
		"username": {adminUser}, "password": {adminPassword}, "password2": {adminPassword}}
	resp, body := MustPostForm(tb, hc, k.URL+"/setup", form)
	MustRedirect(tb, resp, body, "/admin")
	return hc
}

// MustAdmin returns a new client logged in as the admin: through the set-up
// link on a kiosk without accounts, else by logging in.
func MustAdmin(tb testing.TB, k *testKiosk) *http.Client {
	tb.Helper()
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if link != "" {
		return mustSetUpWith(tb, k, link)
	}
	hc, _ := MustLogin(tb, k, adminUser, adminPassword)
	return hc
}

// MustEnrollTablet enrolls a new browser as a desk tablet, as an office
// does: the admin logs in on it and presses "enroll this device"; that ends
// the admin's session there. It returns the tablet and, separately, a
// client logged in as the admin.
func MustEnrollTablet(tb testing.TB, k *testKiosk, name string) (tablet, admin *http.Client) {
	tb.Helper()
	admin = MustAdmin(tb, k)
	tablet, _ = MustLogin(tb, k, adminUser, adminPassword)
	MustEnrollAs(tb, k, tablet, name, false)
	return tablet, admin
}

// MustEnrollAs enrolls hc, logged in as the admin, as a desk tablet named
// name (pinned to its address when pin is set).
func MustEnrollAs(tb testing.TB, k *testKiosk, hc *http.Client, name string, pin bool) {
	tb.Helper()
	form := url.Values{"csrf": {MustCSRF(tb, hc, k.URL+"/admin/tablets")}, "name": {name}}
	if pin {
		form.Set("pin", "1")
	}
	resp, body := MustPostForm(tb, hc, k.URL+"/admin/tablets", form)
	MustRedirect(tb, resp, body, "/kiosk?terdaftar=1")
}

// MustClientFrom is MustNewClient whose connections come from the loopback
// address ip (127.0.0.2, 127.0.0.3, …): another machine, as the kiosk sees it.
func MustClientFrom(tb testing.TB, ip string) *http.Client {
	tb.Helper()
	hc := MustNewClient(tb)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	hc.Transport = &http.Transport{DialContext: dialer.DialContext}
	return hc
}

// MustCSRF returns the CSRF token of the form on the page at path.
func MustCSRF(tb testing.TB, hc *http.Client, u string) string {
	tb.Helper()
	resp, page := MustGet(tb, hc, u)
	MustStatus(tb, resp, page, http.StatusOK)
	return MustInputValue(tb, page, "csrf")
}

// MustAddStaff adds an active staff member directly through the store.
func MustAddStaff(tb testing.TB, k *testKiosk, nip, name, counter string) survey.Staff {
	tb.Helper()
	s := survey.Staff{NIP: nip, Name: name, Position: "Pengadministrasi", Unit: "Pendaftaran Penduduk", Counter: counter, Active: true}
	if err := k.DB.CreateStaff(context.Background(), &s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// MustCountResponses returns how many responses the database holds.
func MustCountResponses(tb testing.TB, k *testKiosk) int64 {
	tb.Helper()
	n, err := k.DB.CountResponses(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// allFours answers every element with 4 ("Sangat ...").
func allFours() map[string]int {
	m := map[string]int{}
	for _, e := range survey.Elements {
		m[string(e)] = 4
	}
	return m
}

// surveyValues is a complete survey form: the form key, a service and ratings.
func surveyValues(formKey, service string, ratings map[string]int) url.Values {
	v := url.Values{"form_key": {formKey}, "service": {service}}
	for e, r := range ratings {
		v.Set(e, strconv.Itoa(r))
	}
	return v
}
