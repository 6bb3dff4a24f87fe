package kiosk_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/store/sqlite/sqlitetest"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

const centralPublic = "https://pusat.example.go.id"

// connected gives the kiosk a [central] section with central's public address.
func connected(c *kiosk.Config) {
	c.Central = kiosk.CentralConfig{URL: "http://127.0.0.1:9", KioskID: "k-tk7h3k9m2p", Secret: "skm1-test", PublicURL: centralPublic + "/"}
}

// rateAndThank submits the survey at path (a phone's /s/CODE or the
// tablet's /kiosk/s/CODE) and returns the thank-you page it is sent to.
func rateAndThank(tb testing.TB, k *testKiosk, hc *http.Client, path string) (*http.Response, string, string) {
	tb.Helper()
	_, formKey := MustSurveyPage(tb, hc, k.URL+path)
	resp, body := MustPostForm(tb, hc, k.URL+path, surveyValues(formKey, "KTPEL_BARU", allFours()))
	target := MustRedirect(tb, resp, body, "/")
	resp, page := MustGet(tb, hc, k.URL+target)
	MustStatus(tb, resp, page, http.StatusOK)
	return resp, page, target
}

// With central's public address configured, the thank-you page gives the
// citizen a receipt code for their rating and an image from central that
// delivers the kiosk's signed head; its Content-Security-Policy lets
// images come from that address and no other. On the desk tablet the code
// is shown with where to check it (no link out of the locked flow).
// Without the address, or with privacy.witness off, neither appears.
func TestThankYouPageReceiptAndWitness(t *testing.T) {
	k := MustStartKiosk(t, connected)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	resp, page, target := rateAndThank(t, k, MustNewClient(t), "/s/"+siti.Code)
	r := MustPendingResponses(t, k)[0]
	code := survey.NewReceiptCode("k-tk7h3k9m2p", r.Seq, r.Hash).String()
	if !strings.Contains(target, "tanda="+code) {
		t.Errorf("redirected to %s, want the receipt code %s", target, code)
	}
	page = html.UnescapeString(page)
	for _, want := range []string{`id="receipt-code">` + code, `href="` + centralPublic + "/tanda-terima?kode=" + code,
		`src="` + centralPublic + "/api/v1/witness?", "k=k-tk7h3k9m2p", "&s=1"} {
		if !strings.Contains(page, want) {
			t.Errorf("thank-you page lacks %q", want)
		}
	}
	if got, want := resp.Header.Get("Content-Security-Policy"), web.ContentSecurityPolicyImages(centralPublic); got != want ||
		!strings.Contains(got, "img-src 'self' data: "+centralPublic+";") {
		t.Errorf("CSP %q, want %q", got, want)
	}

	// The tablet: the code and where to check it, no link out.
	tablet, _ := MustEnrollTablet(t, k, "Meja depan")
	_, page, _ = rateAndThank(t, k, tablet, "/kiosk/s/"+siti.Code)
	if !strings.Contains(page, "pusat.example.go.id/tanda-terima") || strings.Contains(page, `href="`+centralPublic) ||
		!strings.Contains(page, `id="receipt-code"`) || !strings.Contains(html.UnescapeString(page), "/api/v1/witness?") {
		t.Errorf("tablet thank-you page: want the code, the address as text and the witness image, no link out")
	}

	// A code of another kiosk, or made up, shows no receipt.
	for _, q := range []string{"?tanda=k-other1234-1-00000000", "?tanda=bukan", ""} {
		resp, page := MustGet(t, MustNewClient(t), k.URL+"/s/"+siti.Code+"/terima-kasih"+q)
		MustStatus(t, resp, page, http.StatusOK)
		if strings.Contains(page, "receipt-code") || resp.Header.Get("Content-Security-Policy") != web.ContentSecurityPolicy {
			t.Errorf("thank-you page%s: shows a receipt or widens its CSP", q)
		}
	}
	resp, page = MustGet(t, MustNewClient(t), k.URL+"/privasi")
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(text(page), centralPublic) || !strings.Contains(text(page), "tidak disimpan") {
		t.Errorf("/privasi does not say what the thank-you page sends to %s", centralPublic)
	}

	for name, configure := range map[string]func(*kiosk.Config){
		"witness off":       func(c *kiosk.Config) { connected(c); c.Privacy.Witness = false },
		"no public address": func(c *kiosk.Config) { connected(c); c.Central.PublicURL = "" },
	} {
		k := MustStartKiosk(t, configure)
		siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
		resp, page, target := rateAndThank(t, k, MustNewClient(t), "/s/"+siti.Code)
		if strings.Contains(target, "tanda=") || strings.Contains(page, "receipt-code") || strings.Contains(page, "witness") ||
			resp.Header.Get("Content-Security-Policy") != web.ContentSecurityPolicy {
			t.Errorf("%s: the thank-you page has a receipt or a witness", name)
		}
		if _, page := MustGet(t, MustNewClient(t), k.URL+"/privasi"); strings.Contains(page, "privacy-witness") {
			t.Errorf("%s: /privasi describes a witness that is off", name)
		}
	}
}

