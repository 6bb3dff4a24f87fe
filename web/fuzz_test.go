package web_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/web"
)

// FuzzFormInput sends arbitrary form bodies and query strings through the
// middleware both applications use (Recover, Bodies): the answer is never a
// 5xx, a refusal is a 4xx, and every name and value a handler gets is valid
// UTF-8 without a NUL.
func FuzzFormInput(f *testing.F) {
	f.Add("f=Pelayanan+%F0%9F%91%8D&comment=ok", "next=%2Fadmin")
	f.Add("username=ad%00min&password=x", "")
	f.Add("a=%C3%28&b=%ff%fe", "x=%00")
	f.Add("%=&&==&a=b=c", "lang=id&lang=en")
	f.Add(strings.Repeat("x", 1100), "")
	logs := &logBuffer{}
	app, log := newTestApp(logs, testHTTP(0, 0), nil)
	bodies := &web.Bodies{Default: 1 << 10}
	app.Use(web.Recover(log), web.SecurityHeaders, bodies.Handler)
	app.Post("/form", func(c *fiber.Ctx) error {
		for k, v := range c.Request().PostArgs().All() {
			if !utf8.Valid(k) || !utf8.Valid(v) || strings.ContainsRune(string(k)+string(v), 0) {
				return c.Status(599).SendString("unclean form field reached the handler")
			}
		}
		for k, v := range c.Request().URI().QueryArgs().All() {
			if !utf8.Valid(k) || !utf8.Valid(v) || strings.ContainsRune(string(k)+string(v), 0) {
				return c.Status(599).SendString("unclean query parameter reached the handler")
			}
		}
		return c.SendString("ok")
	})
	f.Fuzz(func(t *testing.T, body, query string) {
		req := httptest.NewRequest("POST", "http://test/form", strings.NewReader(body))
		req.URL.RawQuery = strings.NewReplacer("#", "%23", " ", "%20", "\r", "", "\n", "").Replace(query)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := app.Test(req, -1)
		if err != nil {
			return // a request line net/http would not write either
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 || (resp.StatusCode != 200 && resp.StatusCode < 400) {
			t.Fatalf("body %q, query %q: %d %s", body, query, resp.StatusCode, b)
		}
	})
}
