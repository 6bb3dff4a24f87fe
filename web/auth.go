package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/skmkiosk/skm/survey"
)

const (
	localSession = "session"
	// SessionCookie holds the session token; CSRFCookie the pre-login CSRF token.
	SessionCookie = "sesi"
	CSRFCookie    = "csrf"
	// CSRFField is the form field, and CSRFHeader the header, that carry the token.
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

type sessionInfo struct {
	session survey.Session
	user    survey.User
}

// Auth handles logins, sessions, roles, CSRF and login throttling.
type Auth struct {
	Store survey.AuthStore
	Now   func() time.Time
	// SessionTTL is how long a login lasts (default 12 hours).
	SessionTTL time.Duration
	// Secure marks cookies Secure (set when serving TLS).
	Secure bool
	// BcryptCost is the password hashing cost (default bcrypt.DefaultCost).
	BcryptCost int
	// Throttle counts failed logins (default: a MemoryThrottle of its own).
	Throttle survey.LoginThrottle
	// AccountRule and AddressRule slow the attempts on one account and from
	// one client address (defaults DefaultAccountRule, DefaultAddressRule).
	AccountRule, AddressRule survey.ThrottleRule

	setupMu      sync.Mutex // serialises CompleteSetup
	dummy        []byte
	once         sync.Once
	throttleOnce sync.Once
	ownThrottle  survey.LoginThrottle
}

// The default login throttling. One account: five failures in a row are
// free, then each waits twice as long as the last, up to a minute; nobody
// can lock an account for longer than that, and a guesser spread over many
// addresses gets one guess a minute. One address (an IPv6 client's /64):
// twenty free, then up to fifteen minutes; it slows one guesser across
// every account, and an office's NAT holds twenty typos.
var (
	DefaultAccountRule = survey.ThrottleRule{Free: 5, Base: time.Second, Max: time.Minute, Forget: 15 * time.Minute}
	DefaultAddressRule = survey.ThrottleRule{Free: 20, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour}
)

// dummyHash is compared against when a username does not exist.
func (a *Auth) dummyHash() []byte {
	a.once.Do(func() {
		cost := a.BcryptCost
		if cost == 0 {
			cost = bcrypt.DefaultCost
		}
		a.dummy, _ = bcrypt.GenerateFromPassword([]byte(RandomToken(12)), cost)
	})
	return a.dummy
}

func (a *Auth) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Auth) ttl() time.Duration {
	if a.SessionTTL > 0 {
		return a.SessionTTL
	}
	return 12 * time.Hour
}

// HashPassword hashes a password with bcrypt at the configured cost.
func (a *Auth) HashPassword(pw string) (string, error) {
	if err := survey.ValidatePassword(pw); err != nil {
		return "", err
	}
	cost := a.BcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	return string(h), err
}

// RandomToken returns n random bytes, URL-safe base64 encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how tokens are stored: a reader of the database cannot log in with them.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var errBadLogin = survey.NewError(survey.EUNAUTHORIZED, "wrong username or password", "nama pengguna atau kata sandi salah")

// LoginOutcome is what an attempt to log in came to, for the audit log.
type LoginOutcome struct {
	// Throttled is set when the attempt was refused before any check; then
	// Refusals counts the attempts refused during the same wait.
	Throttled bool
	Refusals  int
}

