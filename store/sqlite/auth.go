package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// authStore keeps accounts, sessions and the audit log; the kiosk and the
// SQLite central share it (same tables in both schemas).
type authStore struct {
	db  *sql.DB
	now func() time.Time
}

var _ survey.AuthStore = (*authStore)(nil)

const userColumns = "id, username, role, nip, office_id, active, password_hash, failed_logins, locked_until, created_at"

func scanUser(sc scanner) (survey.User, error) {
	var u survey.User
	var role, locked, created string
	err := sc.Scan(&u.ID, &u.Username, &role, &u.NIP, &u.OfficeID, &u.Active, &u.PasswordHash, &u.FailedLogins, &locked, &created)
	u.Role = survey.Role(role)
	if locked != "" {
		u.LockedUntil = parseTime(locked)
	}
	u.CreatedAt = parseTime(created)
	return u, err
}

func (a *authStore) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := a.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, translate(err)
}

func (a *authStore) CreateUser(ctx context.Context, u *survey.User) error {
	if err := survey.ValidateUsername(u.Username); err != nil {
		return err
	}
	u.CreatedAt = a.now().UTC()
	res, err := a.db.ExecContext(ctx, `INSERT INTO users (username, password_hash, role, nip, office_id, active, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, u.Username, u.PasswordHash, string(u.Role), u.NIP, u.OfficeID, u.Active, formatTime(u.CreatedAt))
	if err != nil {
		if survey.ErrorCode(translate(err)) == survey.ECONFLICT {
			return &survey.Error{Code: survey.ECONFLICT, Field: "username",
				Message: "username " + u.Username + " is taken", MessageID: "nama pengguna " + u.Username + " sudah dipakai"}
		}
		return fmt.Errorf("create user: %w", translate(err))
	}
	u.ID, _ = res.LastInsertId()
	return nil
}

func (a *authStore) userWhere(ctx context.Context, where string, arg any) (survey.User, error) {
	u, err := scanUser(a.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, survey.NewError(survey.ENOTFOUND, "no such user", "pengguna tidak ditemukan")
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", translate(err))
	}
	return u, nil
}

func (a *authStore) UserByID(ctx context.Context, id int64) (survey.User, error) {
	return a.userWhere(ctx, "id = ?", id)
}

func (a *authStore) UserByUsername(ctx context.Context, username string) (survey.User, error) {
	return a.userWhere(ctx, "username = ?", username)
}

func (a *authStore) FindUsers(ctx context.Context) ([]survey.User, error) {
	return queryAll(ctx, a.db, "find users", scanUser, "SELECT "+userColumns+" FROM users ORDER BY username")
}

func (a *authStore) UpdateUser(ctx context.Context, u *survey.User) error {
	res, err := a.db.ExecContext(ctx, "UPDATE users SET password_hash = ?, role = ?, nip = ?, office_id = ?, active = ? WHERE id = ?",
		u.PasswordHash, string(u.Role), u.NIP, u.OfficeID, u.Active, u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", translate(err))
	}
	return mustAffect(res, "no such user", "pengguna tidak ditemukan")
}

func (a *authStore) RecordLogin(ctx context.Context, id int64, failed int, lockedUntil time.Time) error {
	locked := ""
	if !lockedUntil.IsZero() {
		locked = formatTime(lockedUntil)
	}
	_, err := a.db.ExecContext(ctx, "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", failed, locked, id)
	return translate(err)
}

func (a *authStore) CreateSession(ctx context.Context, s survey.Session) error {
	// Expired sessions are swept here rather than by a job: logins are rare.
	if _, err := a.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at < ?", formatTime(a.now())); err != nil {
		return translate(err)
	}
	_, err := a.db.ExecContext(ctx, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		s.TokenHash, s.UserID, s.CSRF, formatTime(s.CreatedAt), formatTime(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", translate(err))
	}
	return nil
}

func (a *authStore) SessionByTokenHash(ctx context.Context, tokenHash string) (survey.Session, error) {
	var s survey.Session
	var created, expires string
	err := a.db.QueryRowContext(ctx, "SELECT token_hash, user_id, csrf, created_at, expires_at FROM sessions WHERE token_hash = ?",
		tokenHash).Scan(&s.TokenHash, &s.UserID, &s.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, survey.NewError(survey.EUNAUTHORIZED, "not logged in", "belum masuk")
	}
	if err != nil {
		return s, fmt.Errorf("read session: %w", translate(err))
	}
	s.CreatedAt, s.ExpiresAt = parseTime(created), parseTime(expires)
	return s, nil
}

func (a *authStore) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := a.db.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	return translate(err)
}

func (a *authStore) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := a.db.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return translate(err)
}

func (a *authStore) AddAudit(ctx context.Context, e survey.AuditEntry) error {
	if e.At.IsZero() {
		e.At = a.now()
	}
	_, err := a.db.ExecContext(ctx, "INSERT INTO audit_log (at, username, action, detail, remote) VALUES (?, ?, ?, ?, ?)",
		formatTime(e.At), e.Username, e.Action, e.Detail, e.Remote)
	if err != nil {
		return fmt.Errorf("write audit log: %w", translate(err))
	}
	return nil
}

func (a *authStore) FindAudit(ctx context.Context, limit int) ([]survey.AuditEntry, error) {
	return queryAll(ctx, a.db, "read audit log", func(sc scanner) (survey.AuditEntry, error) {
		var e survey.AuditEntry
		var at string
		err := sc.Scan(&e.ID, &at, &e.Username, &e.Action, &e.Detail, &e.Remote)
		e.At = parseTime(at)
		return e, err
	}, "SELECT id, at, username, action, detail, remote FROM audit_log ORDER BY id DESC LIMIT ?", limit)
}
