package central

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// recordReport writes who asked for which report, when, before the report
// is built (docs/security.md): a request that cannot be recorded is not
// answered. Only GET requests are reports; the forms that post to report
// pages are audited as actions.
func (s *Server) recordReport(c *fiber.Ctx, q reportQuery, r reports) error {
	if c.Method() != fiber.MethodGet {
		return nil
	}
	a := survey.ReportAccess{At: s.now(), OfficeID: q.Office.ID, Period: q.Code, Filter: q.FilterParams(), Remote: c.IP()}
	a.Via, a.What = reportWhat(c)
	if t, ok := c.Locals(localReportToken).(survey.APIToken); ok {
		a.Actor, a.Role = fmt.Sprintf("token %d (%s)", t.ID, t.Label), t.Role
	} else if u, ok := web.CurrentUser(c); ok {
		a.Actor, a.Role = u.Username, u.Role
	}
	if err := r.store.AddReportAccess(c.UserContext(), &a); err != nil {
		return err
	}
	s.purgeReportAccess(c, r)
	return nil
}

// reportWhat names the report of a request and how it was asked for.
func reportWhat(c *fiber.Ctx) (via, what string) {
	path := c.Route().Path
	switch {
	case strings.HasPrefix(path, "/api/"):
		return "api", path[strings.LastIndex(path, "/")+1:]
	case strings.HasSuffix(path, "/export/:table.:ext"):
		return "export", c.Params("table") + "." + c.Params("ext")
	case strings.HasSuffix(path, "/export.xlsx"):
		return "export", "report.xlsx"
	case strings.HasSuffix(path, "/evidence.csv"), strings.HasSuffix(path, ".pdf"):
		return "export", path[strings.LastIndex(path, "/")+1:]
	case strings.HasSuffix(path, ":office"):
		return "page", "office"
	}
	return "page", path[strings.LastIndex(path, "/")+1:]
}

// purgeReportAccess deletes the queries older than
// reports.access_log_retention, at most once an hour, after a recorded
// query: central has no job scheduler, and reports are what fills the log.
func (s *Server) purgeReportAccess(c *fiber.Ctx, r reports) {
	now := s.now()
	last := s.accessPurged.Load()
	if now.Unix()-last < 3600 || !s.accessPurged.CompareAndSwap(last, now.Unix()) {
		return
	}
	n, err := r.store.PurgeReportAccess(c.UserContext(), now.Add(-s.cfg.Reports.AccessLogRetention.D()))
	if err != nil {
		s.log.Error("purge report access log", "err", err)
		return
	}
	if n > 0 {
		s.log.Info("purged report access log", "deleted", n, "retention", s.cfg.Reports.AccessLogRetention.D().String())
	}
}

// accessLogData is the admins' page of recorded report queries.
type accessLogData struct {
	Entries   []survey.ReportAccess
	Offices   map[int64]string
	Retention string
	Office    int64
	Actor     string
}

// handleReportAccessLog lists the latest recorded report queries, by
// office or actor when asked; handleReportAccessCSV sends them.
func (s *Server) handleReportAccessLog(c *fiber.Ctx) error { return s.reportAccessLog(c, false) }

func (s *Server) handleReportAccessCSV(c *fiber.Ctx) error { return s.reportAccessLog(c, true) }

func (s *Server) reportAccessLog(c *fiber.Ctx, csv bool) error {
	r, err := s.reports()
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d := accessLogData{Offices: map[int64]string{}, Actor: strings.TrimSpace(c.Query("actor")),
		Retention: strconv.Itoa(int(s.cfg.Reports.AccessLogRetention.D()/(24*time.Hour))) + "d"}
	d.Office, _ = strconv.ParseInt(c.Query("office"), 10, 64)
	if d.Entries, err = r.store.FindReportAccess(ctx, survey.ReportAccessFilter{OfficeID: d.Office, Actor: d.Actor, Limit: 500}); err != nil {
		return err
	}
	offices, err := s.store.FindOffices(ctx)
	if err != nil {
		return err
	}
	for _, o := range offices {
		d.Offices[o.ID] = o.Name
	}
	if csv {
		return s.sendAccessLogCSV(c, d.Entries)
	}
	p := s.page(c, "rpt_access_title", d)
	p.BodyClass = "wide"
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render.Render(c, fiber.StatusOK, "report_access", p)
}

// sendAccessLogCSV sends the listed queries as CSV.
func (s *Server) sendAccessLogCSV(c *fiber.Ctx, entries []survey.ReportAccess) error {
	t := reportTable{Name: "report-access", Header: []string{"at", "actor", "role", "via", "what", "office_id", "period", "filter", "remote"}}
	for _, a := range entries {
		t.Rows = append(t.Rows, []any{a.At.In(web.Jakarta).Format(time.RFC3339), a.Actor, string(a.Role), a.Via, a.What, a.OfficeID, a.Period, a.Filter, a.Remote})
	}
	if err := s.auth.Audit(c, "report_access_export", fmt.Sprintf("%d rows", len(entries))); err != nil {
		return err
	}
	return sendTables(c, "akses-laporan", "csv", []reportTable{t})
}
