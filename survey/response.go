package survey

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channels through which a response arrives.
const (
	ChannelQR    = "qr"    // a citizen's phone, from a staff member's static QR
	ChannelKiosk = "kiosk" // the shared tablet at the desk
	ChannelAPI   = "api"   // another client through the JSON API
	ChannelVisit = "visit" // a one-time visit QR (verified)
)

// DefaultCommentLimit is the default maximum comment length in characters.
const DefaultCommentLimit = 1000

// Response is one citizen's rating of one visit.
type Response struct {
	ID             string    `json:"id"`                        // UUIDv7, time-ordered
	KioskID        string    `json:"kiosk_id,omitempty"`        // the kiosk that collected it
	Seq            int64     `json:"seq"`                       // per-kiosk sequence number, 1, 2, 3 ...
	NIP            string    `json:"nip"`                       // the staff member rated
	Service        string    `json:"service"`                   // service catalogue code
	Ratings        Ratings   `json:"ratings"`                   // the nine answers
	Comment        string    `json:"comment,omitempty"`         // optional free text
	Profile        Profile   `json:"profile"`                   // optional respondent profile
	Channel        string    `json:"channel"`                   // see Channel constants
	Verified       bool      `json:"verified"`                  // came through a one-time visit token
	VisitID        string    `json:"visit_id,omitempty"`        // the visit it rates, when verified
	Flags          []string  `json:"flags,omitempty"`           // reasons it is suspect; never a reason to drop it
	IdempotencyKey string    `json:"idempotency_key,omitempty"` // per rendered form or client request
	CreatedAt      time.Time `json:"created_at"`                // UTC, microsecond precision
	PrevHash       string    `json:"prev_hash,omitempty"`       // Hash of the kiosk's previous response
	Hash           string    `json:"hash,omitempty"`            // chains this response to PrevHash
}

// Normalize trims and cleans the citizen-supplied text fields in place.
func (r *Response) Normalize() {
	r.NIP = NormalizeNIP(r.NIP)
	r.Service = strings.ToUpper(strings.TrimSpace(r.Service))
	r.Comment = CleanComment(r.Comment)
	r.IdempotencyKey = strings.TrimSpace(r.IdempotencyKey)
	r.Profile.Normalize()
}

// Validate checks everything that can be checked without storage: the
// ratings, the comment and the profile. Staff and service existence are
// checked by the store inside the writing transaction.
func (r *Response) Validate(commentLimit int) error {
	if r.NIP == "" {
		return Invalid("nip", "nip is required: the staff member being rated", "nip wajib diisi: petugas yang dinilai")
	}
	if r.Service == "" {
		return Invalid("service", "service is required: which service the citizen came for",
			"layanan wajib dipilih: layanan apa yang Anda terima")
	}
	if err := r.Ratings.Validate(); err != nil {
		return err
	}
	if err := ValidateComment(r.Comment, commentLimit); err != nil {
		return err
	}
	if err := validateIdempotencyKey(r.IdempotencyKey); err != nil {
		return err
	}
	return r.Profile.Validate()
}

// validateIdempotencyKey bounds a stored key (a client's key is checked
// before IdempotencyScoper.Scope marks it) and refuses control characters
// and invalid UTF-8 in it: PostgreSQL cannot store a NUL, and a key
// central could not store would stop the kiosk's uploads.
func validateIdempotencyKey(k string) error {
	if len(k) > MaxStoredIdempotencyKey {
		return Invalid("idempotency_key", "idempotency_key must be at most 100 characters",
			"idempotency_key paling banyak 100 karakter")
	}
	if !utf8.ValidString(k) || strings.ContainsFunc(k, unicode.IsControl) {
		return Invalid("idempotency_key", "idempotency_key must be printable text",
			"idempotency_key harus berupa teks yang dapat dicetak")
	}
	return nil
}

// CleanComment trims surrounding space and removes control characters other
// than newlines and tabs. Invalid UTF-8 is left for ValidateComment to refuse.
func CleanComment(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

// ValidateComment refuses invalid UTF-8 and comments over limit characters.
func ValidateComment(s string, limit int) error {
	if limit <= 0 {
		limit = DefaultCommentLimit
	}
	if !utf8.ValidString(s) {
		return Invalid("comment", "comment is not valid UTF-8 text", "komentar bukan teks UTF-8 yang sah")
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return Invalid("comment",
			fmt.Sprintf("comment is %d characters long; the limit is %d", n, limit),
			fmt.Sprintf("komentar %d karakter; batasnya %d karakter", n, limit))
	}
	return nil
}

// ContentHash fingerprints what the respondent submitted, so that a replay of
// the same idempotency key can be told apart from a different submission: the
// hex SHA-256 of {"nip":…,"service":…,"ratings":…,"comment":…,"profile":…,"visit_id":…}
// in the canonical encoding.
func (r *Response) ContentHash() string {
	var buf [canonicalBufSize]byte
	return hexSum(r.appendContent(buf[:0]))
}

// TimeLayout is the one textual form of stored and transmitted times: UTC,
// microseconds, so SQLite text, PostgreSQL timestamptz and JSON agree exactly.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime returns t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime parses a time in TimeLayout or RFC 3339.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC(), err
}

// CanonicalContent is the byte string the chain hash covers: every field that
// describes the rating, in a fixed order, as compact JSON without HTML
// escaping (so "<" stays "<" and other implementations need not copy Go's
// escaping rules). docs/sync-protocol.md specifies it for other implementations.
func (r *Response) CanonicalContent() []byte {
	return r.AppendCanonical(make([]byte, 0, canonicalBufSize))
}

// ChainHash returns hex(SHA-256(prevHash + "\n" + CanonicalContent)).
func (r *Response) ChainHash(prevHash string) string {
	var buf [canonicalBufSize]byte
	b := append(buf[:0], prevHash...)
	b = append(b, '\n')
	return hexSum(r.AppendCanonical(b))
}
