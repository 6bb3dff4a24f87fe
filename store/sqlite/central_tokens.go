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

const apiTokenColumns = "id, token_hash, role, office_id, label, created_at, revoked"

func scanAPIToken(sc scanner) (survey.APIToken, error) {
	var t survey.APIToken
	var role, created string
	err := sc.Scan(&t.ID, &t.Hash, &role, &t.OfficeID, &t.Label, &created, &t.Revoked)
	t.Role, t.CreatedAt = survey.Role(role), parseTime(created)
	return t, err
}

// APITokenByHash returns the token with that hash, revoked or not; an
// unknown hash is EUNAUTHORIZED, like an unknown session.
func (c *CentralDB) APITokenByHash(ctx context.Context, hash string) (survey.APIToken, error) {
	t, err := scanAPIToken(c.db.QueryRowContext(ctx, "SELECT "+apiTokenColumns+" FROM api_tokens WHERE token_hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, survey.NewError(survey.EUNAUTHORIZED, "unknown API token", "token API tidak dikenal")
	}
	if err != nil {
		return t, fmt.Errorf("read API token: %w", translate(err))
	}
	return t, nil
}

// APITokens lists every token, revoked ones too, oldest first.
func (c *CentralDB) APITokens(ctx context.Context) ([]survey.APIToken, error) {
	return queryAll(ctx, c.db, "list API tokens", scanAPIToken, "SELECT "+apiTokenColumns+" FROM api_tokens ORDER BY id")
}

// RevokeAPIToken refuses the token from now on; an unknown id is ENOTFOUND.
func (c *CentralDB) RevokeAPIToken(ctx context.Context, id int64) error {
	res, err := c.db.ExecContext(ctx, "UPDATE api_tokens SET revoked = 1 WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("revoke API token: %w", translate(err))
	}
	return mustAffect(res, fmt.Sprintf("no API token #%d", id), fmt.Sprintf("token API #%d tidak ditemukan", id))
}
