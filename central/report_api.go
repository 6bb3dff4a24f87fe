package central

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// localReportToken holds the bearer token of a report API request.
const localReportToken = "report_api_token"

// reportTokenAuth admits a report API request carrying a valid, unrevoked
// bearer token of role admin, kepala or viewer (see docs/reports-api.md).
func (s *Server) reportTokenAuth(c *fiber.Ctx) error {
	scheme, token, _ := strings.Cut(strings.TrimSpace(c.Get(fiber.HeaderAuthorization)), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="skm"`)
		return survey.NewError(survey.EUNAUTHORIZED, "send an API token: Authorization: Bearer TOKEN (central token create)",
			"kirim token API: Authorization: Bearer TOKEN (central token create)")
	}
	t, err := s.store.APITokenByHash(c.UserContext(), web.HashToken(token))
	if err == nil && t.Revoked {
		err = survey.NewError(survey.EUNAUTHORIZED, "this API token has been revoked", "token API ini telah dicabut")
	}
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="skm", error="invalid_token"`)
		return err
	}
	switch t.Role {
	case survey.RoleAdmin, survey.RoleKepala, survey.RoleViewer:
	default:
		return survey.NewError(survey.EFORBIDDEN, "this token's role may not read reports", "peran token ini tidak boleh membaca laporan")
	}
	c.Locals(localReportToken, t)
	return c.Next()
}

// reportRateLimit bounds each token's report and integrity API requests to
// reports.api_requests_per_minute over a sliding minute, so that one
// integration's loop cannot take central's database from everyone else.
// It runs after reportTokenAuth: the count is per token, not per address.
func (s *Server) reportRateLimit() fiber.Handler {
	perMinute := s.cfg.Reports.APIRequestsPerMinute
	if perMinute <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max:               perMinute,
		Expiration:        time.Minute,
		LimiterMiddleware: limiter.SlidingWindow{},
		KeyGenerator: func(c *fiber.Ctx) string {
			t, _ := c.Locals(localReportToken).(survey.APIToken)
			return strconv.FormatInt(t.ID, 10)
		},
		LimitReached: func(c *fiber.Ctx) error {
			wait := c.GetRespHeader(fiber.HeaderRetryAfter)
			return survey.NewError(survey.ERATELIMIT,
				fmt.Sprintf("this token made more than %d API requests in a minute; try again in %s s", perMinute, wait),
				fmt.Sprintf("token ini membuat lebih dari %d permintaan API dalam satu menit; coba lagi dalam %s detik", perMinute, wait))
		},
	})
}

var officeID = regexp.MustCompile(`^[0-9]{1,18}$`)

// apiOffice resolves the office parameter (an id, or else an exact name)
// within the token's scope: a kepala token defaults to, and is limited to,
// its own office.
func (s *Server) apiOffice(c *fiber.Ctx) (survey.Office, error) {
	t, _ := c.Locals(localReportToken).(survey.APIToken)
	v := strings.TrimSpace(c.Query("office"))
	if v == "" && t.Role == survey.RoleKepala {
		return s.store.OfficeByID(c.UserContext(), t.OfficeID)
	}
	if v == "" {
		return survey.Office{}, survey.Invalid("office", "office is required: the office's id or its exact name",
			"office wajib diisi: id kantor atau namanya yang persis")
	}
	var o survey.Office
	var err error
	if officeID.MatchString(v) {
		id, _ := parseID(v)
		o, err = s.store.OfficeByID(c.UserContext(), id)
	} else {
		o, err = s.store.OfficeByName(c.UserContext(), v)
	}
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return o, survey.Invalid("office", fmt.Sprintf("no office %q", v), fmt.Sprintf("tidak ada kantor %q", v))
	}
	if err != nil {
		return o, err
	}
	if t.Role == survey.RoleKepala && t.OfficeID != o.ID {
		return o, survey.NewError(survey.EFORBIDDEN, "this token may only read its own office", "token ini hanya boleh membaca kantornya sendiri")
	}
	return o, nil
}

// apiQuery reads the office, the period and the filters of a report API request.
func (s *Server) apiQuery(c *fiber.Ctx) (reportQuery, reports, error) {
	o, err := s.apiOffice(c)
	if err != nil {
		return reportQuery{}, reports{}, err
	}
	q, err := s.reportQueryOf(c, o, false)
	if err != nil {
		return q, reports{}, err
	}
	r, err := s.reports()
	if err != nil {
		return q, r, err
	}
	return q, r, s.recordReport(c, q, r)
}

func (s *Server) handleAPIIKM(c *fiber.Ctx) error {
	q, r, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rel, err := r.release(ctx, q.Office.ID, q.Period)
	if err != nil {
		return err
	}
	out := ikmAnswer(r, q, rel)
	visits, err := s.store.CountVisitTallies(ctx, q.Filter())
	if err != nil {
		return err
	}
	out.Visits = apiVisitsOf(visits)
	if q.NIP != "" {
		if err := s.personAnswer(ctx, r, rel, q, &out); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// personAnswer adds to an answer about one staff member their individual
// figures, what the appraisal lists weigh, and the IKM of their unit, each
// on its own release groups.
func (s *Server) personAnswer(ctx context.Context, r reports, rel *survey.Release, q reportQuery, out *apiIKM) error {
	f := q.Filter()
	ev, err := r.listEvidence(ctx, rel, f)
	if err != nil {
		return err
	}
	st, err := s.store.OfficeStaffByNIP(ctx, q.Office.ID, q.NIP)
	if err != nil && survey.ErrorCode(err) != survey.ENOTFOUND {
		return err
	}
	st.NIP = q.NIP
	cand, _ := r.rules.Candidate(ev.input(st))
	cand, held := r.released(ev, f.From, f.To, cand)
	ind := apiIndividualOf(r.rules, st, cand.All, held.All)
	clean := apiIndividualOf(r.rules, st, cand.Clean, held.Clean)
	ind.WithoutSuspect, ind.apiScrutiny = &clean, apiScrutinyOf(r.rules, cand, held)
	out.Individual = &ind
	if st.Unit == "" {
		return nil
	}
	uf := q.OfficeFilter()
	uf.Unit = st.Unit
	out.UnitIKM = &apiUnitIKM{Unit: st.Unit, apiFigures: apiFiguresOf(r.row(rel, st.Unit, uf), true)}
	return nil
}

func (s *Server) handleAPIAppraisal(c *fiber.Ctx) error {
	q, r, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	if q.Narrow() {
		return survey.Invalid("office", "the appraisal lists are per office and period: leave out unit, counter, nip and service",
			"daftar penilaian per kantor dan periode: jangan isi unit, counter, nip dan service")
	}
	rep, err := r.appraisal(c.UserContext(), q)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(appraisalAnswer(rep))
}
