package central

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

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
	// FollowUps is the register of citizens' follow-up cases.
	FollowUps followUpRegister
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
	if d.FollowUps, err = s.followUpRegisterOf(ctx, q.Office.ID, q.Asked.From, q.Asked.To); err != nil {
		return err
	}
	rel, err := r.release(ctx, q.Office.ID, q.Period)
	if err != nil {
		return err
	}
	if all := r.row(rel, "all", q.OfficeFilter()); !all.Hidden && !all.Figures.Empty() {
		d.Ranked = all.Figures.Ranked()
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
