package survey

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// The canonical form of a response (docs/sync-protocol.md) is compact JSON
// with the keys in a fixed order and without HTML escaping. It used to be
// produced by encoding/json on anonymous structs; the hand-written encoder
// below writes the same bytes (canonical_test.go compares the two on many
// random responses) without reflection or allocation: hashing is most of
// what central does per uploaded response, and the kiosk hashes every rating.

// AppendCanonical appends r's canonical content (see CanonicalContent) to dst
// and returns the extended slice.
func (r *Response) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = AppendJSONString(dst, r.ID)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, r.Seq, 10)
	dst = append(dst, ',')
	dst = r.appendAnswers(dst)
	dst = append(dst, `,"channel":`...)
	dst = AppendJSONString(dst, r.Channel)
	dst = append(dst, `,"verified":`...)
	dst = strconv.AppendBool(dst, r.Verified)
	dst = append(dst, `,"visit_id":`...)
	dst = AppendJSONString(dst, r.VisitID)
	// The kiosk's own flags are covered too, so clearing one in the kiosk's
	// file (say own_device, a staff member rating themselves) breaks the
	// chain. Left out when there are none, as encoding/json's omitempty does.
	if len(r.Flags) > 0 {
		dst = append(dst, `,"flags":[`...)
		for i, f := range r.Flags {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, f)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"created_at":"`...)
	dst = r.CreatedAt.UTC().AppendFormat(dst, TimeLayout) // digits, '-', ':', '.', 'T', 'Z': nothing to escape
	return append(dst, `"}`...)
}

// appendContent appends the submission's content that ContentHash covers:
// {"nip":…,"service":…,"ratings":…,"comment":…,"profile":…,"visit_id":…}.
func (r *Response) appendContent(dst []byte) []byte {
	dst = append(dst, '{')
	dst = r.appendAnswers(dst)
	dst = append(dst, `,"visit_id":`...)
	dst = AppendJSONString(dst, r.VisitID)
	return append(dst, '}')
}

// appendAnswers appends the members both forms share, in their order:
// "nip":…,"service":…,"ratings":…,"comment":…,"profile":….
func (r *Response) appendAnswers(dst []byte) []byte {
	dst = append(dst, `"nip":`...)
	dst = AppendJSONString(dst, r.NIP)
	dst = append(dst, `,"service":`...)
	dst = AppendJSONString(dst, r.Service)
	dst = append(dst, `,"ratings":`...)
	dst = r.Ratings.AppendJSON(dst)
	dst = append(dst, `,"comment":`...)
	dst = AppendJSONString(dst, r.Comment)
	dst = append(dst, `,"profile":`...)
	return r.Profile.appendJSON(dst)
}

// AppendJSON appends the ratings as MarshalJSON writes them.
func (r Ratings) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	first := true
	for i, v := range r {
		if v == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, Elements[i]...) // lower-case ASCII codes: nothing to escape
		dst = append(dst, '"', ':')
		dst = strconv.AppendInt(dst, int64(v), 10)
	}
	return append(dst, '}')
}

// appendJSON appends the profile as encoding/json writes it: empty fields
// are left out (omitempty), the others in declaration order.
func (p Profile) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	n := len(dst)
	for _, f := range [...]struct{ key, value string }{
		{`"age_band":`, p.AgeBand}, {`"sex":`, p.Sex}, {`"education":`, p.Education}, {`"occupation":`, p.Occupation},
	} {
		if f.value == "" {
			continue
		}
		if len(dst) > n {
			dst = append(dst, ',')
		}
		dst = append(dst, f.key...)
		dst = AppendJSONString(dst, f.value)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes that encoding/json copies unescaped when
// HTML escaping is off: everything but control characters, '"' and '\\'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// AppendJSONString appends s as a JSON string exactly as encoding/json does
// with SetEscapeHTML(false): '"' and '\\' backslash-escaped, \b \f \n \r \t
// by their short escapes, other control characters as \u00XX, U+2028 and
// U+2029 as \u2028 and \u2029, each byte of invalid UTF-8 as \ufffd, and
// everything else (including <, > and &) as is.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// canonicalBufSize fits the canonical content of a response with a short
// comment, so hashing one needs no heap allocation for the bytes hashed.
const canonicalBufSize = 768

// hashHexLen is the length of a hex SHA-256, as in Hash and PrevHash.
const hashHexLen = 2 * sha256.Size

// hexSum returns the lower-case hex SHA-256 of b.
func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	var h [hashHexLen]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}

// chainHashOf returns hex(SHA-256(prevHash + "\n" + canonical)).
func chainHashOf(buf []byte, prevHash string, canonical []byte) ([]byte, string) {
	buf = append(buf[:0], prevHash...)
	buf = append(buf, '\n')
	buf = append(buf, canonical...)
	return buf, hexSum(buf)
}
