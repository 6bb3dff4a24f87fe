package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
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
	setSecurityHeadersOn(&c.Response().Header)
}

// securityHeaders are the headers every answer carries, also the canned
// answers to connections refused before any request was read.
var securityHeaders = [...][2]string{
	{"Content-Security-Policy", ContentSecurityPolicy},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
}

func setSecurityHeadersOn(h *fasthttp.ResponseHeader) {
	for _, kv := range securityHeaders {
		h.Set(kv[0], kv[1])
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
