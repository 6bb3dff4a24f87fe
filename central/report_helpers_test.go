package central_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// wib is Asia/Jakarta.
var wib = web.Jakarta

// reportNow is the servers' clock in these tests: 10 April 2031, 10:00 WIB,
// after the first quarter of 2031 whose data the tests ingest, and later
// than today so that session cookies the server dates stay valid.
var reportNow = time.Date(2031, 4, 10, 10, 0, 0, 0, wib)

// Staff of the test office (valid PNS NIPs).
const (
	nipSiti = "196608011988031001" // Dafduk, counter 1
	nipBudi = "198512252010122003" // Capil, counter 2
	nipAgus = "197203151995032002" // Dafduk, counter 3
)

// reportServer is central serving on a loopback port over a fresh store.
type reportServer struct {
	URL    string
	Store  survey.CentralStore
	Clock  *storetest.Clock
	Office survey.Office
	Kiosk  survey.Kiosk
	chains map[string]*storetest.Chain
}

// openSQLite opens a central SQLite file under tb.TempDir().
func openSQLite(tb testing.TB, now func() time.Time) survey.CentralStore {
	tb.Helper()
	db, err := sqlite.OpenCentral(context.Background(), filepath.Join(tb.TempDir(), "central.db"), sqlite.CentralOptions{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustStartReportServer serves central on 127.0.0.1:0 over the store open
// returns, with one office, three staff members and one kiosk; configure
// may change the configuration.
func MustStartReportServer(tb testing.TB, open func(testing.TB, func() time.Time) survey.CentralStore, configure ...func(*central.Config)) *reportServer {
	tb.Helper()
	cfg := central.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	for _, f := range configure {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	clock := storetest.NewClock(reportNow)
	store := open(tb, clock.Now)
	rs := &reportServer{Store: store, Clock: clock, chains: map[string]*storetest.Chain{}}
	rs.Office = storetest.MustCreateOffice(tb, store, "Disdukcapil Kota Serang")
	storetest.MustAddStaff(tb, store, rs.Office.ID, nipSiti, "Siti Rahma", "Dafduk", "1")
	storetest.MustAddStaff(tb, store, rs.Office.ID, nipBudi, "Budi Santoso", "Capil", "2")
	storetest.MustAddStaff(tb, store, rs.Office.ID, nipAgus, "Agus Salim", "Dafduk", "3")
	rs.Kiosk = storetest.MustCreateKiosk(tb, store, rs.Office.ID)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := central.NewServer(cfg, store, central.Options{Logger: logger, Now: clock.Now, BcryptCost: 4})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		tb.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		if err := srv.Shutdown(5 * time.Second); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		ln.Close()
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("serve: %v", err)
		}
	})
	rs.URL = "http://" + ln.Addr().String()
	return rs
}

// MustIngestRatings stores one response per rating for nip, created from
// start every step, continuing the kiosk's hash chain. Central receives them
// an hour after the last is given, as a nightly sync would: before their
// month settles, so they count on the days they were given (survey.ReportDay).
func (rs *reportServer) MustIngestRatings(tb testing.TB, nip, service string, start time.Time, step time.Duration, ratings []survey.Ratings, edit func(*survey.Response)) []survey.Response {
	tb.Helper()
	ch := rs.chains[rs.Kiosk.ID]
	if ch == nil {
		ch = &storetest.Chain{}
		rs.chains[rs.Kiosk.ID] = ch
	}
	// One chain per kiosk: each call continues it with its own times and answers.
	var out []survey.Response
	for i, r := range ratings {
		ch.NIP, ch.Service, ch.Step = nip, service, time.Nanosecond
		at := start.Add(time.Duration(i) * step)
		ratings := r
		ch.Ratings = func(int64) survey.Ratings { return ratings }
		ch.Edit = func(x *survey.Response) {
			x.CreatedAt = at.UTC().Truncate(time.Microsecond)
			if edit != nil {
				edit(x)
			}
		}
		out = append(out, ch.Next(1)...)
	}
	received := out[len(out)-1].CreatedAt.Add(time.Hour)
	storetest.MustIngest(tb, rs.Store, storetest.Request(rs.Kiosk.ID, out, received))
	return out
}

// repeatRatings returns n copies of r.
func repeatRatings(n int, r survey.Ratings) []survey.Ratings {
	out := make([]survey.Ratings, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// all returns ratings with every element answered v.
func all(v int8) survey.Ratings { return survey.Ratings{v, v, v, v, v, v, v, v, v} }

// MustCreateToken stores an API token and returns it in clear.
func MustCreateToken(tb testing.TB, s survey.CentralStore, role survey.Role, officeID int64) string {
	tb.Helper()
	tok := web.RandomToken(32)
	t := survey.APIToken{Hash: web.HashToken(tok), Role: role, OfficeID: officeID, Label: "test"}
	if err := s.CreateAPIToken(context.Background(), &t); err != nil {
		tb.Fatal(err)
	}
	return tok
}

// MustAPI gets path with the bearer token and decodes the JSON answer,
// failing unless the status is want.
func MustAPI(tb testing.TB, base, token, path string, want int) map[string]any {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, body := MustDo(tb, http.DefaultClient, req)
	if resp.StatusCode != want {
		tb.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, want, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		tb.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return out
}

// MustDo sends req and returns the response with its body read.
func MustDo(tb testing.TB, hc *http.Client, req *http.Request) (*http.Response, string) {
	tb.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp, string(b)
}

// browser is a logged-in client with its session's CSRF token.
type browser struct {
	hc   *http.Client
	base string
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// MustLogin creates an account with role (office for a kepala, nip for a
// staff account) and logs a new client in with it.
func (rs *reportServer) MustLogin(tb testing.TB, username string, role survey.Role, officeID int64, nip string) *browser {
	tb.Helper()
	const pw = "rahasia-kantor-123"
	hash, err := (&web.Auth{BcryptCost: 4}).HashPassword(pw)
	if err != nil {
		tb.Fatal(err)
	}
	u := survey.User{Username: username, Role: role, OfficeID: officeID, NIP: nip, Active: true, PasswordHash: hash}
	if err := rs.Store.CreateUser(context.Background(), &u); err != nil {
		tb.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	b := &browser{base: rs.URL, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, page := b.MustGet(tb, "/login", http.StatusOK)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		tb.Fatal("no CSRF token on the login page")
	}
	resp, body := b.MustPost(tb, "/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("login as %s: status %d: %s", username, resp.StatusCode, body)
	}
	_, page = b.MustGet(tb, "/admin/reports", 0)
	if m = csrfField.FindStringSubmatch(page); m != nil {
		b.csrf = m[1]
	}
	return b
}

// MustGet fetches path, failing unless the status is want (0: any).
func (b *browser) MustGet(tb testing.TB, path string, want int) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, body := MustDo(tb, b.hc, req)
	if want != 0 && resp.StatusCode != want {
		tb.Fatalf("GET %s: status %d, want %d:\n%s", path, resp.StatusCode, want, clip(body))
	}
	return resp, body
}

// MustPost posts a form, adding the session's CSRF token.
func (b *browser) MustPost(tb testing.TB, path string, v url.Values) (*http.Response, string) {
	tb.Helper()
	if b.csrf != "" && v.Get("csrf") == "" {
		v.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return MustDo(tb, b.hc, req)
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// byID returns the text inside the element with the given id, tags removed
// (the element must not nest another of its own kind).
func byID(tb testing.TB, page, id string) string {
	tb.Helper()
	loc := regexp.MustCompile(`<([a-z0-9]+)[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindStringSubmatchIndex(page)
	if loc == nil {
		tb.Fatalf("no element #%s on the page", id)
	}
	rest := page[loc[1]:]
	end := strings.Index(rest, "</"+page[loc[2]:loc[3]]+">")
	if end < 0 {
		tb.Fatalf("element #%s is not closed", id)
	}
	text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(rest[:end], " ")
	return strings.Join(strings.Fields(html.UnescapeString(text)), " ")
}

// mustXLSX opens an XLSX download.
func mustXLSX(tb testing.TB, body string) *excelize.File {
	tb.Helper()
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		tb.Fatalf("open XLSX: %v", err)
	}
	tb.Cleanup(func() { x.Close() })
	return x
}
