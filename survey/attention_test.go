package survey

import (
	"testing"
	"time"
)

// tallyOf counts n responses whose nine answers are all v.
func tallyOf(n int, v int8) Tally {
	var t Tally
	for range n {
		t.Add(Ratings{v, v, v, v, v, v, v, v, v})
	}
	return t
}

func TestLowShare(t *testing.T) {
	var mixed Tally
	mixed.Merge(tallyOf(3, 4))
	mixed.Merge(tallyOf(1, 2))
	mixed.Add(Ratings{1, 1, 1, 4, 4, 4, 4, 4, 4})
	// 5 responses × 9 answers = 45; low: 9 (the 2s) + 3 (the 1s) = 12.
	if got, want := mixed.LowShare(), 100*12.0/45; got != want {
		t.Errorf("LowShare = %v, want %v", got, want)
	}
	if (Tally{}).LowShare() != 0 {
		t.Error("an empty tally has a low share")
	}
}

func TestRisingLowShares(t *testing.T) {
	mix := func(good, bad int) Tally {
		t := tallyOf(good, 4)
		t.Merge(tallyOf(bad, 1))
		return t
	}
	recent := map[string]Tally{
		"":       mix(16, 4), // office: 20 % low
		"Dafduk": mix(6, 4),  // 40 % low
		"Capil":  mix(10, 0), // 0 %
		"Kecil":  mix(1, 3),  // 75 % but 4 responses: below min_cell
		"Baru":   mix(2, 3),  // no baseline
	}
	baseline := map[string]Tally{
		"":       mix(36, 4), // 10 %
		"Dafduk": mix(18, 2), // 10 %
		"Capil":  mix(15, 5), // 25 %: fell
		"Kecil":  mix(20, 0),
	}
	got := RisingLowShares(recent, baseline, 5, 10)
	if len(got) != 2 || got[0].Key != "Dafduk" || got[1].Key != "" {
		t.Fatalf("RisingLowShares = %+v, want Dafduk (30 points) then the office (10 points)", got)
	}
	if a := got[0]; a.Recent != 40 || a.Baseline != 10 || a.RecentN != 10 || a.BaselineN != 20 || a.Rise() != 30 {
		t.Errorf("Dafduk = %+v", a)
	}
	if got := RisingLowShares(recent, baseline, 5, 10.01); len(got) != 1 {
		t.Errorf("a rise of exactly 10 points is listed only from a threshold of 10: %+v", got)
	}
}

func TestAttentionMonths(t *testing.T) {
	wib := time.FixedZone("WIB", 7*3600)
	// 8 December, 01:30 WIB: November has just settled; it is compared with
	// August to October.
	recent, base := AttentionMonths(time.Date(2026, 12, 7, 18, 30, 0, 0, time.UTC), wib)
	for _, c := range []struct {
		name string
		got  time.Time
		want string
	}{{"recent from", recent.From, "2026-11-01"}, {"recent to", recent.To, "2026-12-01"}, {"baseline from", base.From, "2026-08-01"}, {"baseline to", base.To, "2026-11-01"}} {
		if c.got.In(wib).Format(time.DateTime) != c.want+" 00:00:00" {
			t.Errorf("%s = %s, want %s 00:00 WIB", c.name, c.got.In(wib), c.want)
		}
	}
	// A day earlier November has not settled: October is the recent month.
	if recent, _ := AttentionMonths(time.Date(2026, 12, 7, 12, 0, 0, 0, wib), wib); recent.Label != "2026-10" {
		t.Errorf("on 7 December the recent month is %s, want 2026-10", recent.Label)
	}
}
