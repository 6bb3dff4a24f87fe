package survey

import (
	"fmt"
	"time"
)

// SettleDays is how many days after a calendar month ends its figures wait
// before they are first shown (docs/reports-api.md, "Disclosure rule"). The
// kiosks' nightly uploads of the month's last days arrive in the meantime,
// so a figure, once shown, never changes: nobody can subtract yesterday's
// figure from today's to read the few ratings that arrived in between. It is
// a constant, not a setting, because changing it would change figures
// already shown.
const SettleDays = 7

// MonthStart returns midnight, in loc, of the first day of t's month in loc.
func MonthStart(t time.Time, loc *time.Location) time.Time {
	y, m, _ := t.In(loc).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, loc)
}

// SettleTime returns the moment the month starting at month settles: the
// start of its SettleDays-th day after it ends.
func SettleTime(month time.Time) time.Time { return month.AddDate(0, 1, SettleDays) }

// settleGrace is how long after SettleTime reports wait before showing a
// month: an upload received just before it, whose rows still count in the
// month, has committed by then.
const settleGrace = time.Hour

// SettledEnd returns the first day (midnight in loc) of the first month that
// has settled at now, an hour's grace included: every month before it has.
func SettledEnd(now time.Time, loc *time.Location) time.Time {
	now = now.Add(-settleGrace)
	current := MonthStart(now, loc)
	if now.Before(SettleTime(current.AddDate(0, -1, 0))) {
		return current.AddDate(0, -1, 0)
	}
	return current
}

// ReportDay returns the Asia/Jakarta day (midnight in loc) a response counts
// on in reports: the day it was given, unless central received it after that
// month settled; then the day it was received, whose month has not settled.
// A late upload (a kiosk offline for weeks, a file carried on a stick) thus
// never changes a month whose figures were already shown; its ratings count
// in the month they arrived, so holding an upload back never removes them.
func ReportDay(created, received time.Time, loc *time.Location) time.Time {
	day := DayStart(created, loc)
	if !received.Before(SettleTime(MonthStart(created, loc))) {
		day = DayStart(received, loc)
	}
	return day
}

// ReportDay returns the Asia/Jakarta date (YYYY-MM-DD) the response counts on
// in reports (survey.ReportDay): the key of daily rollups.
func (r StoredResponse) ReportDay(loc *time.Location) string {
	return ReportDay(r.CreatedAt, r.ReceivedAt, loc).Format(time.DateOnly)
}

// SettledAt cuts the period at the end of the last month settled at now: a
// report shows whole settled months only, so every figure of one report
// covers the same months and never changes once shown.
func (p Period) SettledAt(now time.Time) Period {
	if end := SettledEnd(now, p.From.Location()); p.To.After(end) {
		p.To = end
	}
	if p.To.Before(p.From) {
		p.To = p.From
	}
	return p
}

// LastSettledMonth returns the code (YYYY-MM) of the latest month settled at now.
func LastSettledMonth(now time.Time, loc *time.Location) string {
	return SettledEnd(now, loc).AddDate(0, -1, 0).Format("2006-01")
}

// DefaultPeriodCode is the quarter (triwulan) holding the latest settled
// month: the report people want on opening the page.
func DefaultPeriodCode(now time.Time, loc *time.Location) string {
	return QuarterCode(SettledEnd(now, loc).AddDate(0, -1, 0), loc)
}

// periodRule explains which periods a report accepts, in English and Bahasa Indonesia.
func periodRule() (en, id string) {
	return "reports cover whole calendar months: a month (2026-11), a quarter (2026-Q4), a semester (2026-S2), a year (2026), or a range of whole months (from=2026-02&to=2026-07)",
		"laporan mencakup bulan kalender utuh: satu bulan (2026-11), triwulan (2026-Q4), semester (2026-S2), tahun (2026), atau rentang bulan utuh (from=2026-02&to=2026-07)"
}

// dayRangeRefused is the error for a range that does not cover whole months.
func dayRangeRefused(field, from, to string) error {
	en, id := periodRule()
	return Invalid(field,
		fmt.Sprintf("%s to %s is not a range of whole months: %s, so that no two reports differ by a few days' ratings", from, to, en),
		fmt.Sprintf("%s sampai %s bukan rentang bulan utuh: %s, agar tidak ada dua laporan yang selisihnya hanya penilaian beberapa hari", from, to, id))
}
