package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// ContentSecurityPolicy allows nothing from outside the binary and no inline script.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// ContentSecurityPolicyImages is ContentSecurityPolicy that also lets
// images load from origin (scheme://host[:port]), and nothing else from it.
func ContentSecurityPolicyImages(origin string) string {
	return strings.Replace(ContentSecurityPolicy, "img-src 'self' data:", "img-src 'self' data: "+origin, 1)
}

// SecurityHeaders sets the headers every response carries.
func SecurityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders is also called by the error handler, which answers
// requests refused before any middleware ran (a body over the server limit).
func setSecurityHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", ContentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

// LimitBody is middleware that refuses a request body over limit bytes
// (413), except on paths exempt accepts: the server's own limit is sized
// for its largest request (an upload), and every other route gets less.
func LimitBody(limit int, exempt func(path string) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if exempt != nil && exempt(c.Path()) {
			return c.Next()
		}
		if n := c.Request().Header.ContentLength(); n > limit || len(c.Request().Body()) > limit {
			return &survey.Error{Code: survey.ETOOLARGE, Field: "body",
				Message:   fmt.Sprintf("the request body is over %d KiB", limit>>10),
				MessageID: fmt.Sprintf("isi permintaan lebih dari %d KiB", limit>>10)}
		}
		return c.Next()
	}
}

// LangCookie is the cookie that remembers the chosen language.
const LangCookie = "lang"

// Lang picks the request's language: ?lang= (remembered in a cookie), then
// the cookie, then Bahasa Indonesia. It stores the result in c.Locals("lang").
func Lang(c *fiber.Ctx) error {
	lang := ""
	if q := c.Query("lang"); q != "" {
		lang = NormalizeLang(q)
		c.Cookie(&fiber.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax", HTTPOnly: true})
	} else {
		lang = NormalizeLang(c.Cookies(LangCookie))
	}
	c.Locals("lang", lang)
	return c.Next()
}

// LangOf returns the language chosen by the Lang middleware.
func LangOf(c *fiber.Ctx) string {
	if l, ok := c.Locals("lang").(string); ok {
		return l
	}
	return Languages[0]
}
