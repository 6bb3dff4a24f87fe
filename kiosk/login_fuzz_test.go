package kiosk_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/web"
)

// FuzzLogin posts arbitrary usernames, passwords and next paths to the real
// login form: never a 5xx; a login only with the right password, landing on
// a path of this site; every refusal a 4xx. The clock moves two hours on
// each run, past the throttle's memory, so that the right password is
// checked whatever ran before.
func FuzzLogin(f *testing.F) {
	f.Add(adminUser, adminPassword, "/admin/staff")
	f.Add(adminUser, adminPassword, "/\t/evil.example")
	f.Add("ADMIN", adminPassword, "//evil.example")
	f.Add("ad\x00min", adminPassword, "/admin")
	f.Add("nobody", "salah", "https://evil.example")
	f.Add(adminUser, "", "/\\evil.example")
	k := MustStartKiosk(f)
	MustSetUp(f, k)
	var runs atomic.Int64
	var hc *http.Client
	var csrf string
	f.Fuzz(func(t *testing.T, username, password, next string) {
		k.Clock.Set(testStart.Add(time.Duration(runs.Add(1)) * 2 * time.Hour))
		if hc == nil {
			hc = MustNewClient(t)
			csrf = MustCSRF(t, hc, k.URL+"/login")
		}
		resp, body := MustPostForm(t, hc, k.URL+"/login", url.Values{"csrf": {csrf}, "username": {username},
			"password": {password}, "next": {next}})
		switch st := resp.StatusCode; {
		case st == http.StatusSeeOther:
			hc = nil // logged in: the next run starts a new browser
			if !strings.EqualFold(username, adminUser) || password != adminPassword {
				t.Fatalf("%q with password %q logged in", username, password)
			}
			if loc := resp.Header.Get("Location"); loc != "/admin" && (loc != next || web.SafeNext(loc, "") != loc) {
				t.Fatalf("next %q: redirected to %q", next, loc)
			}
		case st >= 400 && st < 500:
		default:
			t.Fatalf("%q / %q / %q: %d %s", username, password, next, st, clip(body))
		}
	})
}
