package kiosk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// Client addresses and device cookies are never stored in clear: the kiosk
// keeps HMAC-SHA256 hashes of them under a key that is replaced every
// limits.key_rotation. The previous key is kept one more period, so a limit
// window that spans a rotation still counts; older keys are deleted, after
// which nobody, not even a reader of the whole database, can link a stored
// hash to an address.

const settingPseudonymKeys = "pseudonym_keys" // JSON: period number → key

type keyring struct {
	store    Store
	rotation time.Duration
	mu       sync.Mutex       // serialises creating and deleting keys
	keys     map[int64]string // as last read; guarded by mu
	// current's answer for the period hotPeriod (hot is nil when unknown),
	// guarded by mu. A period's key never changes once created and rotation
	// deletes only older ones, so the keys are read from the database once a
	// period rather than on every rating (that read was a tenth of the
	// kiosk's CPU under load).
	hot       []string
	hotPeriod int64
}

func (k *keyring) period(t time.Time) int64 { return t.Unix() / int64(k.rotation/time.Second) }

// load reads the stored keys (the database is their one copy, so another
// process's rotation is seen at once); k.mu is held.
func (k *keyring) load(ctx context.Context) error {
	v, ok, err := k.store.Setting(ctx, settingPseudonymKeys)
	if err != nil {
		return err
	}
	keys := map[int64]string{}
	if ok {
		raw := map[string]string{}
		if err := json.Unmarshal([]byte(v), &raw); err != nil {
			return fmt.Errorf("read pseudonym keys: %w", err)
		}
		for p, key := range raw {
			if n, err := strconv.ParseInt(p, 10, 64); err == nil {
				keys[n] = key
			}
		}
	}
	k.keys = keys
	return nil
}

// save writes keys; k.mu is held.
func (k *keyring) save(ctx context.Context) error {
	raw := map[string]string{}
	for p, key := range k.keys {
		raw[strconv.FormatInt(p, 10)] = key
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return k.store.SetSetting(ctx, settingPseudonymKeys, string(b))
}

// current returns the keys of now's period (created if missing) and of the previous one (if any).
func (k *keyring) current(ctx context.Context, now time.Time) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	p := k.period(now)
	if k.hot != nil && k.hotPeriod == p {
		return k.hot, nil
	}
	if err := k.load(ctx); err != nil {
		return nil, err
	}
	if _, ok := k.keys[p]; !ok {
		k.keys[p] = web.RandomToken(32)
		if err := k.save(ctx); err != nil {
			delete(k.keys, p)
			return nil, fmt.Errorf("store pseudonym key: %w", err)
		}
	}
	out := []string{k.keys[p]}
	if prev, ok := k.keys[p-1]; ok {
		out = append(out, prev)
	}
	k.hot, k.hotPeriod = out, p
	return out, nil
}

// Rotate deletes keys older than the previous period and returns how many.
func (k *keyring) Rotate(ctx context.Context, now time.Time) (int64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hot = nil
	if err := k.load(ctx); err != nil {
		return 0, err
	}
	p := k.period(now)
	var n int64
	for q := range k.keys {
		if q < p-1 {
			delete(k.keys, q)
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	return n, k.save(ctx)
}

// hashes returns the keyed hashes of value (tagged by kind), current key first.
func (k *keyring) hashes(ctx context.Context, now time.Time, kind, value string) ([]string, error) {
	keys, err := k.current(ctx, now)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, key := range keys {
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(kind + "|" + value))
		out[i] = hex.EncodeToString(m.Sum(nil)[:16])
	}
	return out, nil
}

// DeviceCookie marks a browser so that limits can count its ratings; it
// holds a random id and the kiosk's signature, nothing about the person.
const DeviceCookie = "perangkat"

// deviceID returns the browser's signed device id, setting a new cookie
// when it has none (once per request); ok is false when the request
// carried no valid cookie.
func (s *Server) deviceID(c *fiber.Ctx) (id string, ok bool) {
	if d, found := c.Locals(localDevice).(device); found {
		return d.id, d.ok
	}
	if v := c.Cookies(DeviceCookie); v != "" {
		if id, sig, found := strings.Cut(v, "."); found && hmac.Equal([]byte(sig), []byte(s.sign("device|"+id))) {
			c.Locals(localDevice, device{id, true})
			return id, true
		}
	}
	id = web.RandomToken(12)
	c.Cookie(&fiber.Cookie{Name: DeviceCookie, Value: id + "." + s.sign("device|"+id), Path: "/", HTTPOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	c.Locals(localDevice, device{id, false})
	return id, false
}

// device is deviceID's answer, kept for the rest of the request.
type device struct {
	id string
	ok bool
}

const localDevice = "device"

// intake builds what the store needs to apply limits and flags to a
// submission: keyed hashes of the device cookie (when the browser returned
// a valid one) and of the client address.
func (s *Server) intake(c *fiber.Ctx, limited, useDevice bool) (survey.Intake, error) {
	ctx, now := c.UserContext(), s.now()
	in := survey.Intake{Limited: limited, Limits: s.cfg.Limits.Limits()}
	var err error
	if useDevice {
		if id, ok := s.deviceID(c); ok {
			if in.Device, err = s.keys.hashes(ctx, now, "device", id); err != nil {
				return in, err
			}
		}
	}
	in.Address, err = s.keys.hashes(ctx, now, "address", web.ClientAddress(c))
	return in, err
}

// registerCounterDevice remembers this browser and address as nip's counter device.
func (s *Server) registerCounterDevice(c *fiber.Ctx, nip string) error {
	ctx, now := c.UserContext(), s.now()
	id, _ := s.deviceID(c) // a new cookie counts from this page on
	dev, err := s.keys.hashes(ctx, now, "device", id)
	if err != nil {
		return err
	}
	addr, err := s.keys.hashes(ctx, now, "address", web.ClientAddress(c))
	if err != nil {
		return err
	}
	return s.store.RegisterCounterDevice(ctx, nip, []string{dev[0], addr[0]})
}
