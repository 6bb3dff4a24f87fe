package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/web"
)

// bypasses are spellings known to take a "local path" check off-site: a
// browser drops tabs and newlines and reads a backslash as a slash, and
// some Unicode spaces are trimmed.
var bypasses = []string{
	"//evil.example/path", "///evil.example", "////evil.example",
	"/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
	"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example", "/ /evil.example",
	"/\x00/evil.example", "/\x0b/evil.example", "/\x7f/evil.example",
	"/\u00a0/evil.example", "/\u2028/evil.example", "/\u3000/evil.example", "/\ufeff/evil.example",
	"https://evil.example/", "HTTPS://evil.example", "https:evil.example", "http:/evil.example", "//evil.example@kiosk/",
	"javascript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
	"/admin?next=\\evil.example", "evil.example", "admin", "",
}

func TestSafeNextRefusesKnownBypasses(t *testing.T) {
	for _, next := range bypasses {
		if got := web.SafeNext(next, "/admin"); got != "/admin" {
			t.Errorf("SafeNext(%q) = %q, want the fallback", next, got)
		}
	}
	for _, next := range []string{"/admin/staff", "/admin?x=1&y=%2F%2Fz", "/", "/counter/ABCD2345", "/%2F%2Fevil.example", "/.//x"} {
		if got := web.SafeNext(next, "/admin"); got != next {
			t.Errorf("SafeNext(%q) = %q, want it kept (a path on this site)", next, got)
		}
	}
}

// FuzzSafeNext: whatever SafeNext keeps stays on this site when a browser
// reads it leniently (dropping tabs and newlines and leading or trailing
// spaces, reading a backslash as a slash) and resolves it against a page.
func FuzzSafeNext(f *testing.F) {
	for _, s := range bypasses {
		f.Add(s)
	}
	f.Add("/admin/staff?x=1")
	f.Add("/.//evil.example")
	f.Fuzz(func(t *testing.T, next string) {
		got := web.SafeNext(next, "/fallback")
		if got == "/fallback" {
			return
		}
		if got != next {
			t.Fatalf("SafeNext(%q) = %q: neither the input nor the fallback", next, got)
		}
		lenient := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.Trim(next, "\x00 \x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"))
		if lenient != next {
			t.Fatalf("SafeNext kept %q, which a browser reads as %q", next, lenient)
		}
		base, _ := url.Parse("https://kiosk.example/login")
		u, err := url.Parse(next)
		if err != nil {
			return // not a URL a browser would follow either way; still on this site as text
		}
		if r := base.ResolveReference(u); r.Scheme != "https" || r.Host != "kiosk.example" {
			t.Fatalf("SafeNext kept %q, which leads to %s", next, r)
		}
	})
}
