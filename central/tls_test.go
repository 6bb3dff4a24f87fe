package central_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// newSecClient returns a client with a cookie jar that does not follow
// redirects and trusts pool (nil: the system roots).
func newSecClient(tb testing.TB, pool *x509.CertPool) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// testPKI is a private certificate authority and a server certificate for
// 127.0.0.1 it signed, written as PEM files.
type testPKI struct {
	CAFile, CertFile, KeyFile string
	Pool                      *x509.CertPool
}

// mustTestPKI makes a test CA and a certificate for 127.0.0.1 and localhost under dir.
func mustTestPKI(tb testing.TB, dir string) testPKI {
	tb.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "SKM test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "central.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	p := testPKI{CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "central.pem"), KeyFile: filepath.Join(dir, "central.key"),
		Pool: x509.NewCertPool()}
	p.Pool.AddCert(caCert)
	for file, block := range map[string]*pem.Block{p.CAFile: {Type: "CERTIFICATE", Bytes: caDER},
		p.CertFile: {Type: "CERTIFICATE", Bytes: der}, p.KeyFile: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

// tlsCentral is central serving HTTPS on a loopback port.
type tlsCentral struct {
	URL    string
	Store  survey.CentralStore
	Server *central.Server
	PKI    testPKI
}

// mustStartTLSCentral serves central over HTTPS with a certificate made in the test.
func mustStartTLSCentral(tb testing.TB) *tlsCentral {
	tb.Helper()
	dir := tb.TempDir()
	pki := mustTestPKI(tb, dir)
	cfg := central.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.TLS = central.TLSConfig{CertFile: pki.CertFile, KeyFile: pki.KeyFile}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	store, err := sqlite.OpenCentral(context.Background(), filepath.Join(dir, "central.db"), sqlite.CentralOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := central.NewServer(cfg, store, central.Options{Logger: slog.New(slog.DiscardHandler), BcryptCost: 4})
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
		store.Close()
	})
	return &tlsCentral{URL: "https://" + ln.Addr().String(), Store: store, Server: srv, PKI: pki}
}

func TestCentralServesTLSAndTheUploaderTrustsOnlyItsCA(t *testing.T) {
	c := mustStartTLSCentral(t)
	ctx := context.Background()

	// HTTPS with the test CA; neither plain HTTP nor an untrusting client gets through.
	resp, body := MustDo(t, newSecClient(t, c.PKI.Pool), mustRequest(t, c.URL+"/healthz"))
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || !strings.Contains(body, `"ok"`) {
		t.Fatalf("GET /healthz over TLS: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if _, err := newSecClient(t, nil).Get(c.URL + "/healthz"); err == nil {
		t.Error("a client without the test CA trusted central's certificate")
	}
	if resp, err := http.Get(strings.Replace(c.URL, "https://", "http://", 1) + "/healthz"); err == nil && resp.StatusCode == http.StatusOK {
		t.Error("central answered plain HTTP on its TLS port")
	}

	// A kiosk's uploader: refused without central.ca_file, trusted with it.
	office := storetest.MustCreateOffice(t, c.Store, "Disdukcapil Kota Serang")
	k, secret, err := central.NewKiosk(ctx, c.Store, office)
	if err != nil {
		t.Fatal(err)
	}
	key, err := wire.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := upload.CheckURL(c.URL, false); err != nil {
		t.Fatalf("CheckURL(https) = %v", err)
	}
	db, err := sqlite.OpenKiosk(ctx, filepath.Join(t.TempDir(), "kiosk.db"), sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	system, err := upload.NewHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	_, err = upload.New(db, upload.Config{BaseURL: c.URL, KioskID: k.ID, Key: key, HTTPClient: system, Logger: slog.New(slog.DiscardHandler)}).SyncOnce(ctx)
	var unknown x509.UnknownAuthorityError
	if err == nil || !(errors.As(err, &unknown) || strings.Contains(err.Error(), "certificate")) {
		t.Errorf("sync without ca_file: %v, want a certificate error", err)
	}
	trusting, err := upload.NewHTTPClient(c.PKI.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := upload.New(db, upload.Config{BaseURL: c.URL, KioskID: k.ID, Key: key, HTTPClient: trusting, Logger: slog.New(slog.DiscardHandler)}).SyncOnce(ctx); err != nil {
		t.Errorf("sync with ca_file: %v", err)
	}
	if _, err := upload.NewHTTPClient(filepath.Join(t.TempDir(), "missing.pem")); err == nil || !strings.Contains(err.Error(), "central.ca_file") {
		t.Errorf("a missing ca_file: %v, want an error naming central.ca_file", err)
	}
}

func mustRequest(tb testing.TB, u string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return req
}

func TestCentralSessionCookieSecureUnderTLS(t *testing.T) {
	c := mustStartTLSCentral(t)
	link, err := c.Server.PrepareSetup(context.Background(), c.URL)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{base: c.URL, hc: newSecClient(t, c.PKI.Pool)}
	resp, page := b.MustGet(t, strings.TrimPrefix(link, c.URL), http.StatusOK)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the set-up page")
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "csrf" && (!ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode) {
			t.Errorf("csrf cookie %+v, want Secure, HttpOnly, SameSite=Strict", ck)
		}
	}
	token := strings.TrimPrefix(link, c.URL+"/setup?token=")
	resp, _ = b.MustPost(t, "/setup", url.Values{"csrf": {m[1]}, "token": {token}, "username": {"admin"},
		"password": {"rahasia-pusat-123"}, "password2": {"rahasia-pusat-123"}})
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "sesi" {
			session = ck
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Errorf("set-up: %d, session cookie %+v; want Secure, HttpOnly, SameSite=Strict", resp.StatusCode, session)
	}
	b.MustGet(t, "/admin", http.StatusOK)
}
