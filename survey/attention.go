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

// AttentionBaselineMonths is how many settled months before the latest one
// its share of low answers is compared with: a quarter is the office's usual.
const AttentionBaselineMonths = 3

// AttentionMonths returns the recent window, the latest month settled at
// now, and the baseline, the AttentionBaselineMonths before it. A window of
// days, sliding each day, would let anyone subtract one day's figure from
// the next (docs/reports-api.md, "Disclosure rule"); whole settled months
// rest on the same release groups as every report.
func AttentionMonths(now time.Time, loc *time.Location) (recent, baseline Period) {
	end := SettledEnd(now, loc)
	recent = Period{From: end.AddDate(0, -1, 0), To: end, Label: end.AddDate(0, -1, 0).Format("2006-01")}
	baseline = Period{From: recent.From.AddDate(0, -AttentionBaselineMonths, 0), To: recent.From}
	baseline.Label = baseline.From.Format("2006-01") + " – " + baseline.To.AddDate(0, -1, 0).Format("2006-01")
	return recent, baseline
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
