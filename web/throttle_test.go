package web_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

func TestThrottleRuleWaits(t *testing.T) {
	r := survey.ThrottleRule{Free: 3, Base: time.Second, Max: 10 * time.Second}
	for n, want := range map[int]time.Duration{0: 0, 1: 0, 3: 0, 4: time.Second, 5: 2 * time.Second, 6: 4 * time.Second,
		7: 8 * time.Second, 8: 10 * time.Second, 100: 10 * time.Second} {
		if got := r.Wait(n); got != want {
			t.Errorf("Wait(%d) = %s, want %s", n, got, want)
		}
	}
}

// Forty attempts at the same instant: the check and the record are one
// step, so exactly the free ones and the one that starts the wait are admitted.
func TestMemoryThrottleIsAtomic(t *testing.T) {
	th := &web.MemoryThrottle{}
	now := time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)
	keys := []survey.ThrottleKey{{Key: "account:budi", Rule: web.DefaultAccountRule, ClearOnSuccess: true},
		{Key: "address:192.0.2.1", Rule: web.DefaultAddressRule}}
	var admitted, refused sync.Map
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			v, err := th.Attempt(context.Background(), keys, now)
			if err != nil {
				t.Error(err)
			}
			if v.Wait > 0 {
				refused.Store(i, v)
			} else {
				admitted.Store(i, v)
			}
		})
	}
	wg.Wait()
	count := func(m *sync.Map) (n int) {
		m.Range(func(any, any) bool { n++; return true })
		return n
	}
	if a, r := count(&admitted), count(&refused); a != 6 || r != 34 {
		t.Errorf("40 concurrent attempts: %d admitted, %d refused; want 6 and 34", a, r)
	}
	refusals := map[int]bool{}
	refused.Range(func(_, v any) bool {
		refusals[v.(survey.ThrottleVerdict).Refusals] = true
		return true
	})
	if len(refusals) != 34 || !refusals[1] || !refusals[34] {
		t.Errorf("refusal counts %v, want 1 to 34 once each", refusals)
	}

	// After the wait an attempt is admitted; a success clears the account
	// and withdraws only its own failure from the address.
	later := now.Add(time.Second)
	if v, _ := th.Attempt(context.Background(), keys, later); v.Wait != 0 {
		t.Fatalf("after the wait: %+v", v)
	}
	if err := th.Succeeded(context.Background(), keys, later); err != nil {
		t.Fatal(err)
	}
	for i := range 15 { // the address keeps its 6 failures; 20 are free, and the 21st starts the wait
		other := []survey.ThrottleKey{{Key: fmt.Sprintf("account:x%d", i), Rule: web.DefaultAccountRule}, keys[1]}
		if v, _ := th.Attempt(context.Background(), other, later); v.Wait != 0 {
			t.Fatalf("attempt %d from the address after a success: %+v", i+1, v)
		}
	}
	if v, _ := th.Attempt(context.Background(), keys, later); v.Wait != time.Second {
		t.Errorf("the 22nd attempt from the address: %+v, want a wait of 1s", v)
	}
	// A key is forgotten after its rule's Forget.
	if v, _ := th.Attempt(context.Background(), keys, later.Add(web.DefaultAddressRule.Forget)); v.Wait != 0 {
		t.Errorf("after Forget: %+v", v)
	}
}

// Made-up names from made-up addresses cost bounded memory.
func TestMemoryThrottleHoldsAtMostMaxKeys(t *testing.T) {
	th := &web.MemoryThrottle{MaxKeys: 1000}
	now := time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range 5000 {
		keys := []survey.ThrottleKey{{Key: fmt.Sprintf("account:x%d", i), Rule: web.DefaultAccountRule},
			{Key: fmt.Sprintf("address:2001:db8:%x::/64", i), Rule: web.DefaultAddressRule}}
		if _, err := th.Attempt(context.Background(), keys, now); err != nil {
			t.Fatal(err)
		}
	}
	if n := th.Len(); n > 1000 {
		t.Errorf("%d keys held, want at most 1000", n)
	}
}

func TestAddressKeyGroupsIPv6ByPrefix64(t *testing.T) {
	key := func(s string) string { return web.AddressKey(netip.MustParseAddr(s)) }
	for _, tc := range []struct{ a, b string }{
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
	} {
		if key(tc.a) != key(tc.b) {
			t.Errorf("%s and %s: keys %q and %q, want one", tc.a, tc.b, key(tc.a), key(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"192.0.2.7", "192.0.2.8"},
	} {
		if key(tc.a) == key(tc.b) {
			t.Errorf("%s and %s share the key %q", tc.a, tc.b, key(tc.a))
		}
	}
	if got := key("2001:db8:1:2:aaaa::1"); got != "2001:db8:1:2::/64" {
		t.Errorf("key = %q", got)
	}
}
