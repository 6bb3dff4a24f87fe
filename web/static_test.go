package web_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/assets"
	"github.com/skmkiosk/skm/web"
)

// MustServeStatic serves st under /static on 127.0.0.1:0 and returns the base URL.
func MustServeStatic(tb testing.TB, st *web.Static) string {
	tb.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/static/*", st.Handler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	tb.Cleanup(func() {
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		ln.Close()
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// MustFetch gets u with the given Accept-Encoding ("" for none), without the
// client's transparent decompression.
func MustFetch(tb testing.TB, u, acceptEncoding string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}

func TestStaticHashedURLsAndGzip(t *testing.T) {
	st, err := web.NewStatic(assets.Static(), "/static")
	if err != nil {
		t.Fatal(err)
	}
	base := MustServeStatic(t, st)
	css, err := fs.ReadFile(assets.Static(), "css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	u := st.URL("css/app.css")
	if !regexp.MustCompile(`^/static/[0-9a-f]{10}/css/app\.css$`).MatchString(u) {
		t.Fatalf("URL = %q, want /static/<hash>/css/app.css", u)
	}

	resp, body := MustFetch(t, base+u, "gzip, deflate, br")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("with gzip accepted: status %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, css) {
		t.Errorf("gunzipped body differs from css/app.css (%v)", err)
	}
	if len(body) >= len(css) {
		t.Errorf("gzip body %d bytes, plain %d: not smaller", len(body), len(css))
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := resp.Header.Get("Vary"); !strings.Contains(got, "Accept-Encoding") {
		t.Errorf("Vary %q", got)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
		t.Errorf("Content-Type %q", got)
	}

	resp, body = MustFetch(t, base+u, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, css) {
		t.Errorf("without gzip: status %d, encoding %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Encoding"), len(body))
	}

	// An old page asking for an old version gets the current file, not cached for long.
	resp, body = MustFetch(t, base+"/static/0000000000/css/app.css", "")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" || !bytes.Equal(body, css) {
		t.Errorf("stale hash: status %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	for _, p := range []string{"/static/0000000000/css/none.css", "/static/css/app.css", "/static/"} {
		if resp, _ := MustFetch(t, base+p, ""); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestStaticHashFollowsContent(t *testing.T) {
	a, err := web.NewStatic(fstest.MapFS{"js/x.js": {Data: []byte("var a = 1;")}}, "/static")
	if err != nil {
		t.Fatal(err)
	}
	b, err := web.NewStatic(fstest.MapFS{"js/x.js": {Data: []byte("var a = 2;")}}, "/static")
	if err != nil {
		t.Fatal(err)
	}
	if a.URL("js/x.js") == b.URL("js/x.js") {
		t.Errorf("two contents share the URL %s", a.URL("js/x.js"))
	}
	defer func() {
		if recover() == nil {
			t.Error("URL of an unknown file did not panic (templates would link to a 404)")
		}
	}()
	a.URL("js/none.js")
}