// Authenticate checks a username and password from the client address
// remote (see AddressKey) and returns the user. Before the password is
// checked the attempt is recorded as a failure of the account and of the
// address (LoginThrottle), so that concurrent guesses count at once; a
// success withdraws it. An unknown user, an inactive one and a wrong
// password get the same answer, in the same time (a bcrypt comparison).
func (a *Auth) Authenticate(ctx context.Context, username, password, remote string) (survey.User, LoginOutcome, error) {
	keys := a.throttleKeys(username, remote)
	v, err := a.throttle().Attempt(ctx, keys, a.now())
	if err != nil {
		return survey.User{}, LoginOutcome{}, err
	}
	if v.Wait > 0 {
		secs := int(v.Wait.Round(time.Second) / time.Second)
		return survey.User{}, LoginOutcome{Throttled: true, Refusals: v.Refusals}, survey.NewError(survey.ERATELIMIT,
			fmt.Sprintf("too many failed logins for this account or from this device; wait %d seconds and try again", max(secs, 1)),
			fmt.Sprintf("terlalu banyak percobaan masuk yang gagal untuk akun ini atau dari perangkat ini; tunggu %d detik lalu coba lagi", max(secs, 1)))
	}
	u, err := a.lookUp(ctx, username)
	if err != nil {
		return u, LoginOutcome{}, err
	}
	hash := []byte(u.PasswordHash)
	if u.ID == 0 {
		hash = a.dummyHash() // the same time as a real check, so that usernames cannot be probed by timing
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !u.Active || u.ID == 0 {
		return u, LoginOutcome{}, errBadLogin
	}
	if err := a.throttle().Succeeded(ctx, keys, a.now()); err != nil {
		return u, LoginOutcome{}, err
	}
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		// Clear a lock-out recorded by an earlier version.
		if err := a.Store.RecordLogin(ctx, u.ID, 0, time.Time{}); err != nil {
			return u, LoginOutcome{}, err
		}
	}
	return u, LoginOutcome{}, nil
}

// lookUp finds an account by name; a name no account can have is not
// looked up (a NUL byte in it would be an error from PostgreSQL) and, like
// an unknown one, comes back as a zero User.
func (a *Auth) lookUp(ctx context.Context, username string) (survey.User, error) {
	if survey.ValidateUsername(username) != nil {
		return survey.User{}, nil
	}
	u, err := a.Store.UserByUsername(ctx, username)
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return survey.User{}, nil
	}
	return u, err
}

// throttleKeys are the keys an attempt counts under: the account, whether
// it exists or not (so that an unknown name is answered as a known one),
// and the client's address.
func (a *Auth) throttleKeys(username, remote string) []survey.ThrottleKey {
	account := "-" // every name no account can have shares one key
	if survey.ValidateUsername(username) == nil {
		account = strings.ToLower(username)
	}
	accountRule, addressRule := a.AccountRule, a.AddressRule
	if accountRule == (survey.ThrottleRule{}) {
		accountRule = DefaultAccountRule
	}
	if addressRule == (survey.ThrottleRule{}) {
		addressRule = DefaultAddressRule
	}
	return []survey.ThrottleKey{
		{Key: AccountThrottleKey(account), Rule: accountRule, ClearOnSuccess: true},
		{Key: "address:" + remote, Rule: addressRule},
	}
}

// AccountThrottleKey is the throttle key of an account's failed logins.
func AccountThrottleKey(username string) string { return "account:" + strings.ToLower(username) }

func (a *Auth) throttle() survey.LoginThrottle {
	if a.Throttle != nil {
		return a.Throttle
	}
	a.throttleOnce.Do(func() { a.ownThrottle = &MemoryThrottle{} })
	return a.ownThrottle
}

// ClearThrottle forgets an account's failed logins (its password was reset).
func (a *Auth) ClearThrottle(ctx context.Context, username string) error {
	return a.throttle().Clear(ctx, AccountThrottleKey(username))
}

// StartSession creates a session for u and sets its cookie.
func (a *Auth) StartSession(c *fiber.Ctx, u survey.User) error {
	token := RandomToken(32)
	now := a.now()
	s := survey.Session{TokenHash: HashToken(token), UserID: u.ID, CSRF: RandomToken(24), CreatedAt: now, ExpiresAt: now.Add(a.ttl())}
	if err := a.Store.CreateSession(c.UserContext(), s); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: a.Secure,
		SameSite: fiber.CookieSameSiteStrictMode, Expires: s.ExpiresAt})
	c.Locals(localSession, &sessionInfo{session: s, user: u})
	return nil
}

// EndSession deletes the current session and its cookie.
func (a *Auth) EndSession(c *fiber.Ctx) error {
	if token := c.Cookies(SessionCookie); token != "" {
		if err := a.Store.DeleteSession(c.UserContext(), HashToken(token)); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true, Secure: a.Secure,
		SameSite: fiber.CookieSameSiteStrictMode, Expires: time.Unix(1, 0)})
	c.Locals(localSession, nil)
	return nil
}

