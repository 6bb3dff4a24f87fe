package web

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/skmkiosk/skm/survey"
)

// SettingsStore keeps small named values (the set-up token's hash, secrets).
type SettingsStore interface {
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	DeleteSetting(ctx context.Context, key string) error
}

const setupTokenKey = "setup_token_hash"

// PrepareSetup returns a new one-time set-up token when no account exists
// yet (the console prints it; nothing is a fixed default password), and ""
// once an account exists. Each start replaces the previous token.
func (a *Auth) PrepareSetup(ctx context.Context, settings SettingsStore) (string, error) {
	n, err := a.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	token := RandomToken(18)
	if err := settings.SetSetting(ctx, setupTokenKey, HashToken(token)); err != nil {
		return "", fmt.Errorf("store set-up token: %w", err)
	}
	return token, nil
}

// SetupTokenValid reports whether token is the current one-time set-up token.
func (a *Auth) SetupTokenValid(ctx context.Context, settings SettingsStore, token string) bool {
	want, ok, err := settings.Setting(ctx, setupTokenKey)
	if err != nil || !ok || token == "" {
		return false
	}
	if n, err := a.Store.CountUsers(ctx); err != nil || n > 0 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(want)) == 1
}

// CompleteSetup creates the first admin account and spends the token.
func (a *Auth) CompleteSetup(ctx context.Context, settings SettingsStore, token, username, password string) (survey.User, error) {
	// Check and spend the token under one lock: two browsers posting the same
	// link at once must not both create an admin.
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	if !a.SetupTokenValid(ctx, settings, token) {
		return survey.User{}, survey.NewError(survey.EFORBIDDEN,
			"this set-up link is no longer valid; restart the program to print a new one",
			"tautan penyiapan ini tidak berlaku lagi; jalankan ulang program untuk mencetak tautan baru")
	}
	hash, err := a.HashPassword(password)
	if err != nil {
		return survey.User{}, err
	}
	u := survey.User{Username: username, PasswordHash: hash, Role: survey.RoleAdmin, Active: true}
	if err := a.Store.CreateUser(ctx, &u); err != nil {
		return u, err
	}
	if err := settings.DeleteSetting(ctx, setupTokenKey); err != nil {
		return u, err
	}
	return u, nil
}
