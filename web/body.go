package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// Bodies bounds request bodies per route before they are read, and refuses
// a NUL character or invalid UTF-8 in the path, a query parameter or a form
// field. NewApp streams bodies: past the 8 KiB fasthttp reads ahead, nothing
// of a body is in memory until Handler reads it, within its route's limit,
// or — for a route with authentication — until that authentication admits
// the request and calls ReadBody. A body declared larger than its limit is
// refused (413) unread; one sent in chunks is read up to the limit and then
// refused. See docs/operations.md for the memory bound this gives.
type Bodies struct {
	// Default bounds the body of every request that no rule matches.
	Default int
	Rules   []BodyRule
}

// BodyRule is the body limit of the requests it matches.
type BodyRule struct {
	Method string // "" matches every method
	// Prefix matches a path equal to it or below it, segment by segment; a
	// "*" segment matches any one segment ("/admin/offices/*/staff").
	Prefix string
	Limit  int
	// AfterAuth leaves the body unread until the route's authentication
	// admits the request and calls ReadBody: an upload or a sync batch is
	// large, and only a known user or kiosk may make the server hold one.
	AfterAuth bool
	// Encoded lets a Content-Encoding through; the handler decodes the body
	// within its own bound. Elsewhere an encoded body is refused (415):
	// Fiber would inflate it whole.
	Encoded bool
}

func (r BodyRule) matches(method, path string) bool {
	if r.Method != "" && r.Method != method {
		return false
	}
	for p := r.Prefix; p != ""; {
		if path == "" || path[0] != '/' {
			return false
		}
		pseg, prest := segment(p[1:])
		seg, rest := segment(path[1:])
		if pseg != "*" && pseg != seg {
			return false
		}
		p, path = prest, rest
	}
	return true
}

// segment splits "seg/rest" into "seg" and "/rest".
func segment(s string) (string, string) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// rule returns the rule of a request, or the default.
func (b *Bodies) rule(method, path string) BodyRule {
	for _, r := range b.Rules {
		if r.matches(method, path) {
			return r
		}
	}
	return BodyRule{Limit: b.Default}
}

// localBodyLimit holds the limit of a body left for ReadBody.
const localBodyLimit = "body_limit"

// Handler is middleware, before any that reads a parameter or the body.
func (b *Bodies) Handler(c *fiber.Ctx) error {
	if err := checkURL(c); err != nil {
		return err
	}
	r := b.rule(c.Method(), c.Path())
	if enc := c.Request().Header.Peek(fiber.HeaderContentEncoding); len(enc) > 0 && !r.Encoded && !strings.EqualFold(string(enc), "identity") {
		return &survey.Error{Code: survey.EMEDIATYPE, Field: "Content-Encoding",
			Message:   "send the body without Content-Encoding",
			MessageID: "kirim isi permintaan tanpa Content-Encoding"}
	}
	if n := c.Request().Header.ContentLength(); n > r.Limit {
		return errTooLarge(r.Limit)
	}
	if r.AfterAuth {
		c.Locals(localBodyLimit, r.Limit)
		return c.Next()
	}
	if err := readBody(c, r.Limit); err != nil {
		return err
	}
	return c.Next()
}

// ReadBody reads the body Handler left for the route's authentication, once
// that has admitted the request; for any other request it does nothing.
func ReadBody(c *fiber.Ctx) error {
	limit, ok := c.Locals(localBodyLimit).(int)
	if !ok {
		return nil
	}
	c.Locals(localBodyLimit, nil)
	return readBody(c, limit)
}

func errTooLarge(limit int) error {
	size := fmt.Sprintf("%d KiB", limit>>10)
	if limit >= 1<<20 {
		size = fmt.Sprintf("%d MiB", limit>>20)
	}
	return &survey.Error{Code: survey.ETOOLARGE, Field: "body",
		Message:   "the request body is over " + size,
		MessageID: "isi permintaan lebih dari " + size}
}

