package survey

import (
	"context"
	"regexp"
	"time"
)

// Role is what an account may do.
type Role string

// Roles. Admin manages everything; kepala (office head) sees and manages their
// office's reports; viewer reads; counter drives a staff member's counter screen.
const (
	RoleAdmin   Role = "admin"
	RoleKepala  Role = "kepala"
	RoleViewer  Role = "viewer"
	RoleCounter Role = "counter"
)

// ParseRole accepts a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleKepala, RoleViewer, RoleCounter:
		return r, nil
	}
	return "", Invalid("role", "role must be admin, kepala, viewer or counter", "peran harus admin, kepala, viewer atau counter")
}

// User is an account on a kiosk or on central.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	Role         Role      `json:"role"`
	NIP          string    `json:"nip,omitempty"`       // for the counter role: whose counter
	OfficeID     int64     `json:"office_id,omitempty"` // central: the office a kepala sees
	Active       bool      `json:"active"`
	PasswordHash string    `json:"-"`
	FailedLogins int       `json:"-"`
	LockedUntil  time.Time `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9._-]{3,40}$`)

// ValidateUsername checks a username's form.
func ValidateUsername(s string) error {
	if !usernamePattern.MatchString(s) {
		return Invalid("username", "username must be 3–40 letters, digits, dots, dashes or underscores",
			"nama pengguna harus 3–40 huruf, angka, titik, tanda hubung atau garis bawah")
	}
	return nil
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ValidatePassword checks a new password's length.
func ValidatePassword(s string) error {
	if len([]rune(s)) < MinPasswordLength || len(s) > 72 {
		return Invalid("password", "password must be 10 to 72 characters", "kata sandi harus 10 sampai 72 karakter")
	}
	return nil
}

// Session is a logged-in browser.
type Session struct {
	TokenHash string
	UserID    int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEntry is one line of the audit log: who did what, when, from where.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Username string    `json:"username"`
	Action   string    `json:"action"`
	Detail   string    `json:"detail"`
	Remote   string    `json:"remote"`
}

// AuthStore keeps accounts, sessions and the audit log.
type AuthStore interface {
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id int64) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	FindUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, u *User) error
	// RecordLogin stores the outcome of a login attempt: a success clears the
	// failure count; a failure increments it and may set LockedUntil.
	RecordLogin(ctx context.Context, id int64, failedLogins int, lockedUntil time.Time) error
	CreateSession(ctx context.Context, s Session) error
	SessionByTokenHash(ctx context.Context, tokenHash string) (Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	AddAudit(ctx context.Context, e AuditEntry) error
	FindAudit(ctx context.Context, limit int) ([]AuditEntry, error)
}
