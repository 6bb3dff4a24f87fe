package kiosk_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var (
	attrURLRE   = regexp.MustCompile(`\b(src|href|action|srcset|poster|data)="([^"]*)"`)
	scriptTagRE = regexp.MustCompile(`<script\b[^>]*>`)
	inlineRE    = regexp.MustCompile(`\s(style|on[a-z]+)="`)
	cssURLRE    = regexp.MustCompile(`(?i)url\(\s*['"]?([^'")]+)|@import`)
)

// MustOnlyLocalURLs fails when page refers to anything outside the kiosk, or
// relies on inline script or style that the CSP forbids. It returns the
// /static/ URLs the page uses.
func MustOnlyLocalURLs(tb testing.TB, base, what, page string) []string {
	tb.Helper()
	var static []string
	for _, m := range attrURLRE.FindAllStringSubmatch(page, -1) {
		u := html.UnescapeString(m[2])
		switch {
		case strings.HasPrefix(u, "//"):
			tb.Errorf("%s: %s=%q is protocol-relative: another host", what, m[1], u)
		case strings.Contains(u, "://"):
			if !strings.HasPrefix(u, base+"/") {
				tb.Errorf("%s: %s=%q loads from outside the kiosk", what, m[1], u)
			}
		case strings.HasPrefix(u, "/static/"):
			static = append(static, u)
		case strings.HasPrefix(u, "/") || strings.HasPrefix(u, "#"):
		default:
			tb.Errorf("%s: %s=%q is not a local path", what, m[1], u)
		}
	}
	for _, tag := range scriptTagRE.FindAllString(page, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			tb.Errorf("%s: inline or foreign script %s", what, tag)
		}
	}
	if m := inlineRE.FindString(page); m != "" {
		tb.Errorf("%s: inline %s attribute, which the CSP blocks", what, strings.TrimSpace(m))
	}
	return static
}

// MustSecurityHeaders checks the headers every page carries.
func MustSecurityHeaders(tb testing.TB, what string, resp *http.Response) {
	tb.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") ||
		strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "*") {
		tb.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		tb.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" && got != "same-origin" && got != "strict-origin" {
		tb.Errorf("%s: Referrer-Policy %q", what, got)
	}
	if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
		tb.Errorf("%s: X-Frame-Options %q", what, got)
	}
}

func TestPagesLoadNothingFromOutside(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	tablet, admin := MustEnrollTablet(t, k, "Tablet meja")
	anon := MustNewClient(t)
	code := siti.Code

	pages := []struct {
		client *http.Client
		path   string
		status int
	}{
		{anon, "/", 200}, {anon, "/s/" + code, 200}, {anon, "/s/" + code + "?lang=en", 200}, {anon, "/s/" + code + "/terima-kasih", 200},
		{tablet, "/kiosk", 200}, {tablet, "/kiosk/s/" + code, 200}, {tablet, "/kiosk/terima-kasih", 200}, {anon, "/kiosk", 403},
		{admin, "/admin/tablets", 200},
		{anon, "/card/" + code, 200}, {anon, "/counter/" + code, 200}, {anon, "/privasi", 200}, {anon, "/login", 200},
		{anon, "/s/tidakada", 404}, {anon, "/tidak/ada", 404},
		{admin, "/", 200}, {admin, "/admin", 200}, {admin, "/admin/staff", 200}, {admin, "/admin/staff/new", 200},
		{admin, "/admin/staff/" + nipSiti, 200}, {admin, "/admin/staff/import", 200}, {admin, "/admin/services", 200},
		{admin, "/admin/sync", 200},
	}
	assets := map[string]bool{}
	for _, p := range pages {
		resp, page := MustGet(t, p.client, k.URL+p.path)
		MustStatus(t, resp, page, p.status)
		MustSecurityHeaders(t, p.path, resp)
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", p.path, ct)
		}
		for _, u := range MustOnlyLocalURLs(t, k.URL, p.path, page) {
			assets[u] = true
		}
	}
	if len(assets) < 4 {
		t.Fatalf("only %d static assets seen: %v", len(assets), assets)
	}
	for u := range assets {
		resp, body := MustGet(t, anon, k.URL+u)
		MustStatus(t, resp, body, http.StatusOK)
		if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q, want immutable (hashed URL)", u, resp.Header.Get("Cache-Control"))
		}
		if strings.HasSuffix(u, ".css") || strings.HasSuffix(u, ".svg") {
			for _, m := range cssURLRE.FindAllStringSubmatch(body, -1) {
				if m[0] == "@import" || strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "//") {
					t.Errorf("%s refers outside the kiosk: %s", u, m[0])
				}
			}
		}
		// Scripts name no address: the desk tablet's fetch() posts to the
		// page's own form action, and the CSP (default-src 'self') refuses
		// any other origin.
		if strings.HasSuffix(u, ".js") && (strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "XMLHttpRequest")) {
			t.Errorf("%s reaches out to the network", u)
		}
	}

	// The JSON API carries the same headers.
	resp, body := MustGet(t, anon, k.URL+"/api/v1/staff")
	MustStatus(t, resp, body, http.StatusOK)
	MustSecurityHeaders(t, "/api/v1/staff", resp)
}

func TestCookiesAreLocked(t *testing.T) {
	k := MustStartKiosk(t)
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hc := MustNewClient(t)
	resp, page := MustGet(t, hc, link)
	MustStatus(t, resp, page, http.StatusOK)
	if c := findCookie(resp, "csrf"); c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("csrf cookie %+v, want HttpOnly and SameSite=Strict", c)
	}
	form := map[string][]string{"csrf": {MustInputValue(t, page, "csrf")}, "token": {MustInputValue(t, page, "token")},
		"username": {adminUser}, "password": {adminPassword}, "password2": {adminPassword}}
	resp, body := MustPostForm(t, hc, k.URL+"/setup", form)
	MustRedirect(t, resp, body, "/admin")
	c := findCookie(resp, "sesi")
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Errorf("session cookie %+v, want HttpOnly, SameSite=Strict, Path=/", c)
	}
}

func TestCommentStoredVerbatimShownEscaped(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	comment := `<script>alert('pwn')</script><img src=x onerror=alert(1)> "Loket" & antrean`
	m := responseBody(nipSiti, "KTPEL_BARU", "xss-1")
	m["comment"] = comment
	c := MustCreateResponse(t, k.URL, mustJSON(m), http.StatusCreated)
	stored, err := k.DB.ResponseByID(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Comment != comment {
		t.Errorf("stored comment %q, want it verbatim %q", stored.Comment, comment)
	}
	// No page lists comments today; none may carry the markup raw.
	tablet, _ := MustEnrollTablet(t, k, "Tablet meja")
	for _, p := range []string{"/admin", "/admin/staff", "/admin/sync", "/kiosk"} {
		hc := admin
		if p == "/kiosk" {
			hc = tablet
		}
		resp, page := MustGet(t, hc, k.URL+p)
		MustStatus(t, resp, page, http.StatusOK)
		if strings.Contains(page, "alert('pwn')") || strings.Contains(page, "onerror=alert") {
			t.Errorf("%s shows the comment's markup unescaped", p)
		}
	}
}