// readBody reads a streamed body into the request, refusing more than limit
// bytes, then checks its form fields. A body of known length is read into
// one buffer of its size, kept by the request (no copy); one fasthttp read
// ahead whole is already in the request's buffer.
func readBody(c *fiber.Ctx, limit int) error {
	req := c.Request()
	n := req.Header.ContentLength()
	switch {
	case !req.IsBodyStream():
		if len(req.Body()) > limit {
			return errTooLarge(limit)
		}
	case n >= 0 && n <= maxPrefetch:
		req.Body() // the stream only gives back what was read ahead: no network read, no error
	case n >= 0:
		b := make([]byte, n)
		if _, err := io.ReadFull(req.BodyStream(), b); err != nil {
			return errReading(err)
		}
		req.SetBodyRaw(b)
	default: // chunked: as much as comes, up to the limit
		b, err := readChunked(req.BodyStream(), limit)
		if err != nil {
			return err
		}
		req.SetBodyRaw(b)
	}
	return checkForm(c)
}

// readChunked reads a body of unknown length up to limit bytes, growing its
// buffer by doubling but never past limit+1 (io.ReadAll's growth could
// reach twice the limit).
func readChunked(r io.Reader, limit int) ([]byte, error) {
	b := make([]byte, 0, min(limit+1, 64<<10))
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, min(cap(b), limit+1-cap(b)))
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > limit {
			return nil, errTooLarge(limit)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, errReading(err)
		}
	}
}

func errReading(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fiber.ErrRequestTimeout
	}
	return survey.Invalid("body", "the request body could not be read: "+err.Error(), "isi permintaan tidak dapat dibaca")
}

// checkURL refuses a NUL character or invalid UTF-8 in the path or a query
// parameter: no name or value of ours holds one, and PostgreSQL cannot
// store a NUL, so such a value would otherwise fail deep inside (a 500).
func checkURL(c *fiber.Ctx) error {
	if !cleanText(c.Request().URI().Path()) {
		return survey.Invalid("path", "the address holds a NUL character or text that is not valid UTF-8",
			"alamat berisi karakter NUL atau teks yang bukan UTF-8 yang sah")
	}
	return checkArgs(c.Request().URI().QueryArgs().All(), "query")
}

// checkForm refuses a NUL character or invalid UTF-8 in a form field's name
// or value, or an uploaded file's name.
func checkForm(c *fiber.Ctx) error {
	ct := c.Request().Header.ContentType()
	switch {
	case bytes.HasPrefix(ct, []byte(fiber.MIMEApplicationForm)):
		return checkArgs(c.Request().PostArgs().All(), "form")
	case bytes.HasPrefix(ct, []byte(fiber.MIMEMultipartForm)):
		form, err := c.MultipartForm()
		if err != nil {
			return survey.Invalid("body", "the form could not be read: "+err.Error(), "formulir tidak dapat dibaca")
		}
		for k, vs := range form.Value {
			for _, v := range vs {
				if !cleanString(k) || !cleanString(v) {
					return badField(k, "form")
				}
			}
		}
		for k, fs := range form.File {
			for _, f := range fs {
				if !cleanString(k) || !cleanString(f.Filename) {
					return badField(k, "form")
				}
			}
		}
	}
	return nil
}

func checkArgs(all iter.Seq2[[]byte, []byte], where string) error {
	for k, v := range all {
		if !cleanText(k) || !cleanText(v) {
			return badField(string(k), where)
		}
	}
	return nil
}

// badField names the field when its name itself is clean.
func badField(name, where string) error {
	if !cleanString(name) {
		name = where
	}
	return survey.Invalid(name, fmt.Sprintf("%s holds a NUL character or text that is not valid UTF-8", name),
		fmt.Sprintf("%s berisi karakter NUL atau teks yang bukan UTF-8 yang sah", name))
}

// cleanText reports whether b is valid UTF-8 without a NUL character.
func cleanText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

func cleanString(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}
