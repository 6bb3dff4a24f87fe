package kiosk_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/skmkiosk/skm/survey"
)

// MustCountUsers returns how many accounts exist.
func MustCountUsers(tb testing.TB, k *testKiosk) int {
	tb.Helper()
	n, err := k.DB.CountUsers(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestSetupLinkCreatesAdminOnce(t *testing.T) {
	k := MustStartKiosk(t)
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, k.URL+"/setup?token=") || len(link) < len(k.URL+"/setup?token=")+16 {
		t.Fatalf("set-up link = %q, want %s/setup?token=<random>", link, k.URL)
	}
	hc := MustNewClient(t)

	resp, body := MustGet(t, hc, k.URL+"/setup?token=wrong-token")
	MustStatus(t, resp, body, http.StatusForbidden)
	resp, body = MustGet(t, hc, k.URL+"/setup")
	MustStatus(t, resp, body, http.StatusForbidden)

	resp, page := MustGet(t, hc, link)
	MustStatus(t, resp, page, http.StatusOK)
	for _, want := range []string{`action="/setup"`, `name="username"`, `name="password"`, `name="password2"`} {
		if !strings.Contains(page, want) {
			t.Errorf("set-up form lacks %s", want)
		}
	}
	csrf, token := MustInputValue(t, page, "csrf"), MustInputValue(t, page, "token")
	good := url.Values{"csrf": {csrf}, "token": {token}, "username": {adminUser}, "password": {adminPassword}, "password2": {adminPassword}}

	refused := []struct {
		name   string
		change func(url.Values)
		status int
	}{
		{"no csrf field", func(v url.Values) { v.Del("csrf") }, http.StatusForbidden},
		{"wrong csrf", func(v url.Values) { v.Set("csrf", "x"+csrf) }, http.StatusForbidden},
		{"wrong token", func(v url.Values) { v.Set("token", "x"+token) }, http.StatusForbidden},
		{"passwords differ", func(v url.Values) { v.Set("password2", adminPassword+"!") }, http.StatusBadRequest},
		{"short password", func(v url.Values) { v.Set("password", "pendek"); v.Set("password2", "pendek") }, http.StatusBadRequest},
		{"bad username", func(v url.Values) { v.Set("username", "a b") }, http.StatusBadRequest},
	}
	for _, tc := range refused {
		v := url.Values{}
		for key, vs := range good {
			v[key] = append([]string(nil), vs...)
		}
		tc.change(v)
		resp, body := MustPostForm(t, hc, k.URL+"/setup", v)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		if strings.Contains(body, adminPassword) {
			t.Errorf("%s: the refused page echoes the password", tc.name)
		}
		if n := MustCountUsers(t, k); n != 0 {
			t.Fatalf("%s: %d accounts after a refused set-up, want 0", tc.name, n)
		}
	}

	resp, body = MustPostForm(t, hc, k.URL+"/setup", good)
	MustRedirect(t, resp, body, "/admin")
	resp, body = MustGet(t, hc, k.URL+"/admin")
	MustStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `action="/logout"`) {
		t.Error("after set-up the admin page shows no logout button: not logged in?")
	}

	// The link is spent: neither the form nor a second post works, from any browser.
	other := MustNewClient(t)
	resp, body = MustGet(t, other, link)
	MustStatus(t, resp, body, http.StatusForbidden)
	resp, page = MustGet(t, other, k.URL+"/login")
	MustStatus(t, resp, page, http.StatusOK)
	again := url.Values{"csrf": {MustInputValue(t, page, "csrf")}, "token": {token}, "username": {"intruder"},
		"password": {adminPassword}, "password2": {adminPassword}}
	resp, body = MustPostForm(t, other, k.URL+"/setup", again)
	MustStatus(t, resp, body, http.StatusForbidden)
	if n := MustCountUsers(t, k); n != 1 {
		t.Errorf("%d accounts, want 1", n)
	}
	if link, err := k.Server.PrepareSetup(context.Background()); err != nil || link != "" {
		t.Errorf("PrepareSetup once an admin exists = %q, %v; want no link", link, err)
	}
}

// postFormStatus posts v and returns the status; safe to call from any goroutine.
func postFormStatus(hc *http.Client, u string, v url.Values) (int, error) {
	resp, err := hc.PostForm(u, v)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestSetupLinkRaceCreatesOneAdmin(t *testing.T) {
	k := MustStartKiosk(t)
	link, err := k.Server.PrepareSetup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	clients := make([]*http.Client, n)
	forms := make([]url.Values, n)
	for i := range clients {
		clients[i] = MustNewClient(t)
		resp, page := MustGet(t, clients[i], link)
		MustStatus(t, resp, page, http.StatusOK)
		forms[i] = url.Values{"csrf": {MustInputValue(t, page, "csrf")}, "token": {MustInputValue(t, page, "token")},
			"username": {"admin" + string(rune('a'+i))}, "password": {adminPassword}, "password2": {adminPassword}}
	}
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() { statuses[i], errs[i] = postFormStatus(clients[i], k.URL+"/setup", forms[i]) })
	}
	wg.Wait()
	created := 0
	for i, st := range statuses {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if st == http.StatusSeeOther {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d of %d simultaneous set-ups succeeded, want 1 (statuses %v)", created, n, statuses)
	}
	if got := MustCountUsers(t, k); got != 1 {
		t.Errorf("%d accounts after simultaneous set-ups with one link, want 1", got)
	}
}

