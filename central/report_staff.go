package central

import (
	"fmt"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// personAccess is what the current user may do on a staff member's page:
// readers read, the office head and admins record statements, and a staff
// member whose account carries their NIP reads and answers their own page.
type personAccess struct {
	Read  bool
	Write bool
	Own   bool // the staff member themself
}

func personAccessOf(c *fiber.Ctx, o survey.Office, nip string) personAccess {
	u, _ := web.CurrentUser(c)
	var a personAccess
	switch u.Role {
	case survey.RoleAdmin, survey.RoleKepala: // officeParam has kept a kepala to their office
		a.Read, a.Write = true, true
	case survey.RoleViewer:
		a.Read = true
	}
	if u.NIP != "" && u.NIP == nip && (u.OfficeID == 0 || u.OfficeID == o.ID) {
		a.Read, a.Write, a.Own = true, true, true
	}
	return a
}

// personQuery resolves :office, :nip, the access and the period of a staff page.
func (s *Server) personQuery(c *fiber.Ctx) (reportQuery, survey.Staff, personAccess, error) {
	o, err := s.officeParam(c)
	if err != nil {
		return reportQuery{}, survey.Staff{}, personAccess{}, err
	}
	nip := survey.NormalizeNIP(c.Params("nip"))
	acc := personAccessOf(c, o, nip)
	if !acc.Read {
		return reportQuery{}, survey.Staff{}, acc, survey.NewError(survey.EFORBIDDEN, "you may only see your own report",
			"Anda hanya boleh melihat laporan Anda sendiri")
	}
	st, err := s.store.OfficeStaffByNIP(c.UserContext(), o.ID, nip)
	if err != nil {
		return reportQuery{}, st, acc, err
	}
	q := reportQuery{Office: o, NIP: nip}
	if q.Asked, q.Period, q.Code, err = parsePeriod(c, s.now(), true); err != nil {
		return q, st, acc, err
	}
	r, err := s.reports()
	if err != nil {
		return q, st, acc, err
	}
	return q, st, acc, s.recordReport(c, q, r)
}

// personPageData is a staff member's page and its evidence print.
type personPageData struct {
	personReport
	Access  personAccess
	Periods []string
	Trend   template.HTML
}

// personReportOf builds the report of a staff page's person and period.
func (s *Server) personReportOf(c *fiber.Ctx) (personReport, personAccess, error) {
	q, st, acc, err := s.personQuery(c)
	if err != nil {
		return personReport{}, acc, err
	}
	r, err := s.reports()
	if err != nil {
		return personReport{}, acc, err
	}
	rep, err := r.person(c.UserContext(), q, st)
	return rep, acc, err
}

func (s *Server) personPage(c *fiber.Ctx, status int, tmpl string, perr error) error {
	rep, acc, err := s.personReportOf(c)
	if err != nil {
		return err
	}
	lang := web.LangOf(c)
	tr := s.render.Tr
	d := personPageData{personReport: rep, Access: acc, Periods: survey.RecentPeriods(s.now(), web.Jakarta)}
	months := make([]string, len(rep.Months))
	person := trendSeries{Name: tr.T(lang, "rpt_individual_index"), Values: make([]float64, len(months)), Shown: make([]bool, len(months))}
	unit := trendSeries{Name: tr.T(lang, "rpt_unit_ikm"), Values: make([]float64, len(months)), Shown: make([]bool, len(months))}
	for i, m := range rep.Months {
		months[i] = m.Month
		person.Values[i], person.Shown[i] = m.Individual.Index, m.Individual.Shown()
		unit.Values[i], unit.Shown[i] = m.Unit.Figures.IKM, !m.Unit.Hidden && !m.Unit.Figures.Empty()
	}
	d.Trend = trendChart("trend", tr.T(lang, "rpt_chart_person_trend"), lang, months, []trendSeries{person, unit})
	p := s.page(c, "rpt_person_title", d)
	p.BodyClass = "wide report"
	p.Error = survey.AsError(perr)
	if c.Query("saved") != "" {
		p.Flash = p.T("rpt_statement_saved")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render.Render(c, status, tmpl, p)
}

func (s *Server) handlePersonPage(c *fiber.Ctx) error {
	return s.personPage(c, fiber.StatusOK, "report_person", nil)
}

func (s *Server) handleEvidencePage(c *fiber.Ctx) error {
	return s.personPage(c, fiber.StatusOK, "report_evidence", nil)
}

func (s *Server) handleStatementCreate(c *fiber.Ctx) error {
	q, st, acc, err := s.personQuery(c)
	if err != nil {
		return err
	}
	if !acc.Write {
		return survey.NewError(survey.EFORBIDDEN, "your role may not record statements", "peran Anda tidak boleh mencatat tanggapan")
	}
	u, _ := web.CurrentUser(c)
	stmt := survey.StaffStatement{OfficeID: q.Office.ID, NIP: st.NIP, Period: q.Code, Text: survey.CleanComment(c.FormValue("text")),
		RecordedBy: u.Username, ByStaff: acc.Own}
	r, err := s.reports()
	if err != nil {
		return err
	}
	if err := r.store.CreateStaffStatement(c.UserContext(), &stmt); err != nil {
		if survey.ErrorCode(err) == survey.EINVALID {
			return s.personPage(c, fiber.StatusBadRequest, "report_person", err)
		}
		return err
	}
	if err := s.auth.Audit(c, "staff_statement", fmt.Sprintf("%s %s (%d characters)", st.NIP, q.Code, len([]rune(stmt.Text)))); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/reports/%d/staff/%s?%s&saved=1#statements", q.Office.ID, st.NIP, q.PeriodParam()), fiber.StatusSeeOther)
}
