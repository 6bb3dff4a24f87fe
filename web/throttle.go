package web

import (
	"context"
	"sync"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// MemoryThrottle is the login throttle of one process: every Attempt runs
// under one mutex, which makes its check and record atomic. It holds at
// most MaxKeys keys; past that it forgets keys whose rule would have
// forgotten them, then arbitrary ones (Go's map order), so that a flood of
// made-up names and addresses costs bounded memory.
type MemoryThrottle struct {
	// MaxKeys bounds the keys held (default 20,000: a few MiB).
	MaxKeys int

	mu   sync.Mutex
	keys map[string]*throttleState
}

var _ survey.LoginThrottle = (*MemoryThrottle)(nil)

type throttleState struct {
	failures int
	last     time.Time // the last failure
	refusals int       // since the last failure
	forget   time.Duration
}

// waitUntil is when the key's next attempt may start.
func (s *throttleState) waitUntil(r survey.ThrottleRule) time.Time {
	return s.last.Add(r.Wait(s.failures))
}

// state returns key's state at now, fresh when the key was forgotten.
func (t *MemoryThrottle) state(k survey.ThrottleKey, now time.Time) *throttleState {
	s := t.keys[k.Key]
	if s == nil || now.Sub(s.last) >= k.Rule.Forget {
		s = &throttleState{}
	}
	return s
}

// Attempt implements survey.LoginThrottle.
func (t *MemoryThrottle) Attempt(_ context.Context, keys []survey.ThrottleKey, now time.Time) (survey.ThrottleVerdict, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = map[string]*throttleState{}
	}
	var v survey.ThrottleVerdict
	var longest *throttleState
	for _, k := range keys {
		s := t.state(k, now)
		if wait := s.waitUntil(k.Rule).Sub(now); wait > v.Wait {
			v.Wait, longest = wait, s
		}
	}
	if longest != nil {
		longest.refusals++
		v.Refusals = longest.refusals
		return v, nil
	}
	t.makeRoom(now, len(keys))
	for _, k := range keys {
		s := t.state(k, now)
		s.failures++
		s.last, s.refusals, s.forget = now, 0, k.Rule.Forget
		t.keys[k.Key] = s
	}
	return v, nil
}

// Succeeded implements survey.LoginThrottle.
func (t *MemoryThrottle) Succeeded(_ context.Context, keys []survey.ThrottleKey, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		s, ok := t.keys[k.Key]
		if !ok {
			continue
		}
		if s.failures--; k.ClearOnSuccess || s.failures <= 0 {
			delete(t.keys, k.Key)
		}
	}
	return nil
}

// Clear implements survey.LoginThrottle.
func (t *MemoryThrottle) Clear(_ context.Context, key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
	return nil
}

// makeRoom keeps room for n more keys under MaxKeys; t.mu is held.
func (t *MemoryThrottle) makeRoom(now time.Time, n int) {
	max := t.MaxKeys
	if max <= 0 {
		max = 20000
	}
	if len(t.keys)+n <= max {
		return
	}
	for k, s := range t.keys {
		if now.Sub(s.last) >= s.forget {
			delete(t.keys, k)
		}
	}
	for k := range t.keys {
		if len(t.keys)+n <= max*9/10 {
			break
		}
		delete(t.keys, k)
	}
}

// Len reports how many keys the throttle holds.
func (t *MemoryThrottle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}
