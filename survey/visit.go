package survey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultVisitTTL is how long a one-time visit code stays valid by default.
const DefaultVisitTTL = 2 * time.Hour

// Visit is one citizen's visit at a counter, created when the staff member
// finishes serving them. Its signed token is a one-time QR code: a response
// through it is stored as verified, and a second use is refused.
type Visit struct {
	ID        string    `json:"id"`
	NIP       string    `json:"nip"`
	Code      string    `json:"code"` // the staff member's QR code, as signed into the token
	Service   string    `json:"service"`
	IssuedBy  string    `json:"issued_by"` // the account or token that created it
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
	// ResponseID is the response that used the visit.
	ResponseID string `json:"response_id,omitempty"`
}

// Used reports whether a response already used the visit.
func (v Visit) Used() bool { return !v.UsedAt.IsZero() }

// VisitClaims is what a visit token says, and what its signature covers:
// the visit, the staff member (by QR code), the service and the validity.
type VisitClaims struct {
	ID        string
	Code      string
	Service   string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Claims returns the claims a token for v carries.
func (v Visit) Claims() VisitClaims {
	return VisitClaims{ID: v.ID, Code: v.Code, Service: v.Service, IssuedAt: v.IssuedAt, ExpiresAt: v.ExpiresAt}
}

// visitTokenVersion starts every token, so the format can change later.
const visitTokenVersion = "v1"

// MaxVisitTokenLength bounds a token before any parsing.
const MaxVisitTokenLength = 200

var (
	visitIDPattern   = regexp.MustCompile(`^[` + codeAlphabet + `]{8,32}$`)
	staffCodePattern = regexp.MustCompile(`^[` + codeAlphabet + `]{4,32}$`)
)

// visitMAC is HMAC-SHA256 of the token's text under a key derived for visit
// tokens only, truncated to 128 bits: a form key signed with the same
// secret can never pass as a visit token.
func visitMAC(secret []byte, msg string) string {
	k := hmac.New(sha256.New, secret)
	k.Write([]byte("skm visit token v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// SignVisitToken returns the one-time token for c: URL-safe text
// "v1.<id>.<code>.<service>.<issued>.<expires>.<mac>", times in Unix seconds.
// Only a holder of secret can make one.
func SignVisitToken(secret []byte, c VisitClaims) string {
	msg := strings.Join([]string{visitTokenVersion, c.ID, c.Code, c.Service,
		strconv.FormatInt(c.IssuedAt.Unix(), 10), strconv.FormatInt(c.ExpiresAt.Unix(), 10)}, ".")
	return msg + "." + visitMAC(secret, msg)
}

var (
	errVisitForged = &Error{Code: EINVALID, Field: "visit_token",
		Message:   "this visit code is not valid: scan the code shown at the counter again, or ask the officer for a new one",
		MessageID: "kode kunjungan ini tidak sah: pindai lagi kode yang tampil di loket, atau minta kode baru kepada petugas"}
	errVisitExpired = &Error{Code: EINVALID, Field: "visit_token",
		Message:   "this visit code has expired; thank you for wanting to rate us — you can still rate with the officer's own QR code",
		MessageID: "kode kunjungan ini sudah kedaluwarsa; terima kasih atas niat Anda menilai — Anda tetap dapat menilai melalui kode QR petugas"}
	errVisitUsed = &Error{Code: ECONFLICT, Field: "visit_token",
		Message:   "thank you — this visit has already been rated, and each visit counts once",
		MessageID: "terima kasih — kunjungan ini sudah dinilai, dan setiap kunjungan dihitung satu kali"}
)

// ErrVisitForged, ErrVisitExpired and ErrVisitUsed are the refusals of a
// visit token, with kind messages in both languages. They return a copy, so
// callers may change the field.
func ErrVisitForged() *Error { e := *errVisitForged; return &e }

// ErrVisitExpired is returned for a token past its expiry.
func ErrVisitExpired() *Error { e := *errVisitExpired; return &e }

// ErrVisitUsed is returned for a visit that a response already used (409).
func ErrVisitUsed() *Error { e := *errVisitUsed; return &e }

// ParseVisitToken checks a token's form and signature, then its expiry at
// now, and returns its claims. Any change to any part of the token (another
// staff member's code, another service, a later expiry) breaks the signature.
// It does not know whether the visit was used: the store checks that in the
// transaction that stores the response.
func ParseVisitToken(secret []byte, token string, now time.Time) (VisitClaims, error) {
	var c VisitClaims
	if len(token) > MaxVisitTokenLength || len(secret) == 0 {
		return c, ErrVisitForged()
	}
	msg, mac, ok := cutLast(token, ".")
	parts := strings.Split(msg, ".")
	if !ok || len(parts) != 6 || parts[0] != visitTokenVersion {
		return c, ErrVisitForged()
	}
	if !hmac.Equal([]byte(mac), []byte(visitMAC(secret, msg))) {
		return c, ErrVisitForged()
	}
	issued, err1 := strconv.ParseInt(parts[4], 10, 64)
	expires, err2 := strconv.ParseInt(parts[5], 10, 64)
	if err1 != nil || err2 != nil || !visitIDPattern.MatchString(parts[1]) || !staffCodePattern.MatchString(parts[2]) ||
		!serviceCode.MatchString(parts[3]) || expires <= issued {
		return c, ErrVisitForged() // signed, but not by this program's rules
	}
	c = VisitClaims{ID: parts[1], Code: parts[2], Service: parts[3], IssuedAt: time.Unix(issued, 0).UTC(), ExpiresAt: time.Unix(expires, 0).UTC()}
	if !now.Before(c.ExpiresAt) {
		return c, ErrVisitExpired()
	}
	return c, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// NewVisitID returns a random visit id.
func NewVisitID() string { return NewCode(16) }

// VisitCounts compares visits issued with visits rated in a period: the
// office's response rate.
type VisitCounts struct {
	Issued int64 `json:"issued"`
	Rated  int64 `json:"rated"`
}

// Rate returns the share of issued visits that were rated, in percent (0 without visits).
func (v VisitCounts) Rate() float64 {
	if v.Issued == 0 {
		return 0
	}
	return 100 * float64(v.Rated) / float64(v.Issued)
}

// KioskToken is a bearer token of a kiosk API client, such as the queue
// system at a counter. Only its hash is stored; a counter token is bound to
// one staff member's NIP.
type KioskToken struct {
	ID        int64     `json:"id"`
	Hash      string    `json:"-"`
	Role      Role      `json:"role"`
	NIP       string    `json:"nip,omitempty"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	Revoked   bool      `json:"revoked"`
}

// VisitStore keeps one-time visits and the kiosk's API tokens.
type VisitStore interface {
	// CreateVisit stores a visit for an active staff member and service.
	CreateVisit(ctx context.Context, v *Visit) error
	VisitByID(ctx context.Context, id string) (Visit, error)
	// LastVisit returns the staff member's latest visit (ENOTFOUND without one).
	LastVisit(ctx context.Context, nip string) (Visit, error)
	// CountVisits counts visits issued in [from, to) and how many were rated.
	CountVisits(ctx context.Context, from, to time.Time) (VisitCounts, error)
	CreateKioskToken(ctx context.Context, t *KioskToken) error
	KioskTokenByHash(ctx context.Context, hash string) (KioskToken, error)
	FindKioskTokens(ctx context.Context) ([]KioskToken, error)
	RevokeKioskToken(ctx context.Context, id int64) error
}
