package survey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
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
	// ForTablet offers the visit on the office's enrolled desk tablets
	// ("rate <officer> now") instead of as a QR code for a phone.
	ForTablet bool `json:"for_tablet,omitempty"`
	// Claim is the device (or, for a browser without cookies, the address)
	// that opened the visit first; only it may rate through the visit.
	Claim VisitClaim `json:"-"`
	// ClaimedAt is when the first device opened the visit.
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	// ContestedAt is when another device first tried to open it, and
	// Contests how often: the rating through it is flagged code_contested.
	ContestedAt time.Time `json:"contested_at,omitzero"`
	Contests    int       `json:"contests,omitempty"`
	// OpenedOwn: the visit was opened or rated from the rated staff member's
	// own counter device or address; its rating is flagged own_device.
	OpenedOwn bool `json:"opened_own,omitempty"`
}

// Claimed reports whether a device has opened the visit.
func (v Visit) Claimed() bool { return v.Claim.Hash != "" }

// Contested reports whether another device tried to open the visit after it was claimed.
func (v Visit) Contested() bool { return !v.ContestedAt.IsZero() }

// Kinds of visit claims.
const (
	ClaimDevice  = "device"  // a browser's signed device cookie
	ClaimTablet  = "tablet"  // an enrolled desk tablet
	ClaimAddress = "address" // the client address of a browser that keeps no cookies (or an API client)
)

// VisitClaim is the kind and per-visit keyed hash of what claimed a visit.
// The hash is an HMAC over the visit id, so the same device gives unrelated
// hashes on two visits: the claims cannot link a citizen's visits.
type VisitClaim struct {
	Kind string
	Hash string
}

// VisitClaimant is a device opening or rating a visit, as per-visit keyed
// hashes (see VisitClaim).
type VisitClaimant struct {
	// Device is the hash of the browser's device cookie or of an enrolled
	// tablet (Kind ClaimDevice or ClaimTablet); empty Hash when the browser
	// returned no cookie.
	Device VisitClaim
	// Address is the hash of the client address (Kind ClaimAddress).
	Address VisitClaim
	// Pseudonyms are the rotating keyed hashes of the device and address
	// (as Intake's), to find the staff member's own counter devices.
	Pseudonyms []string
}

// claim is what the claimant claims with: its device, or its address when it keeps no cookies.
func (c VisitClaimant) claim() VisitClaim {
	if c.Device.Hash != "" {
		return c.Device
	}
	return c.Address
}

// ClaimVisit decides whether c may use a visit whose current claim is cur,
// and returns the claim to keep. The first device to open a visit claims
// it. A browser that returns no cookie claims by its address; the first
// device with a cookie from that same address takes such a claim over (a
// link previewer or a browser that blocked cookies for a moment must not
// lock the citizen out). Anything else is another device: not ok.
func ClaimVisit(cur VisitClaim, c VisitClaimant) (VisitClaim, bool) {
	mine := c.claim()
	switch {
	case mine.Hash == "":
		return cur, false // nothing to tell this client apart
	case cur.Hash == "" || cur == mine:
		return mine, true
	case cur.Kind == ClaimAddress && c.Device.Hash != "" && cur == c.Address:
		return mine, true
	}
	return cur, false
}

// ErrVisitTaken refuses a visit code opened on a device other than the one
// that claimed it (409).
func ErrVisitTaken() *Error {
	return &Error{Code: ECONFLICT, Field: "visit_token",
		Message:   "this code was already opened on another phone. If you are the citizen who was just served, show this to the officer and ask for a new code",
		MessageID: "kode ini sudah dibuka di ponsel lain. Bila Anda warga yang baru dilayani, tunjukkan ini kepada petugas dan minta kode baru"}
}

// MintCap bounds how many visits one issuer (a counter account or a counter
// token) may create within Window; Count 0 means no bound.
type MintCap struct {
	Count  int
	Window time.Duration
	// Reason is the refusal reason counted past the cap (RefusedMintAccount or RefusedMintToken).
	Reason string
}

// ErrMintLimited refuses a visit over its issuer's cap (429).
func ErrMintLimited(c MintCap) *Error {
	return &Error{Code: ERATELIMIT, Field: "visit",
		Message: fmt.Sprintf("this counter already created %d visit codes within %d minutes; wait a moment, or ask the office admin to check visits.per_account and visits.per_token",
			c.Count, int(c.Window.Minutes())),
		MessageID: fmt.Sprintf("loket ini sudah membuat %d kode kunjungan dalam %d menit; tunggu sebentar, atau minta admin kantor memeriksa visits.per_account dan visits.per_token",
			c.Count, int(c.Window.Minutes()))}
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
	// CreateVisit stores a visit for an active staff member and service,
	// unless its issuer (v.IssuedBy) already created cap.Count visits within
	// cap.Window: then ErrMintLimited, and the refusal is counted.
	CreateVisit(ctx context.Context, v *Visit, cap MintCap) error
	VisitByID(ctx context.Context, id string) (Visit, error)
	// OpenVisit claims the visit for c at at, or refuses it: ErrVisitUsed
	// once rated, ErrVisitTaken when another device claimed it (the visit
	// is then marked contested and the refusal counted). It records whether
	// c is one of the staff member's own counter devices.
	OpenVisit(ctx context.Context, id string, c VisitClaimant, at time.Time) (Visit, error)
	// FindTabletVisits lists the visits offered to desk tablets that are
	// unrated and unexpired at now and were issued after since, newest first.
	FindTabletVisits(ctx context.Context, since, now time.Time) ([]Visit, error)
	// LastVisit returns the staff member's latest visit (ENOTFOUND without one).
	LastVisit(ctx context.Context, nip string) (Visit, error)
	// CountVisits counts visits issued in [from, to) and how many were rated.
	CountVisits(ctx context.Context, from, to time.Time) (VisitCounts, error)
	CreateKioskToken(ctx context.Context, t *KioskToken) error
	KioskTokenByHash(ctx context.Context, hash string) (KioskToken, error)
	FindKioskTokens(ctx context.Context) ([]KioskToken, error)
	RevokeKioskToken(ctx context.Context, id int64) error
}
