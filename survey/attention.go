package survey

import (
	"cmp"
	"slices"
	"time"
)

// LowShare is the share, in percent, of a tally's answers that are 1 or 2
// ("tidak baik" or "kurang baik"), over every element; 0 for an empty tally.
func (t Tally) LowShare() float64 {
	var low, all int64
	for i := range NumElements {
		low += t.Dist[i][0] + t.Dist[i][1]
		all += t.answered(i)
	}
	if all == 0 {
		return 0
	}
	return 100 * float64(low) / float64(all)
}

// Attention windows: the last AttentionRecentDays complete days against the
// AttentionBaselineDays before them. A week smooths a single bad morning;
// four weeks are the office's usual.
const (
	AttentionRecentDays   = 7
	AttentionBaselineDays = 28
)

// AttentionWindows returns the recent and baseline periods as [from, to)
// midnights in loc (Asia/Jakarta), for a page shown at now: today is left
// out, as it is from every report. The baseline ends where recent begins.
func AttentionWindows(now time.Time, loc *time.Location) (recentFrom, recentTo, baseFrom time.Time) {
	recentTo = DayStart(now, loc)
	recentFrom = recentTo.AddDate(0, 0, -AttentionRecentDays)
	return recentFrom, recentTo, recentFrom.AddDate(0, 0, -AttentionBaselineDays)
}

// Attention is a group (a unit, or "" for the whole office) whose share of
// low answers rose from its baseline to the recent window.
type Attention struct {
	Key       string
	Recent    float64 // low share in the recent window, percent
	Baseline  float64 // low share in the baseline window, percent
	RecentN   int64   // responses in the recent window
	BaselineN int64   // responses in the baseline window
}

// Rise is the increase in percentage points.
func (a Attention) Rise() float64 { return a.Recent - a.Baseline }

// RisingLowShares lists the groups whose share of low answers rose by at
// least rise percentage points, with at least minCell responses in both
// windows (fewer would name a handful of citizens, and be noise), largest
// rise first. It looks at groups, never at one officer: a person is judged
// on their own period's figures, not on a week's alarm.
func RisingLowShares(recent, baseline map[string]Tally, minCell int, rise float64) []Attention {
	var out []Attention
	for key, r := range recent {
		b, ok := baseline[key]
		if !ok || r.N < int64(minCell) || b.N < int64(minCell) {
			continue
		}
		a := Attention{Key: key, Recent: r.LowShare(), Baseline: b.LowShare(), RecentN: r.N, BaselineN: b.N}
		if a.Rise() >= rise {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y Attention) int {
		return cmp.Or(cmp.Compare(y.Rise(), x.Rise()), cmp.Compare(x.Key, y.Key))
	})
	return out
}
