package survey

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Jakarta is the zone of every day, month and night the rules count in
// (docs/domain.md#time); times are stored in UTC. Asia/Jakarta has kept
// UTC+7 without daylight saving since 1964, so a fixed zone is exact for
// every date the software meets and needs no zone database.
var Jakarta = time.FixedZone("WIB", 7*3600)

// JakartaDate returns t's Asia/Jakarta calendar date as YYYY-MM-DD.
func JakartaDate(t time.Time) string { return t.In(Jakarta).Format(time.DateOnly) }

// DayStart returns midnight, in loc, of the day t falls on in loc.
func DayStart(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Period is a half-open range of Asia/Jakarta calendar days [From, To) with a label.
type Period struct {
	From  time.Time `json:"from"` // midnight Asia/Jakarta of the first day
	To    time.Time `json:"to"`   // midnight Asia/Jakarta after the last day
	Label string    `json:"label"`
}

var (
	monthRe    = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterRe  = regexp.MustCompile(`^(\d{4})-[Qq]([1-4])$`)
	semesterRe = regexp.MustCompile(`^(\d{4})-[Ss]([12])$`)
	yearRe     = regexp.MustCompile(`^(\d{4})$`)
)

// ParsePeriod reads "2026-11" (month), "2026-Q4" (quarter, triwulan),
// "2026-S2" (semester), "2026" (year) in loc.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	months := func(y, m, n int, label string) Period {
		from := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, loc)
		return Period{From: from, To: from.AddDate(0, n, 0), Label: label}
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	switch {
	case monthRe.MatchString(s):
		g := monthRe.FindStringSubmatch(s)
		if m := atoi(g[2]); m >= 1 && m <= 12 {
			return months(atoi(g[1]), m, 1, s), nil
		}
	case quarterRe.MatchString(s):
		g := quarterRe.FindStringSubmatch(s)
		q := atoi(g[2])
		return months(atoi(g[1]), 3*q-2, 3, fmt.Sprintf("%s Triwulan %d", g[1], q)), nil
	case semesterRe.MatchString(s):
		g := semesterRe.FindStringSubmatch(s)
		h := atoi(g[2])
		return months(atoi(g[1]), 6*h-5, 6, fmt.Sprintf("%s Semester %d", g[1], h)), nil
	case yearRe.MatchString(s):
		return months(atoi(s), 1, 12, s), nil
	}
	return Period{}, Invalid("period", fmt.Sprintf("period %q must look like 2026-11, 2026-Q4, 2026-S2 or 2026", s),
		fmt.Sprintf("periode %q harus seperti 2026-11, 2026-Q4, 2026-S2 atau 2026", s))
}

// ParseRange reads a custom range of days, from and to inclusive (YYYY-MM-DD).
func ParseRange(from, to string, loc *time.Location) (Period, error) {
	f, err1 := time.ParseInLocation("2006-01-02", from, loc)
	t, err2 := time.ParseInLocation("2006-01-02", to, loc)
	if err1 != nil {
		return Period{}, Invalid("from", fmt.Sprintf("from %q must be a date YYYY-MM-DD", from), fmt.Sprintf("from %q harus tanggal TTTT-BB-HH", from))
	}
	if err2 != nil {
		return Period{}, Invalid("to", fmt.Sprintf("to %q must be a date YYYY-MM-DD", to), fmt.Sprintf("to %q harus tanggal TTTT-BB-HH", to))
	}
	if t.Before(f) {
		return Period{}, Invalid("to", "to must not be before from", "to tidak boleh sebelum from")
	}
	return Period{From: f, To: t.AddDate(0, 0, 1), Label: from + " – " + to}, nil
}

// Days returns the period's first day and last day (inclusive) as YYYY-MM-DD.
func (p Period) Days() (first, last string) {
	return p.From.Format("2006-01-02"), p.To.AddDate(0, 0, -1).Format("2006-01-02")
}

// Months splits the period into calendar months (the last may be partial).
func (p Period) Months() []Period {
	var out []Period
	for m := time.Date(p.From.Year(), p.From.Month(), 1, 0, 0, 0, 0, p.From.Location()); m.Before(p.To); m = m.AddDate(0, 1, 0) {
		from, to := m, m.AddDate(0, 1, 0)
		if from.Before(p.From) {
			from = p.From
		}
		if to.After(p.To) {
			to = p.To
		}
		out = append(out, Period{From: from, To: to, Label: m.Format("2006-01")})
	}
	return out
}

// ClosedAt cuts the period at the start of now's day: per-person figures
// never include the day still in progress, so an officer cannot match a
// rating to the citizen who just left.
func (p Period) ClosedAt(now time.Time) Period {
	today := DayStart(now, p.From.Location())
	if p.To.After(today) {
		p.To = today
	}
	if p.To.Before(p.From) {
		p.To = p.From
	}
	return p
}
