package survey

import (
	"math"
	"slices"
)

// SampleTarget returns the number of respondents the Krejcie & Morgan (1970)
// table asks for a population of n service users (PermenPAN-RB 14/2017;
// docs/domain.md#sample-size): S = X²·N·P(1−P) / (d²·(N−1) + X²·P(1−P)) with
// X² = 3,841, P = 0,5 and d = 0,05, rounded up (100 → 80, 1 000 → 278,
// 10 000 → 370). A population of 0 (unknown) gives the table's cap, 384.
func SampleTarget(n int64) int64 {
	const x2, p, d = 3.841, 0.5, 0.05
	if n <= 0 {
		return 384
	}
	N := float64(n)
	s := x2 * N * p * (1 - p) / (d*d*(N-1) + x2*p*(1-p))
	return min(int64(math.Ceil(s-1e-9)), n)
}

// RTLStats sum up an office's follow-up register for a period: the
// "tindak lanjut hasil SKM" indicator of the SKM report.
type RTLStats struct {
	// Actions counts the actions that were not cancelled; Done those done,
	// OnTime those done by their due day (Asia/Jakarta).
	Actions, Done, OnTime int
	// DoneShare is Done in percent of Actions, two decimals (0 without actions).
	DoneShare float64
	// MedianDays is the median number of days from an action's entry to its
	// completion, over the done actions that carry a completion time (nil when none).
	MedianDays *float64
}

// SummarizeRTL computes the follow-up figures of actions.
func SummarizeRTL(actions []RTLAction) RTLStats {
	var s RTLStats
	var days []float64
	for _, a := range actions {
		if a.Status == RTLCancelled {
			continue
		}
		s.Actions++
		if a.Status != RTLDone {
			continue
		}
		s.Done++
		if a.DoneAt == nil {
			continue
		}
		if JakartaDate(*a.DoneAt) <= a.Due {
			s.OnTime++
		}
		days = append(days, math.Floor(a.DoneAt.Sub(a.CreatedAt).Hours()/24))
	}
	if s.Actions > 0 {
		s.DoneShare = Round2(100 * float64(s.Done) / float64(s.Actions))
	}
	if n := len(days); n > 0 {
		slices.Sort(days)
		m := days[n/2]
		if n%2 == 0 {
			m = (days[n/2-1] + days[n/2]) / 2
		}
		s.MedianDays = &m
	}
	return s
}
