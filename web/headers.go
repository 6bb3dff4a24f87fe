package web

import (
	"github.com/gofiber/fiber/v2"
)

// ContentSecurityPolicy allows nothing from outside the binary and no inline script.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// SecurityHeaders sets the headers every response carries.
func SecurityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", ContentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	return c.Next()
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
