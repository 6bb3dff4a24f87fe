package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// Accounts, sessions and the audit log, with the same behaviour as
// store/sqlite's authStore: usernames are unique and found whatever their case.

const userColumns = "id, username, role, nip, office_id, active, password_hash, failed_logins, locked_until, created_at"

func scanUser(row pgx.Row) (survey.User, error) {
	var u survey.User
	var role string
	var locked *time.Time
	err := row.Scan(&u.ID, &u.Username, &role, &u.NIP, &u.OfficeID, &u.Active, &u.PasswordHash, &u.FailedLogins, &locked, &u.CreatedAt)
	u.Role, u.LockedUntil, u.CreatedAt = survey.Role(role), fromOpt(locked), u.CreatedAt.UTC()
	return u, err
}

// CountUsers counts accounts.
func (d *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := d.pool.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", translate(err))
	}
	return n, nil
}

// CreateUser adds an account; a username taken in any case is a conflict.
func (d *DB) CreateUser(ctx context.Context, u *survey.User) error {
	if err := survey.ValidateUsername(u.Username); err != nil {
		return err
	}
	u.CreatedAt = utc(d.now())
	err := d.pool.QueryRow(ctx, `INSERT INTO users (username, password_hash, role, nip, office_id, active, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, u.Username, u.PasswordHash, string(u.Role), u.NIP, u.OfficeID,
		u.Active, u.CreatedAt).Scan(&u.ID)
	if survey.ErrorCode(translate(err)) == survey.ECONFLICT {
		return &survey.Error{Code: survey.ECONFLICT, Field: "username",
			Message: "username " + u.Username + " is taken", MessageID: "nama pengguna " + u.Username + " sudah dipakai"}
	}
	if err != nil {
		return fmt.Errorf("create user: %w", translate(err))
	}
	return nil
}

func (d *DB) userWhere(ctx context.Context, where string, arg any) (survey.User, error) {
	u, err := scanUser(d.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE "+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, survey.NewError(survey.ENOTFOUND, "no such user", "pengguna tidak ditemukan")
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", translate(err))
	}
	return u, nil
}

// UserByID returns one account.
func (d *DB) UserByID(ctx context.Context, id int64) (survey.User, error) {
	return d.userWhere(ctx, "id = $1", id)
}

// UserByUsername returns the account with that username, in any case.
func (d *DB) UserByUsername(ctx context.Context, username string) (survey.User, error) {
	return d.userWhere(ctx, "lower(username) = lower($1)", username)
}

// FindUsers lists accounts by username.
func (d *DB) FindUsers(ctx context.Context) ([]survey.User, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+userColumns+" FROM users ORDER BY lower(username)")
	if err != nil {
		return nil, fmt.Errorf("find users: %w", translate(err))
	}
	return collect(rows, "find users", scanUser)
}

// UpdateUser changes an account's password hash, role, NIP, office and active flag.
func (d *DB) UpdateUser(ctx context.Context, u *survey.User) error {
	tag, err := d.pool.Exec(ctx, "UPDATE users SET password_hash = $1, role = $2, nip = $3, office_id = $4, active = $5 WHERE id = $6",
		u.PasswordHash, string(u.Role), u.NIP, u.OfficeID, u.Active, u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return survey.NewError(survey.ENOTFOUND, "no such user", "pengguna tidak ditemukan")
	}
	return nil
}

// RecordLogin stores the outcome of a login attempt.
func (d *DB) RecordLogin(ctx context.Context, id int64, failed int, lockedUntil time.Time) error {
	if _, err := d.pool.Exec(ctx, "UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3",
		failed, optTime(lockedUntil), id); err != nil {
		return fmt.Errorf("record login: %w", translate(err))
	}
	return nil
}

// CreateSession stores a session, sweeping expired ones first: logins are
// rare, so no job is needed for it.
func (d *DB) CreateSession(ctx context.Context, s survey.Session) error {
	if _, err := d.pool.Exec(ctx, "DELETE FROM sessions WHERE expires_at < $1", utc(d.now())); err != nil {
		return fmt.Errorf("sweep sessions: %w", translate(err))
	}
	_, err := d.pool.Exec(ctx, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
		s.TokenHash, s.UserID, s.CSRF, utc(s.CreatedAt), utc(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", translate(err))
	}
	return nil
}

// SessionByTokenHash returns a session; an unknown one is EUNAUTHORIZED.
func (d *DB) SessionByTokenHash(ctx context.Context, tokenHash string) (survey.Session, error) {
	var s survey.Session
	err := d.pool.QueryRow(ctx, "SELECT token_hash, user_id, csrf, created_at, expires_at FROM sessions WHERE token_hash = $1",
		tokenHash).Scan(&s.TokenHash, &s.UserID, &s.CSRF, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, survey.NewError(survey.EUNAUTHORIZED, "not logged in", "belum masuk")
	}
	if err != nil {
		return s, fmt.Errorf("read session: %w", translate(err))
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s, nil
}

// DeleteSession logs a session out.
func (d *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := d.pool.Exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", translate(err))
	}
	return nil
}

// DeleteUserSessions logs a user out everywhere.
func (d *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := d.pool.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
		return fmt.Errorf("delete sessions: %w", translate(err))
	}
	return nil
}

// AddAudit appends to the audit log; a zero At is now.
func (d *DB) AddAudit(ctx context.Context, e survey.AuditEntry) error {
	if e.At.IsZero() {
		e.At = d.now()
	}
	_, err := d.pool.Exec(ctx, "INSERT INTO audit_log (at, username, action, detail, remote) VALUES ($1, $2, $3, $4, $5)",
		utc(e.At), e.Username, e.Action, e.Detail, e.Remote)
	if err != nil {
		return fmt.Errorf("write audit log: %w", translate(err))
	}
	return nil
}

// FindAudit returns the newest limit entries of the audit log, newest first.
func (d *DB) FindAudit(ctx context.Context, limit int) ([]survey.AuditEntry, error) {
	rows, err := d.pool.Query(ctx, "SELECT id, at, username, action, detail, remote FROM audit_log ORDER BY id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", translate(err))
	}
	return collect(rows, "read audit log", func(row pgx.Row) (survey.AuditEntry, error) {
		var e survey.AuditEntry
		err := row.Scan(&e.ID, &e.At, &e.Username, &e.Action, &e.Detail, &e.Remote)
		e.At = e.At.UTC()
		return e, err
	})
}