// Load is middleware that attaches the session, if any, to the request.
func (a *Auth) Load(c *fiber.Ctx) error {
	token := c.Cookies(SessionCookie)
	if token == "" {
		return c.Next()
	}
	s, err := a.Store.SessionByTokenHash(c.UserContext(), HashToken(token))
	if err != nil || a.now().After(s.ExpiresAt) {
		return c.Next()
	}
	u, err := a.Store.UserByID(c.UserContext(), s.UserID)
	if err != nil || !u.Active {
		return c.Next()
	}
	c.Locals(localSession, &sessionInfo{session: s, user: u})
	return c.Next()
}

// CurrentUser returns the logged-in user, if any.
func CurrentUser(c *fiber.Ctx) (survey.User, bool) {
	if s, ok := c.Locals(localSession).(*sessionInfo); ok && s != nil {
		return s.user, true
	}
	return survey.User{}, false
}

// Require is middleware that admits only logged-in users with one of roles
// (any role when none is given). Pages redirect to the login form; the API
// answers 401. It reads a body Bodies left for authentication (an upload)
// once it admits the request.
func (a *Auth) Require(roles ...survey.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, ok := CurrentUser(c)
		if !ok {
			if IsAPI(c) || c.Method() != fiber.MethodGet {
				return survey.NewError(survey.EUNAUTHORIZED, "log in first", "silakan masuk terlebih dahulu")
			}
			return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		if len(roles) > 0 && !slices.Contains(roles, u.Role) {
			return survey.NewError(survey.EFORBIDDEN, "your role ("+string(u.Role)+") may not do this",
				"peran Anda ("+string(u.Role)+") tidak diizinkan melakukan ini")
		}
		if err := ReadBody(c); err != nil {
			return err
		}
		return c.Next()
	}
}

// CSRFToken returns the token forms must carry: the session's, or before
// login a random token kept in a cookie (double submit).
func (a *Auth) CSRFToken(c *fiber.Ctx) string {
	if s, ok := c.Locals(localSession).(*sessionInfo); ok && s != nil {
		return s.session.CSRF
	}
	if t := c.Cookies(CSRFCookie); t != "" {
		return t
	}
	t := RandomToken(24)
	c.Cookie(&fiber.Cookie{Name: CSRFCookie, Value: t, Path: "/", HTTPOnly: true, Secure: a.Secure, SameSite: fiber.CookieSameSiteStrictMode})
	c.Request().Header.SetCookie(CSRFCookie, t) // visible to the rest of this request
	return t
}

// CheckCSRF is middleware that refuses a state-changing request whose form
// field or header does not carry the expected token.
func (a *Auth) CheckCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	want := ""
	if s, ok := c.Locals(localSession).(*sessionInfo); ok && s != nil {
		want = s.session.CSRF
	} else {
		want = c.Cookies(CSRFCookie)
	}
	got := c.FormValue(CSRFField)
	if got == "" {
		got = c.Get(CSRFHeader)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return survey.NewError(survey.EFORBIDDEN,
			"the form expired or did not come from this site; go back, reload the page and try again",
			"formulir kedaluwarsa atau bukan dari situs ini; kembali, muat ulang halaman, lalu coba lagi")
	}
	return c.Next()
}

// Audit writes an audit log entry for the current user.
func (a *Auth) Audit(c *fiber.Ctx, action, detail string) error {
	u, _ := CurrentUser(c)
	name := u.Username
	if name == "" {
		name = "-"
	}
	return a.Store.AddAudit(c.UserContext(), survey.AuditEntry{At: a.now(), Username: name, Action: action,
		Detail: detail, Remote: c.IP()})
}

// SafeNext returns next if it is a path on this site, else fallback (no
// open redirects). It accepts "/" followed by printable ASCII only: no
// second "/" at the start (scheme-relative), no backslash anywhere (a
// browser reads "/\\evil.example" as "//evil.example"), no control character, space or
// other whitespace (browsers drop a tab or newline, so "/\t/evil.example"
// would become "//evil.example"), and no character outside ASCII (some are
// whitespace too). Our own paths escape everything else.
func SafeNext(next, fallback string) string {
	if len(next) == 0 || len(next) > 2000 || next[0] != '/' {
		return fallback
	}
	if len(next) > 1 && next[1] == '/' {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return fallback
		}
	}
	return next
}
