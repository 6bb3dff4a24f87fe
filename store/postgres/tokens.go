package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// CreateAPIToken stores a token by its hash; t.ID and t.CreatedAt are set.
func (d *DB) CreateAPIToken(ctx context.Context, t *survey.APIToken) error {
	if t.Hash == "" {
		return survey.Invalid("token", "a token needs its hash", "token harus punya hash")
	}
	if _, err := survey.ParseRole(string(t.Role)); err != nil {
		return err
	}
	t.CreatedAt = utc(d.now())
	err := d.pool.QueryRow(ctx, `INSERT INTO api_tokens (token_hash, role, office_id, label, created_at, revoked)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.Hash, string(t.Role), t.OfficeID, t.Label, t.CreatedAt, t.Revoked).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("create API token: %w", translate(err))
	}
	return nil
}

const apiTokenColumns = "id, token_hash, role, office_id, label, created_at, revoked"

func scanAPIToken(row pgx.Row) (survey.APIToken, error) {
	var t survey.APIToken
	var role string
	err := row.Scan(&t.ID, &t.Hash, &role, &t.OfficeID, &t.Label, &t.CreatedAt, &t.Revoked)
	t.Role, t.CreatedAt = survey.Role(role), t.CreatedAt.UTC()
	return t, err
}

// APITokenByHash returns the token with that hash, revoked or not; an
// unknown hash is EUNAUTHORIZED, like an unknown session.
func (d *DB) APITokenByHash(ctx context.Context, hash string) (survey.APIToken, error) {
	t, err := scanAPIToken(d.pool.QueryRow(ctx, "SELECT "+apiTokenColumns+" FROM api_tokens WHERE token_hash = $1", hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, survey.NewError(survey.EUNAUTHORIZED, "unknown API token", "token API tidak dikenal")
	}
	if err != nil {
		return t, fmt.Errorf("read API token: %w", translate(err))
	}
	return t, nil
}

// APITokens lists every token, revoked ones too, oldest first.
func (d *DB) APITokens(ctx context.Context) ([]survey.APIToken, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+apiTokenColumns+" FROM api_tokens ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", translate(err))
	}
	return collect(rows, "list API tokens", scanAPIToken)
}

// RevokeAPIToken refuses the token from now on; an unknown id is ENOTFOUND.
func (d *DB) RevokeAPIToken(ctx context.Context, id int64) error {
	tag, err := d.pool.Exec(ctx, "UPDATE api_tokens SET revoked = true WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("revoke API token: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return survey.NewError(survey.ENOTFOUND, fmt.Sprintf("no API token #%d", id), fmt.Sprintf("token API #%d tidak ditemukan", id))
	}
	return nil
}
