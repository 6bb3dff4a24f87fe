package survey

import (
	"context"
	"time"
)

// Login throttling: failed logins are counted per key (the account, the
// client's address) and make the next attempt under that key wait, longer
// after each failure. There is no hard lock: whoever mistypes, or is
// impersonated, can always try again after the wait, and a wait never
// exceeds its rule's Max.

// ThrottleRule is how failures counted under one key slow the next attempt:
// the first Free failures in a row cost nothing; each one after sets a wait
// that doubles from Base up to Max. A key without a failure for Forget
// starts again from nothing.
type ThrottleRule struct {
	Free      int
	Base, Max time.Duration
	Forget    time.Duration
}

// Wait is the wait after the n-th failure in a row.
func (r ThrottleRule) Wait(n int) time.Duration {
	if n <= r.Free {
		return 0
	}
	d := r.Base
	for i := r.Free + 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	return min(d, r.Max)
}

// ThrottleKey is a key an attempt counts under, with its rule.
type ThrottleKey struct {
	Key  string // such as "account:budi" or "address:203.0.113.7"
	Rule ThrottleRule
	// ClearOnSuccess drops every failure of the key when the password is
	// right (the account's); otherwise a success only withdraws its own
	// provisional failure (the address's: other people's failures from it stay).
	ClearOnSuccess bool
}

// ThrottleVerdict is LoginThrottle.Attempt's decision.
type ThrottleVerdict struct {
	// Wait, when positive, refuses the attempt: the longest wait still to
	// run among its keys.
	Wait time.Duration
	// Refusals counts the attempts refused under that key since its last
	// failure, this one included, so that a flood is audited in a few lines.
	Refusals int
}

// LoginThrottle holds the failure counts. The in-memory one serves a single
// process (web.MemoryThrottle); one kept in a database would let replicas of
// central share it. Attempt must be atomic over all its keys against every
// concurrent caller: the check and the record are one step.
type LoginThrottle interface {
	// Attempt admits or refuses an attempt at now. Admitted, it is recorded
	// as a failure under every key before the password is checked, so that
	// attempts in flight count, and sets each key's wait by its rule.
	// Refused (a key still waiting), it records only the refusal.
	Attempt(ctx context.Context, keys []ThrottleKey, now time.Time) (ThrottleVerdict, error)
	// Succeeded tells the throttle that the admitted attempt under keys had
	// the right password (see ThrottleKey.ClearOnSuccess).
	Succeeded(ctx context.Context, keys []ThrottleKey, now time.Time) error
	// Clear forgets every failure under key (an admin reset the account's password).
	Clear(ctx context.Context, key string) error
}
