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
// the cookie, then Bahasa Indonesia. It stores the result in c.Locals("lang"),
// and the survey's language, which may be a regional one, in
// c.Locals("survey_lang").
func Lang(c *fiber.Ctx) error {
	lang := ""
	if q := c.Query("lang"); q != "" {
		lang = NormalizeSurveyLang(q)
		c.Cookie(&fiber.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax", HTTPOnly: true})
	} else {
		lang = NormalizeSurveyLang(c.Cookies(LangCookie))
	}
	c.Locals("survey_lang", lang)
	c.Locals("lang", NormalizeLang(lang))
	return c.Next()
}

// LangOf returns the language chosen by the Lang middleware for pages other
// than the survey's: one of Languages.
func LangOf(c *fiber.Ctx) string {
	if l, ok := c.Locals("lang").(string); ok {
		return l
	}
	return Languages[0]
}

// SurveyLangOf returns the language chosen for the survey pages: one of SurveyLanguages.
func SurveyLangOf(c *fiber.Ctx) string {
	if l, ok := c.Locals("survey_lang").(string); ok {
		return l
	}
	return LangOf(c)
}

// DisplayCookie remembers a citizen's display preference on the device:
// "besar" for large text with high contrast. Scripts set it too (no
// HttpOnly): it is a display setting, not a credential.
const DisplayCookie = "tampilan"

// DisplayLarge is the DisplayCookie value of large text with high contrast.
const DisplayLarge = "besar"

// Display reads the display preference: ?tampilan=besar or =biasa (kept in
// DisplayCookie, for pages without JavaScript), else the cookie.
func Display(c *fiber.Ctx) error {
	large := c.Cookies(DisplayCookie) == DisplayLarge
	if q := c.Query(DisplayCookie); q != "" {
		large = q == DisplayLarge
		v := "biasa"
		if large {
			v = DisplayLarge
		}
		c.Cookie(&fiber.Cookie{Name: DisplayCookie, Value: v, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax"})
	}
	c.Locals(DisplayCookie, large)
	return c.Next()
}

// LargeText reports whether the request asked for large text with high contrast.
func LargeText(c *fiber.Ctx) bool {
	v, _ := c.Locals(DisplayCookie).(bool)
	return v
}
