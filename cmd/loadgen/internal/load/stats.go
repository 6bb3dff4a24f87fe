package load

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Latencies are request durations; Percentile sorts them on first use.
type Latencies struct {
	d      []time.Duration
	sorted bool
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) { l.d, l.sorted = append(l.d, d), false }

// Merge adds another set.
func (l *Latencies) Merge(o *Latencies) { l.d, l.sorted = append(l.d, o.d...), false }

// Len returns the number of durations.
func (l *Latencies) Len() int { return len(l.d) }

// Percentile returns the p-th percentile (0–100) by the nearest-rank method.
func (l *Latencies) Percentile(p float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	if !l.sorted {
		slices.Sort(l.d)
		l.sorted = true
	}
	i := int(p/100*float64(len(l.d))+0.999999) - 1
	return l.d[max(0, min(i, len(l.d)-1))]
}

// Summary is the median and range of one figure over several runs.
type Summary struct {
	Median, Min, Max float64
	N                int
}

// Summarize returns the median, minimum and maximum of xs.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Summary{Median: m, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// Format prints the summary with format f for each number: "median [min–max] (n runs)".
func (s Summary) Format(f string) string {
	if s.N <= 1 {
		return fmt.Sprintf(f, s.Median)
	}
	return fmt.Sprintf(f+" ["+f+"–"+f+"]", s.Median, s.Min, s.Max)
}

// Table collects named figures over runs and prints their summaries.
type Table struct {
	order []string
	unit  map[string]string
	vals  map[string][]float64
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{unit: map[string]string{}, vals: map[string][]float64{}} }

// Add records one run's value of a figure; format is its printf verb and unit, such as "%.0f req/s".
func (t *Table) Add(name, format string, v float64) {
	if _, ok := t.vals[name]; !ok {
		t.order = append(t.order, name)
		t.unit[name] = format
	}
	t.vals[name] = append(t.vals[name], v)
}

// Summary returns the summary of a figure.
func (t *Table) Summary(name string) Summary { return Summarize(t.vals[name]) }

// String prints "name: median [min–max]" per figure, in the order added.
func (t *Table) String() string {
	var b strings.Builder
	w := 0
	for _, n := range t.order {
		w = max(w, len(n))
	}
	for _, n := range t.order {
		fmt.Fprintf(&b, "  %-*s  %s\n", w, n, t.Summary(n).Format(t.unit[n]))
	}
	return b.String()
}
