package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// CreateAPIToken stores a token by its hash; t.ID and t.CreatedAt are set.
func (c *CentralDB) CreateAPIToken(ctx context.Context, t *survey.APIToken) error {
	if t.Hash == "" {
		return survey.Invalid("token", "a token needs its hash", "token harus punya hash")
	}
	if _, err := survey.ParseRole(string(t.Role)); err != nil {
		return err
	}
	t.CreatedAt = c.now().UTC().Truncate(time.Microsecond)
	res, err := c.db.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, role, office_id, label, created_at, revoked)
		VALUES (?, ?, ?, ?, ?, ?)`, t.Hash, string(t.Role), t.OfficeID, t.Label, formatTime(t.CreatedAt), t.Revoked)
	if err != nil {
		return fmt.Errorf("create API token: %w", translate(err))
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create API token: %w", err)
	}
	return nil
}

// APITokenByHash returns the token with that hash, revoked or not; an
// unknown hash is EUNAUTHORIZED, like an unknown session.
func (c *CentralDB) APITokenByHash(ctx context.Context, hash string) (survey.APIToken, error) {
	var t survey.APIToken
	var role, created string
	err := c.db.QueryRowContext(ctx, `SELECT id, token_hash, role, office_id, label, created_at, revoked
		FROM api_tokens WHERE token_hash = ?`, hash).Scan(&t.ID, &t.Hash, &role, &t.OfficeID, &t.Label, &created, &t.Revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, survey.NewError(survey.EUNAUTHORIZED, "unknown API token", "token API tidak dikenal")
	}
	if err != nil {
		return t, fmt.Errorf("read API token: %w", translate(err))
	}
	t.Role, t.CreatedAt = survey.Role(role), parseTime(created)
	return t, nil
}
