package survey

import (
	"math"
	"testing"
	"time"
)

func TestMeanInterval(t *testing.T) {
	// Scores 3 and 4, twice each: mean 3.5, sd 0.5774, t(3) = 3.182, half width 0.9186.
	vals := []float64{3, 4, 3, 4}
	var sum, sq float64
	for _, v := range vals {
		sum += v
		sq += v * v
	}
	mean, ci := MeanInterval(sum, sq, 4, 25, 25, 100)
	if math.Abs(mean-87.5) > 1e-9 || !ci.Defined {
		t.Fatalf("mean = %v, ci = %+v", mean, ci)
	}
	if math.Abs(ci.Low-(3.5-0.91865)*25) > 0.01 || ci.High != 100 {
		t.Errorf("ci = %+v, want low ≈ 64.53 and high clipped to 100", ci)
	}
	if _, ci := MeanInterval(4, 16, 1, 25, 25, 100); ci.Defined {
		t.Error("interval defined for one response")
	}
	if got := tQuantile975(120); math.Abs(got-1.980) > 0.001 {
		t.Errorf("t(120) = %v, want 1.980", got)
	}
	if got := tQuantile975(31); math.Abs(got-2.040) > 0.001 {
		t.Errorf("t(31) = %v, want 2.040", got)
	}
}

func TestParsePeriod(t *testing.T) {
	jkt := time.FixedZone("WIB", 7*3600)
	for in, want := range map[string][2]string{
		"2026-11": {"2026-11-01", "2026-11-30"}, "2026-Q4": {"2026-10-01", "2026-12-31"},
		"2026-S1": {"2026-01-01", "2026-06-30"}, "2026": {"2026-01-01", "2026-12-31"},
	} {
		p, err := ParsePeriod(in, jkt)
		if err != nil {
			t.Fatal(err)
		}
		if f, l := p.Days(); f != want[0] || l != want[1] {
			t.Errorf("%s = %s..%s, want %v", in, f, l, want)
		}
	}
	for _, bad := range []string{"2026-13", "2026-Q5", "26", "2026-S3", ""} {
		if _, err := ParsePeriod(bad, jkt); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	p, _ := ParsePeriod("2026-Q4", jkt)
	if ms := p.Months(); len(ms) != 3 || ms[2].Label != "2026-12" {
		t.Errorf("months = %+v", ms)
	}
	closed := p.ClosedAt(time.Date(2026, 11, 26, 15, 0, 0, 0, jkt))
	if _, l := closed.Days(); l != "2026-11-25" {
		t.Errorf("closed period ends %s, want 2026-11-25", l)
	}
	if _, err := ParseRange("2026-11-05", "2026-11-01", jkt); err == nil {
		t.Error("reversed range accepted")
	}
}
