package kiosk

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// maxFormBody bounds every request but staff photo and roster uploads.
const maxFormBody = 64 << 10

// issuedVisit is a new visit with its one-time token and URLs.
type issuedVisit struct {
	Visit     survey.Visit
	Token     string
	SurveyURL string
	QRURL     string
}

// createVisit stores a visit for an active staff member and service,
// valid for visits.ttl, and signs its token. The issuer is bounded by cap.
func (s *Server) createVisit(ctx context.Context, nip, service, issuedBy string, forTablet bool, cap survey.MintCap) (issuedVisit, error) {
	now := s.now()
	v := survey.Visit{ID: survey.NewVisitID(), NIP: survey.NormalizeNIP(nip), Service: strings.ToUpper(strings.TrimSpace(service)),
		IssuedBy: issuedBy, IssuedAt: now, ExpiresAt: now.Add(s.cfg.Visits.TTL.D()), ForTablet: forTablet}
	if v.Service == "" {
		return issuedVisit{}, survey.Invalid("service", "service is required: which service the citizen received",
			"layanan wajib diisi: layanan yang diterima warga")
	}
	if err := s.store.CreateVisit(ctx, &v, cap); err != nil {
		return issuedVisit{}, err
	}
	return s.issued(v), nil
}

// issued signs v's token; signing is deterministic, so a counter page can show the same code again.
func (s *Server) issued(v survey.Visit) issuedVisit {
	token := survey.SignVisitToken(s.secret, v.Claims())
	return issuedVisit{Visit: v, Token: token, SurveyURL: s.publicURL + "/v/" + token, QRURL: s.publicURL + "/qr/v/" + token + ".png"}
}

// visitFromToken verifies a token (signature, expiry) and finds its visit
// and active staff member. A token whose visit was used is ErrVisitUsed.
func (s *Server) visitFromToken(c *fiber.Ctx, token string) (survey.Visit, survey.Staff, error) {
	claims, err := survey.ParseVisitToken(s.secret, token, s.now())
	if err != nil {
		return survey.Visit{}, survey.Staff{}, err
	}
	v, err := s.store.VisitByID(c.UserContext(), claims.ID)
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return v, survey.Staff{}, survey.ErrVisitForged()
	} else if err != nil {
		return v, survey.Staff{}, err
	}
	if v.Claims() != claims {
		return v, survey.Staff{}, survey.ErrVisitForged()
	}
	if v.Used() {
		return v, survey.Staff{}, survey.ErrVisitUsed()
	}
	st, err := s.activeVisitStaff(c, v)
	return v, st, err
}

// activeVisitStaff returns the visit's staff member while they are active.
func (s *Server) activeVisitStaff(c *fiber.Ctx, v survey.Visit) (survey.Staff, error) {
	st, err := s.store.StaffByNIP(c.UserContext(), v.NIP)
	if err == nil && !st.Active {
		err = survey.NewError(survey.ENOTFOUND, "this officer is no longer active; ask at the counter",
			"petugas ini sudah tidak aktif; tanyakan di loket")
	}
	return st, err
}

// claimHash is a per-visit keyed hash of what claims a visit: the same
// device or address gives unrelated hashes on two visits.
func (s *Server) claimHash(visitID, kind, value string) string {
	return s.sign("claim|" + visitID + "|" + kind + "|" + value)
}

// phoneClaimant is a browser as a claimant of visitID: its device cookie
// when it returned one, and its address.
func (s *Server) phoneClaimant(c *fiber.Ctx, visitID string, in survey.Intake) survey.VisitClaimant {
	cl := survey.VisitClaimant{Address: survey.VisitClaim{Kind: survey.ClaimAddress, Hash: s.claimHash(visitID, survey.ClaimAddress, c.IP())},
		Pseudonyms: append(append([]string(nil), in.Device...), in.Address...)}
	if id, ok := s.deviceID(c); ok {
		cl.Device = survey.VisitClaim{Kind: survey.ClaimDevice, Hash: s.claimHash(visitID, survey.ClaimDevice, id)}
	}
	return cl
}

// cookieCheck is the query parameter of the one redirect a browser without
// the device cookie gets on opening a visit code: if the cookie is still
// missing after it, the browser keeps no cookies and claims by its address.
const cookieCheck = "k"

// handleVisitSurvey shows the survey for a one-time visit code. The first
// device that opens the code claims it (docs/security.md, section 3).
func (s *Server) handleVisitSurvey(c *fiber.Ctx) error {
	v, st, err := s.visitFromToken(c, c.Params("token"))
	if err != nil {
		return s.visitRefused(c, err)
	}
	if c.Method() != fiber.MethodHead { // a HEAD (a link checker) claims nothing
		if _, ok := s.deviceID(c); !ok && c.Query(cookieCheck) == "" {
			q := string(c.Request().URI().QueryString())
			if q != "" {
				q += "&"
			}
			c.Set(fiber.HeaderCacheControl, "no-store")
			return c.Redirect(c.Path()+"?"+q+cookieCheck+"=1", fiber.StatusSeeOther)
		}
		in, err := s.intake(c, false, true)
		if err != nil {
			return err
		}
		if v, err = s.store.OpenVisit(c.UserContext(), v.ID, s.phoneClaimant(c, v.ID, in), s.now()); err != nil {
			return s.visitRefused(c, err)
		}
	}
	form, err := s.surveyForm(c, st, survey.Response{Service: v.Service}, "")
	if err != nil {
		return err
	}
	s.fixVisitForm(c, form, v, "/v/"+c.Params("token")+"/kirim")
	form.FormKey = s.newFormKey("v:" + v.ID)
	setSurveyCache(c)
	return s.render.Render(c, fiber.StatusOK, "survey", s.surveyPage(c, "survey_title", form))
}

