package central_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// panickyCentral is central's store with a bug: FindOffices panics while armed.
type panickyCentral struct {
	survey.CentralStore
	armed *atomic.Bool
}

func (p panickyCentral) FindOffices(ctx context.Context) ([]survey.Office, error) {
	if p.armed.Load() {
		panic("a bug in FindOffices")
	}
	return p.CentralStore.FindOffices(ctx)
}

// rawRequest sends raw on a connection of its own and reads the answer.
func rawRequest(tb testing.TB, base, raw string) *http.Response {
	tb.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, raw)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tb.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp
}

// A panic in a handler ends that request with a 500 page quoting its
// request id; central serves on. A method Fiber does not know gets the
// security headers too.
func TestCentralPanicIsAnsweredAndServingGoesOn(t *testing.T) {
	armed := &atomic.Bool{}
	rs := MustStartReportServer(t, func(tb testing.TB, now func() time.Time) survey.CentralStore {
		return panickyCentral{CentralStore: openSQLite(tb, now), armed: armed}
	})
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	armed.Store(true)
	resp, page := admin.MustGet(t, "/admin/offices", http.StatusInternalServerError)
	if id := resp.Header.Get(web.HeaderRequestID); id == "" || !strings.Contains(page, id) || !strings.Contains(page, "terjadi kesalahan di server") {
		t.Errorf("the 500 page does not quote the request id %q:\n%s", id, page)
	}
	secHeaders(t, "panic", resp)
	armed.Store(false)
	admin.MustGet(t, "/admin/offices", http.StatusOK)
	admin.MustGet(t, "/healthz", http.StatusOK)

	resp = rawRequest(t, rs.URL, "BREW / HTTP/1.1\r\nHost: central\r\n\r\n")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("unknown method: %d, want 405", resp.StatusCode)
	}
	secHeaders(t, "unknown method", resp)
}

func TestCentralRefusesNULAndInvalidUTF8SQLite(t *testing.T) {
	testCentralRefusesNULAndInvalidUTF8(t, openSQLite)
}

func TestCentralRefusesNULAndInvalidUTF8Postgres(t *testing.T) {
	testCentralRefusesNULAndInvalidUTF8(t, func(tb testing.TB, now func() time.Time) survey.CentralStore { return pgtest.MustOpen(tb, now) })
}

// A NUL byte or invalid UTF-8 in a login, a token or any parameter is a
// 400, never a 500 from the database (PostgreSQL cannot store a NUL).
func testCentralRefusesNULAndInvalidUTF8(t *testing.T, open func(testing.TB, func() time.Time) survey.CentralStore) {
	rs := MustStartReportServer(t, open)
	for _, username := range []string{"ad\x00min", "admin\xff"} {
		if st, _ := secLogin(t, rs.URL, username, "rahasia-kantor-123"); st != http.StatusBadRequest {
			t.Errorf("login as %q: %d, want 400", username, st)
		}
	}
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	for _, path := range []string{"/api/v1/reports/ikm?office=%00", "/api/v1/reports/ikm?office=Kantor%ff", "/publik/%00",
		"/setup?token=%00", "/login?next=%00"} {
		req, _ := http.NewRequest(http.MethodGet, rs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, body := MustDo(t, http.DefaultClient, req); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400: %.200s", path, resp.StatusCode, body)
		}
	}
	// The same values without the bad byte get their ordinary answers.
	if st, _ := secLogin(t, rs.URL, "admin", "rahasia-kantor-123"); st != http.StatusUnauthorized {
		t.Errorf("login as an unknown admin: %d, want 401", st)
	}
}
