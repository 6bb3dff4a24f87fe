package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// Request headers of a signed request.
const (
	HeaderKiosk     = "X-SKM-Kiosk"
	HeaderTimestamp = "X-SKM-Timestamp" // Unix seconds
	HeaderSignature = "X-SKM-Signature" // base64 (standard, padded) Ed25519 signature
)

// HeaderTime is on every answer of central's sync endpoints, refusals
// included: central's clock in Unix seconds. A kiosk whose clock is wrong
// signs its next requests with central's time instead of its own (see
// docs/sync-protocol.md, "Clocks").
const HeaderTime = "X-SKM-Time"

// secretPrefix marks a kiosk secret: "skm1-" + base64url(Ed25519 seed).
const secretPrefix = "skm1-"

// NewKioskKey makes a kiosk's key pair. The secret is printed once for the
// kiosk's configuration; central stores only the public key.
func NewKioskKey() (secret string, pub ed25519.PublicKey, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", nil, fmt.Errorf("generate kiosk key: %w", err)
	}
	return secretPrefix + base64.RawURLEncoding.EncodeToString(priv.Seed()), pub, nil
}

// ParseSecret turns a kiosk secret back into its private key.
func ParseSecret(secret string) (ed25519.PrivateKey, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(secret), secretPrefix)
	if !ok {
		return nil, fmt.Errorf("the kiosk secret must start with %q (as printed by `central kiosk add`)", secretPrefix)
	}
	seed, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("the kiosk secret is damaged: copy it again from `central kiosk add`")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// StringToSign is what a request signature covers: a version tag, the method,
// the path with its query, the timestamp and the SHA-256 of the body exactly
// as sent (after compression).
func StringToSign(method, pathAndQuery string, ts int64, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte("SKM1\n" + strings.ToUpper(method) + "\n" + pathAndQuery + "\n" + strconv.FormatInt(ts, 10) + "\n" + hex.EncodeToString(sum[:]))
}

// SignRequest returns the header values for a request.
func SignRequest(key ed25519.PrivateKey, method, pathAndQuery string, body []byte, now time.Time) (ts, sig string) {
	t := now.Unix()
	return strconv.FormatInt(t, 10), base64.StdEncoding.EncodeToString(ed25519.Sign(key, StringToSign(method, pathAndQuery, t, body)))
}

// VerifyRequest checks a request's timestamp and signature and says what is wrong.
func VerifyRequest(pub ed25519.PublicKey, method, pathAndQuery, ts, sig string, body []byte, now time.Time) error {
	t, raw, err := CheckRequestHeaders(ts, sig, now)
	if err != nil {
		return err
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, StringToSign(method, pathAndQuery, t, body), raw) {
		return errBadSignature
	}
	return nil
}

var errBadSignature = errors.New("the signature does not verify: check central.kiosk_id and central.secret in the kiosk's configuration")

// CheckRequestHeaders checks what can be checked of a request's signature
// before its body is read: the timestamp within MaxClockSkew of now, and a
// signature of an Ed25519 signature's size. It returns both decoded.
func CheckRequestHeaders(ts, sig string, now time.Time) (int64, []byte, error) {
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("the %s header must be Unix seconds", HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(t, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return 0, nil, fmt.Errorf("the request time is %s away from central's clock (limit %s): check the kiosk's date, time and time zone",
			d.Round(time.Second), MaxClockSkew)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return 0, nil, errBadSignature
	}
	return t, raw, nil
}

// headMessage is what a chain-head signature covers.
func headMessage(seq int64, hash string) []byte {
	return []byte("SKM-HEAD1\n" + strconv.FormatInt(seq, 10) + "\n" + hash)
}

// SignHead signs a kiosk's chain head.
func SignHead(key ed25519.PrivateKey, seq int64, hash string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, headMessage(seq, hash)))
}

// segmentMessage is what a segment signature covers: its hash covers every
// field and the entry before it.
func segmentMessage(hash string) []byte { return []byte("SKM-SEGMENT1\n" + hash) }

// SignSegment sets s's hash and signs it.
func SignSegment(key ed25519.PrivateKey, s *survey.Segment) {
	s.Hash = s.ComputeHash()
	s.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, segmentMessage(s.Hash)))
}

// VerifySegment checks a segment's hash and signature.
func VerifySegment(pub ed25519.PublicKey, s survey.Segment) bool {
	raw, err := base64.StdEncoding.DecodeString(s.Signature)
	return err == nil && len(pub) == ed25519.PublicKeySize && s.Hash == s.ComputeHash() &&
		ed25519.Verify(pub, segmentMessage(s.Hash), raw)
}

// PublicKeyString writes a kiosk's public key as `kiosk key show` prints it
// and `central kiosk add --public-key` reads it: "ed25519:" + standard base64.
func PublicKeyString(pub ed25519.PublicKey) string {
	return publicKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads a key written by PublicKeyString.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), publicKeyPrefix)
	raw, err := base64.StdEncoding.DecodeString(rest)
	if !ok || err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("a kiosk public key looks like ed25519:… (44 characters after the colon), as printed by `kiosk key show`")
	}
	return ed25519.PublicKey(raw), nil
}

const publicKeyPrefix = "ed25519:"

// VerifyHead checks a chain head's signature.
func VerifyHead(pub ed25519.PublicKey, h survey.SignedHead) bool {
	raw, err := base64.StdEncoding.DecodeString(h.Signature)
	return err == nil && len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, headMessage(h.Seq, h.Hash), raw)
}

// ChainKey signs and checks a kiosk's own hash chain (its heads and
// segments) with the kiosk's key: what store/sqlite.KioskOptions takes.
type ChainKey struct{ Key ed25519.PrivateKey }

// SignHead signs a head.
func (c ChainKey) SignHead(seq int64, hash string) string { return SignHead(c.Key, seq, hash) }

// VerifyHead checks a head's signature with the key's public half.
func (c ChainKey) VerifyHead(seq int64, hash, signature string) bool {
	return VerifyHead(c.Key.Public().(ed25519.PublicKey), survey.SignedHead{Seq: seq, Hash: hash, Signature: signature})
}

// SignSegment hashes and signs a segment.
func (c ChainKey) SignSegment(s *survey.Segment) { SignSegment(c.Key, s) }
