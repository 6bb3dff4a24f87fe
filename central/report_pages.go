package central

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// reportOptions are the choices of a report page's filter form.
type reportOptions struct {
	Periods  []string
	Units    []string
	Counters []string
	Staff    []survey.Staff
	Services []survey.Service
}

// options lists the office's units, counters, staff and services for the filters.
func (s *Server) reportOptions(c *fiber.Ctx, officeID int64) (reportOptions, error) {
	ctx := c.UserContext()
	o := reportOptions{Periods: survey.RecentPeriods(s.now(), web.Jakarta)}
	staff, err := s.store.FindOfficeStaff(ctx, officeID, survey.StaffFilter{})
	if err != nil {
		return o, err
	}
	o.Staff = staff
	for _, st := range staff {
		if st.Unit != "" && !slices.Contains(o.Units, st.Unit) {
			o.Units = append(o.Units, st.Unit)
		}
		if st.Counter != "" && !slices.Contains(o.Counters, st.Counter) {
			o.Counters = append(o.Counters, st.Counter)
		}
	}
	slices.Sort(o.Units)
	slices.Sort(o.Counters)
	o.Services, err = s.store.FindOfficeServices(ctx, officeID, false)
	return o, err
}

// reportPage renders a report template with the report page layout.
func (s *Server) reportPage(c *fiber.Ctx, status int, title, tmpl string, data any) error {
	p := s.page(c, title, data)
	p.BodyClass = "wide report"
	c.Set(fiber.HeaderCacheControl, "no-store") // per-person data: keep it out of shared caches
	return s.render.Render(c, status, tmpl, p)
}

// officeQuery resolves :office (with the kepala scope) and the report query.
func (s *Server) officeQuery(c *fiber.Ctx) (reportQuery, reports, error) {
	o, err := s.officeParam(c)
	if err != nil {
		return reportQuery{}, reports{}, err
	}
	q, err := s.reportQueryOf(c, o, true)
	if err != nil {
		return q, reports{}, err
	}
	r, err := s.reports()
	if err != nil {
		return q, r, err
	}
	return q, r, s.recordReport(c, q, r)
}

// reportIndexData lists the offices a user may open reports of.
type reportIndexData struct {
	Offices []survey.Office
	Period  string
}

func (s *Server) handleReportIndex(c *fiber.Ctx) error {
	offices, err := s.store.FindOffices(c.UserContext())
	if err != nil {
		return err
	}
	d := reportIndexData{Period: defaultPeriod(s.now())}
	scope := scopeOffice(c)
	for _, o := range offices {
		if scope == 0 || o.ID == scope {
			d.Offices = append(d.Offices, o)
		}
	}
	return s.reportPage(c, fiber.StatusOK, "rpt_index_title", "report_index", d)
}

// officePageData is the office report page.
type officePageData struct {
	officeReport
	Options reportOptions
	NRR     template.HTML
	Trend   template.HTML
	Dist    template.HTML
	Tables  []string // exported tables of this page
	// Attention lists what needs a look now (survey.RisingLowShares): on
	// the whole office's report only, whatever its period.
	Attention []attentionRow
	// AttentionRise is the configured threshold, in percentage points;
	// AttentionMonth the settled month it looks at (YYYY-MM).
	AttentionRise  float64
	AttentionMonth string
	// FollowUps are the office's follow-up figures for the period (nil on a narrower report).
	FollowUps *survey.FollowUpStats
}

// attentionRow is a unit (or the office, Key "") whose share of low answers
// rose, with a link to its report of the recent week.
type attentionRow struct {
	survey.Attention
	Link  template.URL
	Month string // the recent month, YYYY-MM
}

func (s *Server) handleOfficeReport(c *fiber.Ctx) error {
	q, r, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	rep, err := r.office(c.UserContext(), q)
	if err != nil {
		return err
	}
	d := officePageData{officeReport: rep, Tables: officeTableNames[:7], AttentionRise: s.cfg.Reports.AttentionRise}
	if d.Options, err = s.reportOptions(c, q.Office.ID); err != nil {
		return err
	}
	if !q.Narrow() && d.AttentionRise > 0 {
		if d.Attention, err = s.attentionRows(c, r, q.Office.ID); err != nil {
			return err
		}
		recent, _ := survey.AttentionMonths(r.now, web.Jakarta)
		d.AttentionMonth = recent.Label
	}
	if !q.Narrow() {
		reg, err := s.followUpRegisterOf(c.UserContext(), q.Office.ID, q.Asked.From, q.Asked.To)
		if err != nil {
			return err
		}
		d.FollowUps = &reg.Stats
	}
	lang := web.LangOf(c)
	tr := s.render.Tr
	if !rep.Hidden && !rep.Figures.Empty() {
		d.NRR = nrrChart("nrr", tr.T(lang, "rpt_chart_nrr"), lang, rep.Figures)
		d.Dist = distChart("dist", tr.T(lang, "rpt_chart_dist"), lang, rep.Figures, answerLegend(tr, lang))
	}
	d.Trend = monthTrend("trend", tr.T(lang, "rpt_chart_trend"), lang, tr.T(lang, "rpt_ikm"), rep.Months)
	return s.reportPage(c, fiber.StatusOK, "rpt_office_title", "report_office", d)
}

