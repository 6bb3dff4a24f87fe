package central

import (
	"fmt"
	"html/template"
	"strconv"

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
	return q, st, acc, nil
}

// personPageData is a staff member's page and its evidence print.
type personPageData struct {
	personReport
	Access  personAccess
	Periods []string
	Trend   template.HTML
}

func (s *Server) personPage(c *fiber.Ctx, status int, tmpl string, perr error) error {
	q, st, acc, err := s.personQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reports()
	if err != nil {
		return err
	}
	rep, err := r.person(c.UserContext(), q, st)
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

// rtlPageData is the follow-up register of an office and period.
type rtlPageData struct {
	Query    reportQuery
	Actions  []survey.RTLAction
	Ranked   []survey.ElementFigure // the office's elements, lowest NRR first
	Draft    survey.RTLAction
	CanEdit  bool
	Statuses []survey.RTLStatus
	Elements []survey.Element
	Periods  []string
}

func (s *Server) rtlPage(c *fiber.Ctx, status int, draft survey.RTLAction, perr error) error {
	q, r, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d := rtlPageData{Query: q, Draft: draft, Statuses: survey.RTLStatuses, Elements: survey.Elements[:],
		Periods: survey.RecentPeriods(s.now(), web.Jakarta)}
	u, _ := web.CurrentUser(c)
	d.CanEdit = u.Role == survey.RoleAdmin || u.Role == survey.RoleKepala
	if d.Actions, err = r.store.FindRTL(ctx, q.Office.ID, q.Code); err != nil {
		return err
	}
	t, err := r.store.SumRollups(ctx, q.OfficeFilter())
	if err != nil {
		return err
	}
	if !r.rules.Figures(t).Empty() {
		d.Ranked = r.rules.Figures(t).Ranked()
	}
	p := s.page(c, "rpt_rtl_title", d)
	p.BodyClass = "wide report"
	p.Error = survey.AsError(perr)
	if c.Query("saved") != "" {
		p.Flash = p.T("rpt_rtl_saved")
	}
	return s.render.Render(c, status, "report_rtl", p)
}

func (s *Server) handleRTLPage(c *fiber.Ctx) error {
	return s.rtlPage(c, fiber.StatusOK, survey.RTLAction{}, nil)
}

// rtlForm reads the fields of an add or edit form.
func rtlForm(c *fiber.Ctx, a *survey.RTLAction) {
	a.Element = survey.Element(c.FormValue("element"))
	a.Action, a.Owner, a.Due = c.FormValue("action"), c.FormValue("owner"), c.FormValue("due")
	a.Status, a.Note = survey.RTLStatus(c.FormValue("status")), c.FormValue("note")
}

// saveRTL creates (id 0) or updates an action from the form, then returns to the register.
func (s *Server) saveRTL(c *fiber.Ctx, id int64) error {
	q, r, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a := survey.RTLAction{OfficeID: q.Office.ID, Period: q.Code}
	if id != 0 {
		if a, err = r.store.RTLByID(ctx, q.Office.ID, id); err != nil {
			return err
		}
	}
	rtlForm(c, &a)
	if id == 0 {
		u, _ := web.CurrentUser(c)
		a.CreatedBy = u.Username
		err = r.store.CreateRTL(ctx, &a)
	} else {
		err = r.store.UpdateRTL(ctx, &a)
	}
	if survey.ErrorCode(err) == survey.EINVALID {
		return s.rtlPage(c, fiber.StatusBadRequest, a, err)
	}
	if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "rtl_save", fmt.Sprintf("office %d %s #%d %s", q.Office.ID, q.Code, a.ID, a.Status)); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/reports/%d/rtl?%s&saved=1", q.Office.ID, q.PeriodParam()), fiber.StatusSeeOther)
}

func (s *Server) handleRTLCreate(c *fiber.Ctx) error { return s.saveRTL(c, 0) }

func (s *Server) handleRTLUpdate(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return survey.NewError(survey.ENOTFOUND, "no such follow-up action", "tindak lanjut tidak ditemukan")
	}
	return s.saveRTL(c, id)
}
