package survey

import (
	"fmt"
	"strings"
	"time"
)

// ParseReportPeriod reads a report's period: a code (2026-11, 2026-Q4,
// 2026-S2, 2026, or FROM~TO), or a range from and to. A range covers whole
// calendar months: from and to are months (YYYY-MM), or days (YYYY-MM-DD)
// on a month's first and last day; any other range of days is refused with
// the periods a report accepts (docs/reports-api.md, "Disclosure rule"). It
// returns the period and its canonical code, the key of the follow-up
// register and staff statements: a range that is a month, quarter, semester
// or year gets that code, any other YYYY-MM~YYYY-MM. Giving both a code and
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
		return parseMonthRange(strings.TrimSpace(from), strings.TrimSpace(to), loc)
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

// parseMonthRange reads a custom range of whole months.
func parseMonthRange(from, to string, loc *time.Location) (Period, string, error) {
	if from == "" || to == "" {
		field := "from"
		if from != "" {
			field = "to"
		}
		return Period{}, "", Invalid(field, "a custom period needs both from and to (YYYY-MM)",
			"periode khusus memerlukan from dan to (TTTT-BB)")
	}
	f, err := rangeEnd("from", from, loc, false)
	if err != nil {
		return Period{}, "", err
	}
	t, err := rangeEnd("to", to, loc, true)
	if err != nil {
		return Period{}, "", err
	}
	if f.Day() != 1 {
		return Period{}, "", dayRangeRefused("from", from, to)
	}
	if t.Day() != 1 {
		return Period{}, "", dayRangeRefused("to", from, to)
	}
	if !t.After(f) {
		return Period{}, "", Invalid("to", "to must not be before from", "to tidak boleh sebelum from")
	}
	if y := f.Year(); y < 2000 || t.Year() > 3000 {
		return Period{}, "", Invalid("from", fmt.Sprintf("%s is out of range", from), fmt.Sprintf("%s di luar jangkauan", from))
	}
	if t.After(f.AddDate(3, 0, 0)) {
		return Period{}, "", Invalid("to", "a custom period may span at most three years", "periode khusus paling panjang tiga tahun")
	}
	p := Period{From: f, To: t, Label: f.Format("2006-01") + " – " + t.AddDate(0, -1, 0).Format("2006-01")}
	code := f.Format("2006-01") + "~" + t.AddDate(0, -1, 0).Format("2006-01")
	if aligned := alignedCode(f, t); aligned != "" {
		if ap, err := ParsePeriod(aligned, loc); err == nil {
			return ap, aligned, nil
		}
	}
	return p, code, nil
}

// rangeEnd reads one end of a custom range, a month or a day, as a midnight
// in loc: from's first day, or the day after to's last.
func rangeEnd(field, s string, loc *time.Location, end bool) (time.Time, error) {
	if m, err := time.ParseInLocation("2006-01", s, loc); err == nil {
		if end {
			m = m.AddDate(0, 1, 0)
		}
		return m, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return d, Invalid(field, fmt.Sprintf("%s %q must be a month YYYY-MM", field, s), fmt.Sprintf("%s %q harus bulan TTTT-BB", field, s))
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// alignedCode returns the code of the month, quarter, semester or year
// [from, to) is, or "".
func alignedCode(from, to time.Time) string {
	months := (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month())
	m := int(from.Month())
	switch {
	case months == 1:
		return from.Format("2006-01")
	case months == 3 && m%3 == 1:
		return fmt.Sprintf("%d-Q%d", from.Year(), (m+2)/3)
	case months == 6 && m%6 == 1:
		return fmt.Sprintf("%d-S%d", from.Year(), (m+5)/6)
	case months == 12 && m == 1:
		return fmt.Sprint(from.Year())
	}
	return ""
}

// QuarterCode returns the code of the quarter (triwulan) holding t, in loc.
func QuarterCode(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3)
}

// RecentPeriods lists period codes a person is likely to want, newest first,
// each holding at least one month settled at now: the last 12 settled
// months, and the 8 quarters, 4 semesters and 3 years holding the latest.
func RecentPeriods(now time.Time, loc *time.Location) []string {
	first := SettledEnd(now, loc).AddDate(0, -1, 0)
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
		out = append(out, fmt.Sprint(first.Year()-i))
	}
	return out
}
