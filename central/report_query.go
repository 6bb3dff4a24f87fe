package central

import (
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// reportQuery is what a report is about: an office, a period of whole
// months and optional filters. Period is cut at the end of the last settled
// month (survey.SettledEnd): reports show settled months only, so every
// figure of one report covers the same months, its counts reconcile, and no
// figure changes once shown.
type reportQuery struct {
	Office survey.Office
	// Asked is the period as requested; Period is Asked cut to settled months.
	Asked  survey.Period
	Period survey.Period
	// Code is the canonical period code (2026-Q4, or YYYY-MM~YYYY-MM).
	Code    string
	Unit    string
	Counter string
	NIP     string
	Service string
}

// Filter returns the store filter of the query.
func (q reportQuery) Filter() survey.ReportFilter {
	return survey.ReportFilter{OfficeID: q.Office.ID, Unit: q.Unit, Counter: q.Counter, NIP: q.NIP, Service: q.Service,
		From: q.Period.From, To: q.Period.To}
}

// OfficeFilter returns the store filter of the whole office for the period.
func (q reportQuery) OfficeFilter() survey.ReportFilter {
	return survey.ReportFilter{OfficeID: q.Office.ID, From: q.Period.From, To: q.Period.To}
}

// Narrow reports whether the query selects less than the whole office.
func (q reportQuery) Narrow() bool { return q.Filter().Narrow() }

// FirstDay and LastDay are the settled period's days (YYYY-MM-DD); LastDay
// is "" when no month of the period has settled yet.
func (q reportQuery) FirstDay() string { f, _ := q.Period.Days(); return f }

// LastDay is the last day of the period's settled months, or "" when none has settled.
func (q reportQuery) LastDay() string {
	if !q.Period.To.After(q.Period.From) {
		return ""
	}
	_, l := q.Period.Days()
	return l
}

// Open reports whether the asked period extends past the last settled month.
func (q reportQuery) Open() bool { return q.Asked.To.After(q.Period.To) }

// Params returns the query string that asks for the same report.
func (q reportQuery) Params() string {
	v := []string{"period=" + urlEscape(q.Code)}
	for _, p := range [][2]string{{"unit", q.Unit}, {"counter", q.Counter}, {"nip", q.NIP}, {"service", q.Service}} {
		if p[1] != "" {
			v = append(v, p[0]+"="+urlEscape(p[1]))
		}
	}
	return strings.Join(v, "&")
}

// FilterParams returns the query string of the filters alone ("" without).
func (q reportQuery) FilterParams() string {
	_, filters, _ := strings.Cut(q.Params(), "&")
	return filters
}

// PeriodParam returns the query string of the period alone.
func (q reportQuery) PeriodParam() string { return "period=" + urlEscape(q.Code) }

func urlEscape(s string) string { return url.QueryEscape(s) }

// periodArgs reads period, from and to. Pages send a select whose "custom"
// value means from and to (months); the API takes exactly what it is given.
func periodArgs(c *fiber.Ctx, page bool) (code, from, to string) {
	code, from, to = strings.TrimSpace(c.Query("period")), strings.TrimSpace(c.Query("from")), strings.TrimSpace(c.Query("to"))
	if page {
		if code == "custom" {
			code = ""
		} else if code != "" {
			from, to = "", ""
		}
	}
	return code, from, to
}

// defaultPeriod is the quarter holding the last settled month: until a
// quarter's first month settles, the previous quarter is the report people want.
func defaultPeriod(now time.Time) string { return survey.DefaultPeriodCode(now, web.Jakarta) }

// parsePeriod reads the query's period, defaulting to the quarter of the
// last settled month, and cuts it to settled months.
func parsePeriod(c *fiber.Ctx, now time.Time, page bool) (asked survey.Period, closed survey.Period, code string, err error) {
	p, f, t := periodArgs(c, page)
	if p == "" && f == "" && t == "" {
		p = defaultPeriod(now)
	}
	asked, code, err = survey.ParseReportPeriod(p, f, t, web.Jakarta)
	if err != nil {
		return asked, asked, "", err
	}
	return asked, asked.SettledAt(now), code, nil
}

var (
	nipParam     = regexp.MustCompile(`^[0-9]{18}$`)
	serviceParam = regexp.MustCompile(`^[A-Z0-9_]{1,40}$`)
)

// parseFilters reads unit, counter, nip and service, naming a bad one.
func parseFilters(c *fiber.Ctx, q *reportQuery) error {
	q.Unit, q.Counter = strings.TrimSpace(c.Query("unit")), strings.TrimSpace(c.Query("counter"))
	q.NIP = survey.NormalizeNIP(c.Query("nip"))
	q.Service = strings.ToUpper(strings.TrimSpace(c.Query("service")))
	for _, f := range [][2]string{{"unit", q.Unit}, {"counter", q.Counter}} {
		if !utf8.ValidString(f[1]) || utf8.RuneCountInString(f[1]) > 120 {
			return survey.Invalid(f[0], f[0]+" must be text of at most 120 characters", f[0]+" harus teks paling banyak 120 karakter")
		}
	}
	if q.NIP != "" && !nipParam.MatchString(q.NIP) {
		return survey.Invalid("nip", fmt.Sprintf("nip %q must be 18 digits", c.Query("nip")), fmt.Sprintf("nip %q harus 18 angka", c.Query("nip")))
	}
	if q.Service != "" && !serviceParam.MatchString(q.Service) {
		return survey.Invalid("service", "service must be a catalogue code such as KTPEL_BARU", "service harus kode katalog seperti KTPEL_BARU")
	}
	return nil
}

// reportQueryOf reads a report query for office o from the request.
func (s *Server) reportQueryOf(c *fiber.Ctx, o survey.Office, page bool) (reportQuery, error) {
	q := reportQuery{Office: o}
	var err error
	if q.Asked, q.Period, q.Code, err = parsePeriod(c, s.now(), page); err != nil {
		return q, err
	}
	err = parseFilters(c, &q)
	return q, err
}

// parseID reads a positive integer id.
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err == nil && id <= 0 {
		err = fmt.Errorf("id %d is not positive", id)
	}
	return id, err
}