// fixVisitForm binds the form to the visit: its address and its service.
func (s *Server) fixVisitForm(c *fiber.Ctx, form *surveyForm, v survey.Visit, action string) {
	form.Action = action
	form.Verified = true
	form.ServiceGroups = nil
	form.ServiceName = v.Service
	if name, ok := s.serviceNames(c)[v.Service]; ok {
		form.ServiceName = name
	}
}

// handleVisitSubmit stores a verified response through a one-time visit code.
func (s *Server) handleVisitSubmit(c *fiber.Ctx) error {
	v, st, err := s.visitFromToken(c, c.Params("token"))
	if survey.ErrorCode(err) == survey.ECONFLICT {
		// The visit was used: maybe by this very form, sent twice. Let the
		// store answer a replay of the same form as a replay.
		v, st, err = s.usedVisit(c)
	}
	if err != nil {
		return s.visitRefused(c, err)
	}
	r := parseSurveyForm(c, st)
	r.Service, r.VisitID, r.Channel = v.Service, v.ID, survey.ChannelVisit
	if !s.checkFormKey(r.IdempotencyKey, "v:"+v.ID) {
		return s.visitRefused(c, survey.ErrVisitForged())
	}
	in, err := s.intake(c, false, true)
	if err != nil {
		return err
	}
	claimant := s.phoneClaimant(c, v.ID, in)
	in.Claimant = &claimant
	return s.submitVisit(c, st, v, &r, in, "/v/"+c.Params("token")+"/kirim", "/s/"+st.Code+"/terima-kasih")
}

// submitVisit stores r, a survey form's rating through visit v, and shows
// the thank-you page at thanks; a refused answer shows the form (posting to
// action) again with what is missing.
func (s *Server) submitVisit(c *fiber.Ctx, st survey.Staff, v survey.Visit, r *survey.Response, in survey.Intake, action, thanks string) error {
	var err error
	if r.IdempotencyKey, err = s.scoper.Scope(survey.IdempotencyScope(survey.ScopeVisit, v.ID), r.IdempotencyKey); err != nil {
		return err
	}
	created := false
	if in.Contact, err = s.formContact(c, r.Ratings); err == nil {
		created, err = s.store.CreateResponseWith(c.UserContext(), r, in)
	}
	switch code := survey.ErrorCode(err); {
	case err == nil:
	case code == survey.EINVALID && survey.AsError(err).Field != "visit_token":
		form, ferr := s.surveyForm(c, st, *r, survey.AsError(err).Field)
		if ferr != nil {
			return ferr
		}
		s.fixVisitForm(c, form, v, action)
		form.FormKey, form.Contact, form.Consent = c.FormValue("form_key"), c.FormValue("contact"), c.FormValue("followup_consent") == "1"
		setSurveyCache(c)
		p := s.surveyPage(c, "survey_title", form)
		p.Error = survey.AsError(err)
		return s.render.Render(c, fiber.StatusBadRequest, "survey", p)
	default:
		return s.visitRefused(c, err)
	}
	return c.Redirect(s.thanksURL(c, thanks, r, in, created), fiber.StatusSeeOther)
}

// usedVisit reads a used visit's staff member, so that the same form sent
// again reaches the store's replay check instead of a refusal.
func (s *Server) usedVisit(c *fiber.Ctx) (survey.Visit, survey.Staff, error) {
	claims, err := survey.ParseVisitToken(s.secret, c.Params("token"), s.now())
	if err != nil {
		return survey.Visit{}, survey.Staff{}, err
	}
	v, err := s.store.VisitByID(c.UserContext(), claims.ID)
	if err != nil {
		return v, survey.Staff{}, err
	}
	st, err := s.store.StaffByNIP(c.UserContext(), v.NIP)
	return v, st, err
}

// visitRefused shows a kind page for a visit code that cannot be used.
func (s *Server) visitRefused(c *fiber.Ctx, err error) error {
	e := survey.AsError(err)
	if e == nil || e.Field != "visit_token" {
		return err
	}
	p := s.surveyPage(c, "visit_refused_title", struct{ IdleSeconds int }{int(s.cfg.Kiosk.IdleReset.D().Seconds())})
	p.Error = e
	return s.render.Render(c, web.StatusOf(err), "visit_refused", p)
}

// handleVisitQR serves a visit code's QR image; the token itself is the credential.
func (s *Server) handleVisitQR(c *fiber.Ctx) error {
	token, ok := strings.CutSuffix(c.Params("file"), ".png")
	if !ok {
		return fiber.ErrNotFound
	}
	if _, err := survey.ParseVisitToken(s.secret, token, s.now()); err != nil {
		return err
	}
	size, err := qrSize(c)
	if err != nil {
		return err
	}
	png, err := encodeQR(s.publicURL+"/v/"+token, size)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}