func TestLoginLogout(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)

	// Logout needs the CSRF token; without it the session survives.
	resp, body := MustPostForm(t, admin, k.URL+"/logout", url.Values{})
	MustStatus(t, resp, body, http.StatusForbidden)
	csrf := MustCSRF(t, admin, k.URL+"/admin/staff")
	resp, body = MustPostForm(t, admin, k.URL+"/logout", url.Values{"csrf": {csrf}})
	MustRedirect(t, resp, body, "/login")
	resp, body = MustGet(t, admin, k.URL+"/admin")
	if loc := MustRedirect(t, resp, body, "/login"); loc != "/login?next=%2Fadmin" {
		t.Errorf("after logout /admin redirects to %q, want /login?next=%%2Fadmin", loc)
	}

	hc := MustNewClient(t)
	resp, page := MustGet(t, hc, k.URL+"/login")
	MustStatus(t, resp, page, http.StatusOK)
	csrf = MustInputValue(t, page, "csrf")

	resp, body = MustPostForm(t, hc, k.URL+"/login", url.Values{"csrf": {csrf}, "username": {adminUser}, "password": {"salah-sekali-123"}})
	MustStatus(t, resp, body, http.StatusUnauthorized)
	if !strings.Contains(body, "nama pengguna atau kata sandi salah") {
		t.Error("a wrong password does not say so in Indonesian")
	}
	resp, body = MustPostForm(t, hc, k.URL+"/login", url.Values{"csrf": {csrf}, "username": {"nobody"}, "password": {adminPassword}})
	MustStatus(t, resp, body, http.StatusUnauthorized)
	resp, body = MustGet(t, hc, k.URL+"/admin")
	MustRedirect(t, resp, body, "/login")

	// Without the CSRF field the right password is refused too.
	resp, body = MustPostForm(t, hc, k.URL+"/login", url.Values{"username": {adminUser}, "password": {adminPassword}})
	MustStatus(t, resp, body, http.StatusForbidden)

	// next is followed only when it is a local path.
	for _, tc := range []struct{ next, want string }{
		{"//evil.example/", "/admin"},
		{"https://evil.example/", "/admin"},
		{"/\t/evil.example", "/admin"}, // sent as next=/%09/evil.example; a browser drops the tab
		{"/\\evil.example", "/admin"},
		{"/\n/evil.example", "/admin"},
		{"/\u3000/evil.example", "/admin"},
		{"/admin/staff", "/admin/staff"},
	} {
		c := MustNewClient(t)
		token := MustCSRF(t, c, k.URL+"/login")
		resp, body := MustPostForm(t, c, k.URL+"/login", url.Values{"csrf": {token}, "username": {adminUser},
			"password": {adminPassword}, "next": {tc.next}})
		if loc := MustRedirect(t, resp, body, "/"); loc != tc.want {
			t.Errorf("login with next=%q redirects to %q, want %q", tc.next, loc, tc.want)
		}
	}

	resp, body = MustPostForm(t, hc, k.URL+"/login", url.Values{"csrf": {csrf}, "username": {adminUser}, "password": {adminPassword}})
	MustRedirect(t, resp, body, "/admin")
	resp, body = MustGet(t, hc, k.URL+"/admin")
	MustStatus(t, resp, body, http.StatusOK)
	// Logged in, the login page forwards to next: a local path only.
	resp, body = MustGet(t, hc, k.URL+"/login?next=/%09/evil.example")
	if loc := MustRedirect(t, resp, body, "/"); loc != "/admin" {
		t.Errorf("/login?next=/%%09/evil.example when logged in redirects to %q, want /admin", loc)
	}
}

func TestAdminPostsNeedCSRFAndLogin(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)
	staff := url.Values{"nip": {nipSiti}, "type": {"PNS"}, "name": {"Siti Aminah"}, "counter": {"1"}}
	service := url.Values{"code": {"LAYANAN_BARU"}, "name_id": {"Layanan baru"}, "active": {"1"}}

	for _, tc := range []struct {
		name   string
		client *http.Client
		csrf   string
		status int
	}{
		{"logged in, no csrf field", admin, "", http.StatusForbidden},
		{"logged in, wrong csrf", admin, "bukan-token", http.StatusForbidden},
		{"anonymous", MustNewClient(t), "", http.StatusUnauthorized},
	} {
		v := url.Values{}
		for key, vs := range staff {
			v[key] = vs
		}
		if tc.csrf != "" {
			v.Set("csrf", tc.csrf)
		}
		resp, body := MustPostMultipart(t, tc.client, k.URL+"/admin/staff/new", v, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: add staff status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		_ = body
		resp, _ = MustPostForm(t, tc.client, k.URL+"/admin/services", service)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: save service status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	if _, err := k.DB.StaffByNIP(context.Background(), nipSiti); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("staff after refused posts: err = %v, want not found", err)
	}
	services, err := k.DB.FindServices(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range services {
		if s.Code == "LAYANAN_BARU" {
			t.Error("a refused post saved a service")
		}
	}
}
