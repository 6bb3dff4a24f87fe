package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// countingListener counts the bytes the server reads from its connections.
type countingListener struct {
	net.Listener
	read atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.l.read.Add(int64(n))
	return n, err
}

// bodyApp serves POST /form (the default limit, 1 KiB), POST /upload (8 MiB,
// read after an "X-Auth: ok" check) and POST /encoded (1 KiB, any
// Content-Encoding), each answering the length of the body it got and its
// field "f".
func bodyApp(t *testing.T) (string, *countingListener) {
	t.Helper()
	logs := &logBuffer{}
	h := testHTTP(0, 0)
	app, log := newTestApp(logs, h, nil)
	bodies := &web.Bodies{Default: 1 << 10, Rules: []web.BodyRule{
		{Method: fiber.MethodPost, Prefix: "/upload", Limit: 8 << 20, AfterAuth: true},
		{Method: fiber.MethodPost, Prefix: "/encoded", Limit: 1 << 10, Encoded: true},
	}}
	app.Use(web.Recover(log), web.SecurityHeaders, bodies.Handler)
	answer := func(c *fiber.Ctx) error {
		return c.SendString(strconv.Itoa(len(c.Request().Body())) + " " + c.FormValue("f"))
	}
	auth := func(c *fiber.Ctx) error {
		if c.Get("X-Auth") != "ok" {
			return survey.NewError(survey.EUNAUTHORIZED, "log in first", "silakan masuk terlebih dahulu")
		}
		if err := web.ReadBody(c); err != nil {
			return err
		}
		return c.Next()
	}
	app.Post("/form", answer)
	app.Get("/form", answer)
	app.Post("/upload", auth, answer)
	app.Post("/encoded", answer)
	ln := &countingListener{Listener: mustListen(t)}
	return MustServe(t, app, h, log, ln), ln
}

// rawPost sends a request with the given headers and body on a connection
// of its own, without waiting for the body to be taken, and reads the answer.
func rawPost(t *testing.T, base, path, headers string, body []byte) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: test\r\n"+headers+"\r\n")
		conn.Write(body) // the server may close the connection before taking it all
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestBodiesAreBoundedPerRouteBeforeTheyAreRead(t *testing.T) {
	base, ln := bodyApp(t)
	form := "application/x-www-form-urlencoded"
	post := func(path, ct, body string, header ...string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	within := "f=" + strings.Repeat("x", 1000)
	for _, tc := range []struct {
		what, path, ct, body string
		header               []string
		status               int
		answer               string
	}{
		{"a form within the default limit", "/form", form, within, nil, 200, "1002 " + strings.Repeat("x", 1000)},
		{"a form over it", "/form", form, within + strings.Repeat("y", 30), nil, 413, "1 KiB"},
		{"an upload within its limit, authenticated", "/upload", form, "f=" + strings.Repeat("u", 40000), []string{"X-Auth", "ok"}, 200, "40002 "},
		{"an upload without authentication", "/upload", form, "f=u", nil, 401, "log in first"},
		{"a gzip body where none is expected", "/form", form, "\x1f\x8b", []string{"Content-Encoding", "gzip"}, 415, "Content-Encoding"},
		{"an encoded body where the handler decodes it", "/encoded", "application/octet-stream", "\x1f\x8b", []string{"Content-Encoding", "gzip"}, 200, "2 "},
	} {
		status, answer := post(tc.path, tc.ct, tc.body, tc.header...)
		if status != tc.status || !strings.Contains(answer, tc.answer) {
			t.Errorf("%s: %d %.80q, want %d with %q", tc.what, status, answer, tc.status, tc.answer)
		}
	}

	// A body sent in chunks is read up to the limit and refused.
	var chunked strings.Builder
	for range 40 {
		fmt.Fprintf(&chunked, "40\r\n%s\r\n", strings.Repeat("c", 64))
	}
	chunked.WriteString("0\r\n\r\n")
	if st, body := rawPost(t, base, "/form", "Content-Type: "+form+"\r\nTransfer-Encoding: chunked\r\n", []byte(chunked.String())); st != 413 {
		t.Errorf("2.5 KiB in chunks: %d %q, want 413", st, body)
	}

	// A large upload from a client that has not logged in is refused having
	// read its headers and the 8 KiB fasthttp reads ahead, not its 4 MiB.
	before := ln.read.Load()
	big := bytes.Repeat([]byte("z"), 4<<20)
	if st, body := rawPost(t, base, "/upload", "Content-Type: "+form+"\r\nContent-Length: "+strconv.Itoa(len(big))+"\r\n", big); st != 401 {
		t.Errorf("4 MiB upload without authentication: %d %q, want 401", st, body)
	}
	if read := ln.read.Load() - before; read > 64<<10 {
		t.Errorf("the server read %d bytes of a refused 4 MiB upload, want under 64 KiB", read)
	}
	// Declared over the limit: refused without reading the rest, whatever the route.
	before = ln.read.Load()
	if st, body := rawPost(t, base, "/upload", "Content-Type: "+form+"\r\nX-Auth: ok\r\nContent-Length: "+strconv.Itoa(9<<20)+"\r\n", big); st != 413 ||
		!strings.Contains(body, "8 MiB") {
		t.Errorf("9 MiB upload over its 8 MiB limit: %d %q, want 413", st, body)
	}
	if read := ln.read.Load() - before; read > 64<<10 {
		t.Errorf("the server read %d bytes of an upload declared over its limit, want under 64 KiB", read)
	}
}

// A NUL character or invalid UTF-8 in the path, a query parameter or a form
// field (plain or multipart) is a 400 naming the field, before any handler.
func TestNULAndInvalidUTF8AreRefused(t *testing.T) {
	base, _ := bodyApp(t)
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("name", "Siti\x00")
	w.Close()
	for _, tc := range []struct {
		what, method, path, ct, body, field string
	}{
		{"NUL in a query parameter", "GET", "/form?f=a%00b", "", "", "f"},
		{"invalid UTF-8 in a query parameter", "GET", "/form?next=%ff", "", "", "next"},
		{"NUL in a query name", "GET", "/form?a%00=1", "", "", "query"},
		{"NUL in the path", "GET", "/form%00", "", "", "address"},
		{"NUL in a form field", "POST", "/form", "application/x-www-form-urlencoded", "f=ok&username=ad%00min", "username"},
		{"invalid UTF-8 in a form field", "POST", "/form", "application/x-www-form-urlencoded", "f=%C3%28", "f"},
		{"NUL in a multipart field", "POST", "/upload", w.FormDataContentType(), mp.String(), "name"},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
		if tc.ct != "" {
			req.Header.Set("Content-Type", tc.ct)
		}
		req.Header.Set("X-Auth", "ok")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "NUL") || !strings.Contains(string(b), tc.field) {
			t.Errorf("%s: %d %q, want 400 naming %q", tc.what, resp.StatusCode, b, tc.field)
		}
	}
	// Clean text in any script passes.
	resp, body := mustGet(t, base+"/form?f="+url.QueryEscape("Pelayanan 👍 ramah"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "👍") {
		t.Errorf("clean UTF-8: %d %q", resp.StatusCode, body)
	}
}