// Link is the address of one of the office's report pages (suffix "",
// "/appraisal", "/rtl", ...) for the same period.
func (q reportQuery) Link(suffix string) template.URL {
	return template.URL(fmt.Sprintf("/admin/reports/%d%s?%s", q.Office.ID, suffix, q.PeriodParam()))
}

// LinkAll is Link with the query's filters too.
func (q reportQuery) LinkAll(suffix string) template.URL {
	return template.URL(fmt.Sprintf("/admin/reports/%d%s?%s", q.Office.ID, suffix, q.Params()))
}

// StaffLink is the address of a staff member's page (suffix "", "/evidence",
// "/evidence.csv", "/statements") for the same period.
func (q reportQuery) StaffLink(nip, suffix string) template.URL {
	return template.URL(fmt.Sprintf("/admin/reports/%d/staff/%s%s?%s", q.Office.ID, url.PathEscape(nip), suffix, q.PeriodParam()))
}

// PublicLink is the address of the office's public page for the period.
func (q reportQuery) PublicLink() template.URL {
	return template.URL(fmt.Sprintf("/publik/%d?%s", q.Office.ID, q.PeriodParam()))
}

// Dec formats x with places decimals, with a decimal comma in Indonesian:
// report templates show the index to four decimals and weights to three.
func (q reportQuery) Dec(lang string, places int, x float64) string {
	s := strconv.FormatFloat(x, 'f', places, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// SettleDays is how long after a month ends its figures are first shown.
func (q reportQuery) SettleDays() int { return survey.SettleDays }

// IsCustom reports whether the period is a custom range of months.
func (q reportQuery) IsCustom() bool { return strings.Contains(q.Code, "~") }

// FirstAsked and LastAsked are the asked period's first and last months
// (YYYY-MM), for the month inputs of a custom range.
func (q reportQuery) FirstAsked() string { return q.Asked.From.Format("2006-01") }

// LastAsked is the asked period's last month (YYYY-MM).
func (q reportQuery) LastAsked() string { return q.Asked.To.AddDate(0, 0, -1).Format("2006-01") }

// Choices returns the period codes of a select: periods, with the query's
// own code first when it is neither among them nor custom.
func (q reportQuery) Choices(periods []string) []string {
	if q.IsCustom() || slices.Contains(periods, q.Code) {
		return periods
	}
	return append([]string{q.Code}, periods...)
}
