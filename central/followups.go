package central

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// Follow-up cases: a low rating whose citizen agreed to be contacted opens a
// case when its kiosk syncs (sync/ingest); the office records its action and
// public answer in the register (the RTL page); the citizen follows the case
// on the public status page with the tracking code. docs/followups.md.

// followUpRegister is the register's part of the RTL page: the cases opened
// in the period and every case still open, with the period's figures.
type followUpRegister struct {
	Cases    []survey.FollowUpCase
	Stats    survey.FollowUpStats
	Now      time.Time
	Statuses []survey.FollowUpStatus
	DueDays  int
}

// followUpRegisterOf reads the register of office for the period [from, to).
func (s *Server) followUpRegisterOf(ctx context.Context, officeID int64, from, to time.Time) (followUpRegister, error) {
	reg := followUpRegister{Now: s.now(), Statuses: survey.FollowUpStatuses, DueDays: s.cfg.FollowUps.DueWorkingDays}
	inPeriod, err := s.store.FindFollowUpCases(ctx, survey.FollowUpFilter{OfficeID: officeID, OpenedFrom: from, OpenedTo: to})
	if err != nil {
		return reg, err
	}
	open, err := s.store.FindFollowUpCases(ctx, survey.FollowUpFilter{OfficeID: officeID, OpenOnly: true})
	if err != nil {
		return reg, err
	}
	reg.Stats = survey.SummarizeFollowUps(inPeriod, s.cfg.Policy().Calendar, reg.Now)
	seen := map[int64]bool{}
	for _, c := range append(inPeriod, open...) {
		if !seen[c.ID] {
			seen[c.ID] = true
			reg.Cases = append(reg.Cases, c)
		}
	}
	sort.SliceStable(reg.Cases, func(i, j int) bool { return reg.Cases[i].OpenedAt.Before(reg.Cases[j].OpenedAt) })
	return reg, nil
}

// handleFollowUpUpdate records an office's action and answer on a case.
func (s *Server) handleFollowUpUpdate(c *fiber.Ctx) error {
	q, _, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	id, err := parseID(c.Params("id"))
	if err != nil {
		return survey.ErrNoFollowUp()
	}
	ctx := c.UserContext()
	cs, err := s.store.FollowUpCaseByID(ctx, q.Office.ID, id)
	if err != nil {
		return err
	}
	u, _ := web.CurrentUser(c)
	err = cs.Apply(survey.FollowUpUpdate{Status: survey.FollowUpStatus(c.FormValue("status")), Action: c.FormValue("action"),
		Answer: c.FormValue("answer"), By: u.Username, At: s.now()})
	if err == nil {
		err = s.store.UpdateFollowUpCase(ctx, cs)
	}
	if survey.ErrorCode(err) == survey.EINVALID {
		return s.rtlPage(c, fiber.StatusBadRequest, survey.RTLAction{}, err)
	}
	if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "followup_update", fmt.Sprintf("office %d follow-up %s %s", q.Office.ID, cs.Code, cs.Status)); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/reports/%d/rtl?%s&saved=1#kasus-%d", q.Office.ID, q.PeriodParam(), cs.ID), fiber.StatusSeeOther)
}

// overdueCases lists the open cases past their due time, of one office (0: all), oldest first.
func (s *Server) overdueCases(ctx context.Context, officeID int64) ([]survey.FollowUpCase, error) {
	return s.store.FindFollowUpCases(ctx, survey.FollowUpFilter{OfficeID: officeID, OpenOnly: true, DueBefore: s.now(), Limit: 50})
}

// publicFollowUp is what the public status page shows of a case: never a
// contact, an officer or the rating's answers.
type publicFollowUp struct {
	Code       string
	Asked      bool // a code was given
	Office     string
	Status     survey.FollowUpStatus
	OpenedAt   time.Time
	LastDay    time.Time // the last day to answer
	AnsweredAt *time.Time
	Answer     string
	Overdue    bool
}

// handleFollowUpStatus is the citizen's status page: GET
// /publik/tindak-lanjut, with ?kode= the case's status and public answer.
func (s *Server) handleFollowUpStatus(c *fiber.Ctx) error {
	d := publicFollowUp{Code: c.Query("kode"), Asked: c.Query("kode") != ""}
	status := fiber.StatusOK
	var perr error
	if d.Asked {
		code, err := survey.ParseTrackingCode(d.Code)
		var cs survey.FollowUpCase
		if err == nil {
			cs, err = s.store.FollowUpCaseByCode(c.UserContext(), code)
		}
		if err == nil {
			var o survey.Office
			if o, err = s.store.OfficeByID(c.UserContext(), cs.OfficeID); err == nil {
				d = publicFollowUp{Code: code, Asked: true, Office: o.Name, Status: cs.Status, OpenedAt: cs.OpenedAt,
					LastDay: cs.LastDay(), AnsweredAt: cs.AnsweredAt, Answer: cs.Answer, Overdue: cs.Overdue(s.now())}
			}
		}
		switch survey.ErrorCode(err) {
		case "":
		case survey.EINVALID, survey.ENOTFOUND:
			status, perr = web.StatusOf(err), err
		default:
			return err
		}
	}
	p := s.page(c, "followup_status_title", d)
	p.Citizen = true
	p.Error = survey.AsError(perr)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render.Render(c, status, "followup_status", p)
}

// apiFollowUps is the answer of GET /api/v1/reports/followups.
type apiFollowUps struct {
	OfficeID int64  `json:"office_id"`
	Office   string `json:"office"`
	Period   string `json:"period"`
	survey.FollowUpStats
	DueWorkingDays int `json:"due_working_days"`
}

// handleAPIFollowUps answers an office's follow-up figures for a period
// (the PEKPPP indicators): office-level counts, no case and no person.
func (s *Server) handleAPIFollowUps(c *fiber.Ctx) error {
	o, err := s.apiOffice(c)
	if err != nil {
		return err
	}
	q, err := s.reportQueryOf(c, o, false)
	if err != nil {
		return err
	}
	if q.Narrow() {
		return survey.Invalid("office", "follow-up figures are per office and period: leave out unit, counter, nip and service",
			"angka tindak lanjut per kantor dan periode: jangan isi unit, counter, nip dan service")
	}
	reg, err := s.followUpRegisterOf(c.UserContext(), o.ID, q.Asked.From, q.Asked.To)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(apiFollowUps{OfficeID: o.ID, Office: o.Name, Period: q.Code, FollowUpStats: reg.Stats, DueWorkingDays: reg.DueDays})
}
