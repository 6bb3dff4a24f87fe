package kiosk

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

type elementView struct {
	Name string
	NRR  float64
}

type staffCount struct {
	Name, Counter string
	Today, Month  int64
}

type summaryData struct {
	Today      survey.Tally
	Month      survey.Tally
	MonthLabel string
	// Index and Elements are the office's figures of the last whole month
	// (FigureMonth), on a kiosk without central only, and only from
	// MinCell ratings: a figure of the month in progress would change with
	// each rating and tell what the last citizen answered
	// (docs/reports-api.md, "Disclosure rule"). A kiosk connected to
	// central leaves figures to central's reports.
	Index       survey.Index
	Kinerja     string
	Elements    []elementView
	FigureMonth string
	OnCentral   bool
	// FigureHidden is set when the last month had ratings, too few to show.
	FigureHidden bool
	MinCell      int
	Staff        []staffCount
	Pending      int64
	Sync         survey.SyncStatus
	Receipt      string
	// Visits compares visit codes issued with visits rated (the response rate).
	VisitsToday survey.VisitCounts
	VisitsMonth survey.VisitCounts
	// Refused counts ratings the limits refused this month; Flagged, flagged ratings.
	Refused int64
	Flagged int64
	// RefusedBy counts this month's refused attempts of every kind.
	RefusedBy []refusalCount
	// Unfinished counts this month's unfinished tablet surveys kept apart
	// ([kiosk] unfinished = "keep_partial"); -1 when the office drops them.
	Unfinished int64
}

// refusalCount is one line of the summary's refused attempts.
type refusalCount struct {
	Reason string
	Count  int64
}

func (s *Server) handleSummary(c *fiber.Ctx) error {
	ctx := c.UserContext()
	lang := web.LangOf(c)
	now := s.now()
	today := survey.DayStart(now, web.Jakarta)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, web.Jakarta)
	end := today.AddDate(0, 0, 1)
	daySum, err := s.store.Summarize(ctx, today, end)
	if err != nil {
		return err
	}
	monthSum, err := s.store.Summarize(ctx, month, end)
	if err != nil {
		return err
	}
	d := summaryData{Today: daySum.Office, Month: monthSum.Office, MonthLabel: month.Format("01/2006"), Sync: s.syncStatus(),
		FigureMonth: month.AddDate(0, -1, 0).Format("01/2006"), OnCentral: s.cfg.Central.Enabled(), MinCell: survey.DefaultReportRules().MinCell}
	if !d.OnCentral {
		if err := s.lastMonthFigures(c, &d, month, lang); err != nil {
			return err
		}
	}
	staff, err := s.store.FindStaff(ctx, survey.StaffFilter{})
	if err != nil {
		return err
	}
	for _, st := range staff {
		if st.Active || monthSum.ByStaff[st.NIP] > 0 {
			d.Staff = append(d.Staff, staffCount{st.Name, st.Counter, daySum.ByStaff[st.NIP], monthSum.ByStaff[st.NIP]})
		}
	}
	if d.Pending, err = s.store.CountPending(ctx); err != nil {
		return err
	}
	if err := s.abuseSummary(c, &d, today, month, end); err != nil {
		return err
	}
	if runs, err := s.store.SyncRuns(ctx, 1); err == nil && len(runs) > 0 && !runs[0].FinishedAt.IsZero() {
		r := runs[0]
		d.Receipt = fmt.Sprintf("%s: %s · buffered %d · sent %d · stored %d · duplicates %d · refused %d · pending %d",
			r.FinishedAt.In(web.Jakarta).Format("02-01-2006 15:04 WIB"), r.Result, r.Buffered, r.Sent, r.Stored, r.Duplicates, r.Refused, r.Pending)
	}
	return s.render.Render(c, fiber.StatusOK, "admin", s.page(c, "summary_title", d))
}

// lastMonthFigures sets the office's IKM and NRR of the month before month,
// when it holds at least MinCell ratings.
func (s *Server) lastMonthFigures(c *fiber.Ctx, d *summaryData, month time.Time, lang string) error {
	last, err := s.store.Summarize(c.UserContext(), month.AddDate(0, -1, 0), month)
	if err != nil {
		return err
	}
	if last.Office.N < int64(d.MinCell) {
		d.FigureHidden = last.Office.N > 0
		return nil
	}
	d.Index = last.Office.Index()
	d.Kinerja = d.Index.Mutu.Kinerja(lang)
	for i, e := range survey.Elements {
		d.Elements = append(d.Elements, elementView{e.Name(lang), d.Index.NRR[i]})
	}
	return nil
}

type syncPage struct {
	Status   survey.SyncStatus
	Pending  int64
	Runs     []survey.SyncRun
	Segments []survey.Segment
	Restore  *survey.RestoreStatus
	// ContinuesAfter is where numbering went on after the restore.
	ContinuesAfter int64
	// ClockSkew and ClockLimit, when the clock is off, in words.
	ClockSkew, ClockLimit string
}

func (s *Server) handleSyncPage(c *fiber.Ctx) error {
	d := syncPage{Status: s.syncStatus()}
	ctx := c.UserContext()
	var err error
	if d.Pending, err = s.store.CountPending(ctx); err != nil {
		return err
	}
	if d.Runs, err = s.store.SyncRuns(ctx, 30); err != nil {
		return err
	}
	if d.Segments, err = s.store.Segments(ctx); err != nil {
		return err
	}
	if st, ok, err := s.store.Restore(ctx); err != nil {
		return err
	} else if ok {
		d.Restore, d.ContinuesAfter = &st, max(st.NextSeq, st.FileSeq)
	}
	if cl := d.Status.Clock; cl.Status == survey.ClockOff {
		d.ClockSkew = (time.Duration(cl.SkewSeconds) * time.Second).String()
		d.ClockLimit = (time.Duration(cl.LimitSeconds) * time.Second).String()
	}
	p := s.page(c, "sync_title", d)
	p.BodyClass = "wide"
	return s.render.Render(c, fiber.StatusOK, "sync", p)
}

func (s *Server) handleSyncNow(c *fiber.Ctx) error {
	if s.syncer == nil {
		return survey.NewError(survey.EINVALID, "this kiosk is not connected to central", "kios ini tidak terhubung ke pusat")
	}
	s.syncer.Trigger()
	if err := s.auth.Audit(c, "sync_now", ""); err != nil {
		return err
	}
	return c.Redirect("/admin/sync", fiber.StatusSeeOther)
}

// abuseSummary adds the response rate of visit codes, the refused and the flagged ratings.
func (s *Server) abuseSummary(c *fiber.Ctx, d *summaryData, today, month, end time.Time) error {
	ctx := c.UserContext()
	var err error
	if d.VisitsToday, err = s.store.CountVisits(ctx, today, end); err != nil {
		return err
	}
	if d.VisitsMonth, err = s.store.CountVisits(ctx, month, end); err != nil {
		return err
	}
	refused, err := s.store.CountRefusals(ctx, month, end)
	if err != nil {
		return err
	}
	d.Refused = refused[survey.RefusedDevice] + refused[survey.RefusedAddress]
	for _, reason := range survey.RefusalReasons {
		d.RefusedBy = append(d.RefusedBy, refusalCount{reason, refused[reason]})
	}
	if d.Flagged, err = s.store.CountFlagged(ctx, month, end); err != nil {
		return err
	}
	d.Unfinished = -1
	if s.cfg.Kiosk.Unfinished == UnfinishedKeep {
		d.Unfinished, err = s.store.CountPartials(ctx, month, end)
	}
	return err
}
