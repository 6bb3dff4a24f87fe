package survey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"
)

// MaxIdempotencyKey bounds a client's idempotency key, in bytes.
const MaxIdempotencyKey = 100

// scopeMarkLen is the length of the scope mark IdempotencyScoper.Scope appends.
const scopeMarkLen = 1 + 16

// MaxStoredIdempotencyKey bounds a key as stored: a client's key and its scope mark.
const MaxStoredIdempotencyKey = MaxIdempotencyKey + scopeMarkLen

// Scopes of idempotency keys. A key counts only within its client's scope,
// so nobody can use a key first, with other answers, to make a genuine
// submission fail as a conflict (docs/api.md).
const (
	// ScopeVisit: every submission through one visit (its holder only).
	ScopeVisit = "visit"
	// ScopeForm: a survey form, per staff member and device (cookie or tablet).
	ScopeForm = "form"
	// ScopeAPI: the API without a visit code, per staff member and client address.
	ScopeAPI = "api"
)

// IdempotencyScope joins a scope kind and its parts into one scope.
func IdempotencyScope(kind string, parts ...string) string {
	return kind + "|" + strings.Join(parts, "|")
}

// IdempotencyScoper marks clients' idempotency keys with their scope. Make
// one per secret (NewIdempotencyScoper) and keep it: it derives its key once
// and reuses its HMAC states (the kiosk marks every rating's key).
type IdempotencyScoper struct{ macs *sync.Pool }

// NewIdempotencyScoper derives the scoper's key from the kiosk's secret, a
// key for idempotency marks only.
func NewIdempotencyScoper(secret []byte) IdempotencyScoper {
	k := hmac.New(sha256.New, secret)
	k.Write([]byte("skm idempotency key v1"))
	key := k.Sum(nil)
	return IdempotencyScoper{macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// Scope returns the stored form of a client's key within scope: the key,
// "~", and 96 bits of an HMAC-SHA256 over scope and key. The same key in
// another client's scope is another stored key. The mark is made of the key
// too, so it is no pseudonym of the client (the scope may hold its
// address): two keys of one client share nothing. The client's key comes
// first so that a client's rising keys (a queue system's ticket numbers)
// stay together in the index. An empty key stays empty; a key over
// MaxIdempotencyKey bytes is refused.
func (s IdempotencyScoper) Scope(scope, key string) (string, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", nil
	}
	if len(key) > MaxIdempotencyKey {
		return "", Invalid("idempotency_key", "idempotency_key must be at most 100 characters",
			"idempotency_key paling banyak 100 karakter")
	}
	var buf [256]byte
	msg := append(append(append(buf[:0], scope...), 0), key...)
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	s.macs.Put(m)
	out := make([]byte, 0, MaxStoredIdempotencyKey)
	out = append(append(out, key...), '~')
	return string(base64.RawURLEncoding.AppendEncode(out, sum[:12])), nil
}
