package survey_test

import (
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

func TestSampleTarget(t *testing.T) {
	for _, c := range []struct{ n, want int64 }{
		{0, 384},       // unknown population: the table's cap
		{10, 10},       // never more than everyone
		{100, 80},      // Krejcie & Morgan's table
		{1000, 278},    // ditto
		{10000, 370},   // ditto
		{1000000, 384}, // large populations reach the cap
	} {
		if got := survey.SampleTarget(c.n); got != c.want {
			t.Errorf("SampleTarget(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

func TestSummarizeRTL(t *testing.T) {
	t0 := time.Date(2031, 4, 1, 2, 0, 0, 0, time.UTC)
	at := func(days int) *time.Time { x := t0.Add(time.Duration(days) * 24 * time.Hour); return &x }
	actions := []survey.RTLAction{
		{Status: survey.RTLDone, Due: "2031-04-10", CreatedAt: t0, DoneAt: at(3)},  // on time, 3 days
		{Status: survey.RTLDone, Due: "2031-04-05", CreatedAt: t0, DoneAt: at(10)}, // late, 10 days
		{Status: survey.RTLInProgress, Due: "2031-05-01", CreatedAt: t0},
		{Status: survey.RTLCancelled, Due: "2031-05-01", CreatedAt: t0}, // not counted
		{Status: survey.RTLDone, Due: "2031-04-30", CreatedAt: t0},      // done before done_at existed: no speed
	}
	s := survey.SummarizeRTL(actions)
	if s.Actions != 4 || s.Done != 3 || s.OnTime != 1 || s.DoneShare != 75 || s.MedianDays == nil || *s.MedianDays != 6.5 {
		t.Errorf("SummarizeRTL = %+v (median %v), want 4 actions, 3 done, 1 on time, 75 %%, median 6.5 days", s, s.MedianDays)
	}
	if s := survey.SummarizeRTL(nil); s.Actions != 0 || s.DoneShare != 0 || s.MedianDays != nil {
		t.Errorf("SummarizeRTL(nil) = %+v", s)
	}
}