// central.public_url is checked: an address, only with a [central] section.
func TestCentralPublicURLIsChecked(t *testing.T) {
	for _, tc := range []struct {
		edit func(*kiosk.Config)
		want string
	}{
		{func(c *kiosk.Config) { connected(c); c.Central.PublicURL = "pusat.example.go.id" }, "central.public_url"},
		{func(c *kiosk.Config) { connected(c); c.Central.PublicURL = centralPublic + "/tanda-terima" }, "central.public_url"},
		{func(c *kiosk.Config) { c.Central.PublicURL = centralPublic }, "needs central.url"},
		{func(c *kiosk.Config) { c.Sync.Heartbeat = survey.Duration(-1) }, "sync.heartbeat"},
		{func(c *kiosk.Config) { c.Sync.Heartbeat = survey.Duration(1) }, "sync.heartbeat"},
	} {
		cfg := kiosk.DefaultConfig()
		tc.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v, want an error naming %s", err, tc.want)
		}
	}
	cfg := kiosk.DefaultConfig()
	connected(&cfg)
	if err := cfg.Validate(); err != nil || cfg.Central.PublicURL != centralPublic || !cfg.Witness() {
		t.Errorf("a valid public_url: %v %q", err, cfg.Central.PublicURL)
	}
}

// /healthz reports the clock (unknown on a kiosk that has not reached
// central), and a damaged database file as 503 naming the restore command.
func TestHealthzSaysClockAndDamage(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	var h struct {
		Status, Database string
		Clock            survey.ClockStatus
	}
	resp, body := MustGet(t, MustNewClient(t), k.URL+"/healthz")
	if err := json.Unmarshal([]byte(body), &h); err != nil || resp.StatusCode != http.StatusOK || h.Clock.Status != survey.ClockUnknown {
		t.Fatalf("/healthz = %d %s", resp.StatusCode, body)
	}
	for i := range 200 {
		r := survey.Response{NIP: nipSiti, Service: "KTPEL_BARU", Channel: survey.ChannelAPI, Ratings: survey.Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4},
			Comment: strings.Repeat("baik ", 40+i%5)}
		if _, err := k.DB.CreateResponse(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
	}
	sqlitetest.CorruptPages(t, k.Path)
	if res, err := k.DB.CheckIntegrity(context.Background()); err != nil || res == "ok" {
		t.Fatalf("integrity check of a damaged file: %q %v", res, err)
	}
	resp, body = MustGet(t, MustNewClient(t), k.URL+"/healthz")
	if err := json.Unmarshal([]byte(body), &h); err != nil || resp.StatusCode != http.StatusServiceUnavailable ||
		h.Status != "unavailable" || !strings.Contains(h.Database, "damaged") || !strings.Contains(h.Database, "kiosk restore") {
		t.Errorf("/healthz on a damaged file = %d %s, want 503 naming the damage and kiosk restore", resp.StatusCode, body)
	}
}

// The sync page says when central last took the kiosk's head, that the
// database was restored (with what central holds, "held at central"), and
// lists the chain's segments.
func TestSyncPageSaysRestoreAndSegments(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	admin := MustSetUp(t, k)
	resp, page := MustGet(t, admin, k.URL+"/admin/sync")
	MustStatus(t, resp, page, http.StatusOK)
	if strings.Contains(page, "sync-restore") || strings.Contains(page, "sync-segments") {
		t.Errorf("a kiosk never restored shows a restore")
	}
	mustRestoreStatus(t, k, survey.RestoreStatus{FileSeq: 20, CentralSeq: 30, CentralAsked: true, HeldAtCentral: 10, NextSeq: 31})
	_, page = MustGet(t, admin, k.URL+"/admin/sync")
	if got := text(page); !strings.Contains(got, "Pusat memegang 10 penilaian setelahnya") || !strings.Contains(got, "tidak hilang") ||
		!strings.Contains(got, "setelah 31") || !strings.Contains(got, "Nomor 31") || !strings.Contains(got, "pusat mengetahui sampai 30") {
		t.Errorf("sync page does not say the restore and what central holds: %s", clip(got))
	}
	_, page = MustGet(t, admin, k.URL+"/admin/sync?lang=en")
	if got := text(page); !strings.Contains(got, "Central holds 10 ratings after it") {
		t.Errorf("sync page in English: %s", clip(got))
	}
}

// mustRestoreStatus records st as the kiosk's last restore, and a restore
// segment at its NextSeq, as Rebase does.
func mustRestoreStatus(tb testing.TB, k *testKiosk, st survey.RestoreStatus) {
	tb.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		tb.Fatal(err)
	}
	if err := k.DB.SetSetting(context.Background(), sqlite.SettingRestore, string(b)); err != nil {
		tb.Fatal(err)
	}
	raw := mustRaw(tb, k.Path)
	if _, err := raw.Exec(`INSERT INTO chain_segments (seq, kind, prev_seq, prev_hash, found_seq, found_hash, central_seq, reason, created_at, hash, signature)
		VALUES (?, 'restore', ?, 'p', ?, 'f', ?, 'restored from a backup', '2026-11-26T03:00:00.000000Z', 'h', 's')`,
		st.NextSeq, st.FileSeq, st.FileSeq, st.CentralSeq); err != nil {
		tb.Fatal(err)
	}
}

func mustRaw(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}
