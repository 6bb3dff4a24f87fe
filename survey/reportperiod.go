package survey

import (
	"fmt"
	"strings"
	"time"
)

// ParseReportPeriod reads a report's period: a code (2026-11, 2026-Q4,
// 2026-S2, 2026, or FROM~TO for custom days), or a custom range from and to
// (YYYY-MM-DD, inclusive). It returns the period and its canonical code, the
// key of the follow-up register and staff statements. Giving both a code and
// a range is refused; giving neither is refused too (callers pick a default).
func ParseReportPeriod(code, from, to string, loc *time.Location) (Period, string, error) {
	code = strings.TrimSpace(code)
	if code != "" && (from != "" || to != "") {
		return Period{}, "", Invalid("period", "give either period or from and to, not both",
			"isi period, atau from dan to, jangan keduanya")
	}
	if f, t, ok := strings.Cut(code, "~"); ok {
		code, from, to = "", f, t
	}
	if code == "" {
		if from == "" || to == "" {
			field := "from"
			if from != "" {
				field = "to"
			}
			return Period{}, "", Invalid(field, "a custom period needs both from and to (YYYY-MM-DD)",
				"periode khusus memerlukan from dan to (TTTT-BB-HH)")
		}
		p, err := ParseRange(from, to, loc)
		if err != nil {
			return p, "", err
		}
		if p.To.Sub(p.From) > 3*366*24*time.Hour {
			return Period{}, "", Invalid("to", "a custom period may span at most three years", "periode khusus paling panjang tiga tahun")
		}
		return p, from + "~" + to, nil
	}
	code = strings.ToUpper(code)
	p, err := ParsePeriod(code, loc)
	if err != nil {
		return p, "", err
	}
	if y := p.From.Year(); y < 2000 || y > 2999 {
		return Period{}, "", Invalid("period", fmt.Sprintf("period %q is out of range", code), fmt.Sprintf("periode %q di luar jangkauan", code))
	}
	return p, code, nil
}

// QuarterCode returns the code of the quarter (triwulan) holding t, in loc.
func QuarterCode(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3)
}

// RecentPeriods lists period codes a person is likely to want, newest first:
// the last 12 months, 8 quarters, 4 semesters and 3 years up to t's.
func RecentPeriods(t time.Time, loc *time.Location) []string {
	t = t.In(loc)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	var out []string
	for i := range 12 {
		out = append(out, first.AddDate(0, -i, 0).Format("2006-01"))
	}
	for i := range 8 {
		out = append(out, QuarterCode(first.AddDate(0, -3*i, 0), loc))
	}
	for i := range 4 {
		m := first.AddDate(0, -6*i, 0)
		out = append(out, fmt.Sprintf("%d-S%d", m.Year(), (int(m.Month())+5)/6))
	}
	for i := range 3 {
		out = append(out, fmt.Sprint(t.Year()-i))
	}
	return out
}
