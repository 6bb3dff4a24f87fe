package central

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// Central signs the documents it issues with an Ed25519 key of its own,
// created at first start and kept in its database's settings like its other
// secrets. Rotation (RotateSigningKey, `central signing-key rotate`) makes a
// new key and deletes the private half of the old one, whose public half
// stays to check the documents it signed (docs/security.md).

const settingSigningKeys = "document_signing_keys"

// SigningKey is one of central's document signing keys. Seed is empty once
// the key is retired: it then only checks signatures.
type SigningKey struct {
	ID        string     `json:"id"`     // the first 16 hex digits of the public key's SHA-256
	Public    string     `json:"public"` // base64
	Seed      string     `json:"seed,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// PublicKey returns the key's public half.
func (k SigningKey) PublicKey() ed25519.PublicKey {
	b, _ := base64.StdEncoding.DecodeString(k.Public)
	return ed25519.PublicKey(b)
}

// settingStore is the part of the store the keyring uses.
type settingStore interface {
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

// keysMu serialises changes to the keyring within this process.
var keysMu sync.Mutex

// SigningKeys returns central's signing keys, oldest first.
func SigningKeys(ctx context.Context, store settingStore) ([]SigningKey, error) {
	v, ok, err := store.Setting(ctx, settingSigningKeys)
	if err != nil || !ok {
		return nil, err
	}
	var keys []SigningKey
	if err := json.Unmarshal([]byte(v), &keys); err != nil {
		return nil, fmt.Errorf("read document signing keys: %w", err)
	}
	return keys, nil
}

func newSigningKey(now time.Time) (SigningKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("make document signing key: %w", err)
	}
	sum := sha256.Sum256(pub)
	return SigningKey{ID: hex.EncodeToString(sum[:8]), Public: base64.StdEncoding.EncodeToString(pub),
		Seed: base64.StdEncoding.EncodeToString(priv.Seed()), CreatedAt: now.UTC().Truncate(time.Second)}, nil
}

func saveSigningKeys(ctx context.Context, store settingStore, keys []SigningKey) error {
	b, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	if err := store.SetSetting(ctx, settingSigningKeys, string(b)); err != nil {
		return fmt.Errorf("store document signing keys: %w", err)
	}
	return nil
}

// EnsureSigningKey returns the active signing key, creating the first one.
func EnsureSigningKey(ctx context.Context, store settingStore, now time.Time) (SigningKey, error) {
	keysMu.Lock()
	defer keysMu.Unlock()
	keys, err := SigningKeys(ctx, store)
	if err != nil {
		return SigningKey{}, err
	}
	if n := len(keys); n > 0 && keys[n-1].Seed != "" {
		return keys[n-1], nil
	}
	k, err := newSigningKey(now)
	if err != nil {
		return k, err
	}
	return k, saveSigningKeys(ctx, store, append(keys, k))
}

// RotateSigningKey makes a new active key and retires the others: their
// private halves are deleted, their public halves kept to check what they signed.
func RotateSigningKey(ctx context.Context, store settingStore, now time.Time) (SigningKey, error) {
	keysMu.Lock()
	defer keysMu.Unlock()
	keys, err := SigningKeys(ctx, store)
	if err != nil {
		return SigningKey{}, err
	}
	k, err := newSigningKey(now)
	if err != nil {
		return k, err
	}
	retired := now.UTC().Truncate(time.Second)
	for i := range keys {
		if keys[i].RetiredAt == nil {
			keys[i].RetiredAt = &retired
		}
		keys[i].Seed = ""
	}
	return k, saveSigningKeys(ctx, store, append(keys, k))
}

// signDocument signs d's statement with the active key.
func signDocument(ctx context.Context, store settingStore, now time.Time, d *survey.Document) error {
	k, err := EnsureSigningKey(ctx, store, now)
	if err != nil {
		return err
	}
	seed, err := base64.StdEncoding.DecodeString(k.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return fmt.Errorf("document signing key %s is damaged", k.ID)
	}
	d.KeyID = k.ID
	d.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(ed25519.NewKeyFromSeed(seed), d.Statement()))
	return nil
}

// checkSignature reports whether d's signature is valid under the key it
// names, and returns that key (its zero value when unknown).
func checkSignature(keys []SigningKey, d survey.Document) (SigningKey, bool) {
	sig, err := base64.StdEncoding.DecodeString(d.Signature)
	if err != nil {
		return SigningKey{}, false
	}
	for _, k := range keys {
		if k.ID == d.KeyID {
			pub := k.PublicKey()
			return k, len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, d.Statement(), sig)
		}
	}
	return SigningKey{}, false
}
