package kiosk_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/kiosk"
)

// MustHardHeaders checks the security headers docs/security.md promises on every response.
func MustHardHeaders(tb testing.TB, what string, resp *http.Response) {
	tb.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "style-src 'self'"} {
		if !strings.Contains(csp, want) {
			tb.Errorf("%s (%d): CSP %q lacks %s", what, resp.StatusCode, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		tb.Errorf("%s: CSP allows inline code: %q", what, csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
		tb.Errorf("%s (%d): nosniff %q, Referrer-Policy %q", what, resp.StatusCode,
			resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Referrer-Policy"))
	}
}

// fillPath replaces a route's parameters with values that exist.
func fillPath(path string, params map[string]string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = params[strings.TrimSuffix(strings.TrimPrefix(p, ":"), "?")]
		} else if p == "*" {
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

func TestEveryRouteSendsSecurityHeadersAndRefusesFormsWithoutCSRF(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	counter := MustCounterAccount(t, k, admin, "loket1", nipSiti)
	surveyURL, visitPage := MustNewVisit(t, k, counter, siti.Code, "KTPEL_BARU")
	token := strings.TrimPrefix(surveyURL, k.URL+"/v/")
	params := map[string]string{"code": siti.Code, "nip": nipSiti, "file": siti.Code + ".png", "token": token,
		"id": strings.TrimPrefix(visitPage, "/counter/"+siti.Code+"/visits/")}

	seen := 0
	for _, r := range kiosk.RoutesOf(k.Server) {
		path := fillPath(r.Path, params)
		switch r.Method {
		case http.MethodGet:
			for who, hc := range map[string]*http.Client{"anonymous": MustNewClient(t), "admin": admin, "counter": counter} {
				resp, _ := MustGet(t, hc, k.URL+path)
				MustHardHeaders(t, who+" GET "+r.Path, resp)
				seen++
			}
		case http.MethodPost:
			// Logged in, but without the form's CSRF token: refused unless the
			// route is a public citizen form or the bearer-token API.
			for who, hc := range map[string]*http.Client{"admin": admin, "counter": counter} {
				resp, body := MustPostForm(t, hc, k.URL+path, url.Values{"active": {"0"}, "service": {"KTPEL_BARU"}, "name": {"x"}})
				MustHardHeaders(t, who+" POST "+r.Path, resp)
				public := strings.HasPrefix(r.Path, "/s/") || strings.HasPrefix(r.Path, "/kiosk/") || strings.HasPrefix(r.Path, "/v/") ||
					strings.HasPrefix(r.Path, "/api/")
				if !public && resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s POST %s without CSRF token: %d, want 403: %s", who, r.Path, resp.StatusCode, clip(body))
				}
				seen++
			}
		}
	}
	if seen < 60 {
		t.Errorf("only %d requests made; the route walk is broken", seen)
	}
	// Errors answered before any handler (an unknown path, a refused method, a body over the server's limit) too.
	resp, _ := MustGet(t, MustNewClient(t), k.URL+"/tidak/ada")
	MustHardHeaders(t, "404", resp)
	resp, body := MustRawRequest(t, k.URL, "POST /s/"+siti.Code+" HTTP/1.1\r\nHost: kiosk\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9437184\r\n\r\n"+
		strings.Repeat("x", 8<<10)) // what the server reads ahead of any handler
	MustStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	MustHardHeaders(t, "413 before the handler", resp)
	// A method Fiber does not know, which it would answer itself.
	resp, body = MustRawRequest(t, k.URL, "BREW / HTTP/1.1\r\nHost: kiosk\r\n\r\n")
	MustStatus(t, resp, body, http.StatusMethodNotAllowed)
	MustHardHeaders(t, "unknown method", resp)
}

func TestBodyLimitsOnEveryForm(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	big := strings.Repeat("x", 100<<10)
	for _, path := range []string{"/s/" + siti.Code, "/kiosk/s/" + siti.Code, "/login", "/setup", "/v/x", "/api/v1/visits"} {
		resp, body := MustPostForm(t, MustNewClient(t), k.URL+path, url.Values{"comment": {big}})
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with 100 KiB: %d, want 413: %s", path, resp.StatusCode, clip(body))
		}
	}
	// A survey at the longest comment allowed still fits.
	phone := MustNewClient(t)
	_, formKey := MustSurveyPage(t, phone, k.URL+"/s/"+siti.Code)
	v := surveyValues(formKey, "KTPEL_BARU", allFours())
	v.Set("comment", strings.Repeat("é", k.Config.CommentLimit))
	resp, body := MustPostForm(t, phone, k.URL+"/s/"+siti.Code, v)
	MustRedirect(t, resp, body, "/s/")
}

func TestMarkupAndFormulasInStaffDataAreInert(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)
	const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	csrf := MustCSRF(t, admin, k.URL+"/admin/staff/new")
	resp, body := MustPostMultipart(t, admin, k.URL+"/admin/staff/new", url.Values{"csrf": {csrf}, "nip": {nipSiti},
		"name": {xss}, "position": {"=1+1"}, "unit": {"@SUM(A1:A9)"}, "counter": {"+62"}, "type": {"PNS"}}, nil)
	MustRedirect(t, resp, body, "/admin/staff")
	st, err := k.DB.StaffByNIP(t.Context(), nipSiti)
	if err != nil {
		t.Fatal(err)
	}
	tablet, _ := MustEnrollTablet(t, k, "Tablet meja")
	for _, p := range []string{"/admin", "/admin/staff", "/admin/staff/" + nipSiti, "/admin/audit", "/admin/tablets", "/kiosk", "/s/" + st.Code,
		"/card/" + st.Code, "/counter/" + st.Code} {
		hc := admin
		if strings.HasPrefix(p, "/kiosk") {
			hc = tablet
		}
		resp, page := MustGet(t, hc, k.URL+p)
		MustStatus(t, resp, page, http.StatusOK)
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") {
			t.Errorf("%s shows the markup unescaped", p)
		}
	}
	resp, body = MustGet(t, admin, k.URL+"/admin/staff/export.csv")
	MustStatus(t, resp, body, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	MustNoFormulaCells(t, "roster export", rows)
}