// attentionRows lists the office's rising shares of low answers, each
// linked to its report of the recent month (the unit's, or the office's).
func (s *Server) attentionRows(c *fiber.Ctx, r reports, officeID int64) ([]attentionRow, error) {
	list, recent, err := r.attention(c.UserContext(), officeID, s.cfg.Reports.AttentionRise)
	if err != nil {
		return nil, err
	}
	rows := make([]attentionRow, len(list))
	for i, a := range list {
		link := fmt.Sprintf("/admin/reports/%d?period=%s", officeID, recent.Label)
		if a.Key != "" {
			link += "&unit=" + url.QueryEscape(a.Key)
		}
		rows[i] = attentionRow{Attention: a, Link: template.URL(link), Month: recent.Label}
	}
	return rows, nil
}

// answerLegend names the answers 1–4 for the distribution chart.
func answerLegend(tr *web.Translator, lang string) [4]string {
	return [4]string{tr.T(lang, "rpt_answer_1"), tr.T(lang, "rpt_answer_2"), tr.T(lang, "rpt_answer_3"), tr.T(lang, "rpt_answer_4")}
}

// monthTrend draws the IKM of each month whose cell may be shown.
func monthTrend(id, title, lang, name string, months []groupRow) template.HTML {
	labels := make([]string, len(months))
	sr := trendSeries{Name: name, Values: make([]float64, len(months)), Shown: make([]bool, len(months))}
	for i, m := range months {
		labels[i] = m.Key
		sr.Values[i], sr.Shown[i] = m.Figures.IKM, !m.Hidden && !m.Figures.Empty()
	}
	return trendChart(id, title, lang, labels, []trendSeries{sr})
}

func (s *Server) handleAppraisalPage(c *fiber.Ctx) error {
	q, r, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	rep, err := r.appraisal(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.reportPage(c, fiber.StatusOK, "rpt_appraisal_title", "report_appraisal", rep)
}

// skmPageData is the printable SKM report.
type skmPageData struct {
	skmReport
	NRR   template.HTML
	Trend template.HTML
}

func (s *Server) handleSKMPage(c *fiber.Ctx) error {
	q, r, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	rep, err := r.skm(c.UserContext(), q)
	if err != nil {
		return err
	}
	lang := web.LangOf(c)
	d := skmPageData{skmReport: rep}
	if !rep.Figures.Empty() {
		d.NRR = nrrChart("nrr", s.render.Tr.T(lang, "rpt_chart_nrr"), lang, rep.Figures)
	}
	d.Trend = monthTrend("trend", s.render.Tr.T(lang, "rpt_chart_trend"), lang, s.render.Tr.T(lang, "rpt_ikm"), rep.Months)
	return s.reportPage(c, fiber.StatusOK, "rpt_skm_title", "report_skm", d)
}

// publicPageData is an office's public transparency page.
type publicPageData struct {
	publicReport
	NRR template.HTML
}

func (s *Server) handlePublicPage(c *fiber.Ctx) error {
	o, err := s.publicOffice(c)
	if err != nil {
		return err
	}
	q, err := s.reportQueryOf(c, o, true)
	if err != nil {
		return err
	}
	q.Unit, q.Counter, q.NIP, q.Service = "", "", "", "" // office level only, whatever is asked
	r, err := s.reports()
	if err != nil {
		return err
	}
	rep, err := r.public(c.UserContext(), q)
	if err != nil {
		return err
	}
	rep.Periods = survey.RecentPeriods(s.now(), web.Jakarta)
	lang := web.LangOf(c)
	d := publicPageData{publicReport: rep}
	if !rep.Figures.Empty() {
		d.NRR = nrrChart("nrr", s.render.Tr.T(lang, "rpt_chart_nrr"), lang, rep.Figures)
	}
	p := s.page(c, "rpt_public_title", d)
	p.BodyClass = "wide report"
	p.Query = q.PeriodParam() // the language links keep the period, nothing else asked
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return s.render.Render(c, fiber.StatusOK, "publik", p)
}

// publicOffice resolves the public page's :office id.
func (s *Server) publicOffice(c *fiber.Ctx) (survey.Office, error) {
	id, err := parseID(c.Params("office"))
	if err != nil {
		return survey.Office{}, survey.NewError(survey.ENOTFOUND, "no such office", "kantor tidak ditemukan")
	}
	return s.store.OfficeByID(c.UserContext(), id)
}

func (s *Server) handlePublicIndex(c *fiber.Ctx) error {
	offices, err := s.store.FindOffices(c.UserContext())
	if err != nil {
		return err
	}
	d := reportIndexData{Offices: offices, Period: defaultPeriod(s.now())}
	p := s.page(c, "rpt_public_index_title", d)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return s.render.Render(c, fiber.StatusOK, "publik_index", p)
}
