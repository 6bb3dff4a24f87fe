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

// APITokens lists every token, revoked ones too, oldest first.
func (c *CentralDB) APITokens(ctx context.Context) ([]survey.APIToken, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT id, token_hash, role, office_id, label, created_at, revoked
		FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", translate(err))
	}
	defer rows.Close()
	var list []survey.APIToken
	for rows.Next() {
		var t survey.APIToken
		var role, created string
		if err := rows.Scan(&t.ID, &t.Hash, &role, &t.OfficeID, &t.Label, &created, &t.Revoked); err != nil {
			return nil, fmt.Errorf("list API tokens: %w", translate(err))
		}
		t.Role, t.CreatedAt = survey.Role(role), parseTime(created)
		list = append(list, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list API tokens: %w", translate(err))
	}
	return list, nil
}

// RevokeAPIToken refuses the token from now on; an unknown id is ENOTFOUND.
func (c *CentralDB) RevokeAPIToken(ctx context.Context, id int64) error {
	res, err := c.db.ExecContext(ctx, "UPDATE api_tokens SET revoked = 1 WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("revoke API token: %w", translate(err))
	}
	return mustAffect(res, fmt.Sprintf("no API token #%d", id), fmt.Sprintf("token API #%d tidak ditemukan", id))
}
