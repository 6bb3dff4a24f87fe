package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
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
	// MaxFailures failed logins lock an account for LockFor (defaults 5 and 15 minutes).
	MaxFailures int
	LockFor     time.Duration
	// PerAddressFailures bounds failed logins from one address per LockFor (default 20).
	PerAddressFailures int

	mu       sync.Mutex
	failures map[string][]time.Time // by client address, within LockFor
	setupMu  sync.Mutex             // serialises CompleteSetup
	dummy    []byte
	once     sync.Once
}

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

func (a *Auth) lockFor() time.Duration {
	if a.LockFor > 0 {
		return a.LockFor
	}
	return 15 * time.Minute
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

// Authenticate checks a username and password, with per-account lock-out
// and a per-address limit, and returns the user.
func (a *Auth) Authenticate(ctx context.Context, username, password, remote string) (survey.User, error) {
	if a.addressBlocked(remote) {
		return survey.User{}, survey.NewError(survey.ERATELIMIT,
			"too many failed logins from this device; wait 15 minutes and try again",
			"terlalu banyak percobaan masuk yang gagal dari perangkat ini; tunggu 15 menit lalu coba lagi")
	}
	u, err := a.Store.UserByUsername(ctx, username)
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		// Spend the same time as a real check so usernames cannot be probed by timing.
		bcrypt.CompareHashAndPassword(a.dummyHash(), []byte(password))
		a.recordAddressFailure(remote)
		return u, errBadLogin
	}
	if err != nil {
		return u, err
	}
	now := a.now()
	if !u.LockedUntil.IsZero() && now.Before(u.LockedUntil) {
		return u, survey.NewError(survey.ERATELIMIT,
			"this account is locked after repeated failed logins; wait 15 minutes or ask an admin to reset the password",
			"akun ini dikunci setelah beberapa kali gagal masuk; tunggu 15 menit atau minta admin mengatur ulang kata sandi")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || !u.Active {
		a.recordAddressFailure(remote)
		failed := u.FailedLogins + 1
		var lock time.Time
		max := a.MaxFailures
		if max == 0 {
			max = 5
		}
		if failed >= max {
			lock, failed = now.Add(a.lockFor()), 0
		}
		if err := a.Store.RecordLogin(ctx, u.ID, failed, lock); err != nil {
			return u, err
		}
		return u, errBadLogin
	}
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		if err := a.Store.RecordLogin(ctx, u.ID, 0, time.Time{}); err != nil {
			return u, err
		}
	}
	return u, nil
}

func (a *Auth) addressBlocked(remote string) bool {
	limit := a.PerAddressFailures
	if limit == 0 {
		limit = 20
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.recentFailures(remote)) >= limit
}

func (a *Auth) recordAddressFailure(remote string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failures == nil {
		a.failures = map[string][]time.Time{}
	}
	a.failures[remote] = append(a.recentFailures(remote), a.now())
}

// recentFailures drops failures older than the lock window; a.mu is held.
func (a *Auth) recentFailures(remote string) []time.Time {
	cut := a.now().Add(-a.lockFor())
	fs := a.failures[remote]
	i := 0
	for i < len(fs) && fs[i].Before(cut) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(a.failures, remote)
	} else {
		a.failures[remote] = fs
	}
	return fs
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

// SafeNext returns next if it is a local path, else fallback (no open redirects).
func SafeNext(next, fallback string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return fallback
}
