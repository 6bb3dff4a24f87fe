package kiosk

import (
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// maxVisitBody bounds POST /api/v1/visits.
const maxVisitBody = 4 << 10

const localToken = "api_token"

// requireCounterToken is middleware for API clients of a counter (a queue
// system): the request must carry "Authorization: Bearer TOKEN" with an
// unrevoked counter token from `kiosk token create`.
func (s *Server) requireCounterToken(c *fiber.Ctx) error {
	scheme, token, _ := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(scheme)), []byte("bearer")) != 1 || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="kiosk"`)
		return survey.NewError(survey.EUNAUTHORIZED,
			"send the counter's token as \"Authorization: Bearer TOKEN\" (from `kiosk token create --role counter --nip NIP`)",
			"kirim token loket sebagai \"Authorization: Bearer TOKEN\" (dari `kiosk token create --role counter --nip NIP`)")
	}
	t, err := s.store.KioskTokenByHash(c.UserContext(), web.HashToken(strings.TrimSpace(token)))
	if err == nil && t.Revoked {
		err = survey.NewError(survey.EUNAUTHORIZED, "this token was revoked", "token ini sudah dicabut")
	}
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="kiosk", error="invalid_token"`)
		return err
	}
	if t.Role != survey.RoleCounter || t.NIP == "" {
		return survey.NewError(survey.EFORBIDDEN, "this token may not create visits", "token ini tidak boleh membuat kunjungan")
	}
	c.Locals(localToken, t)
	if err := web.ReadBody(c); err != nil {
		return err
	}
	return c.Next()
}

// visitRequest is the body of POST /api/v1/visits.
type visitRequest struct {
	NIP     string `json:"nip"`
	Service string `json:"service"`
	// Tablet offers the visit on the office's enrolled desk tablets instead of as a QR code.
	Tablet bool `json:"tablet"`
}

// visitReply is the answer to POST /api/v1/visits.
type visitReply struct {
	Token     string    `json:"token"`
	SurveyURL string    `json:"survey_url"`
	QRURL     string    `json:"qr_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleAPICreateVisit creates a visit for the token's own staff member.
func (s *Server) handleAPICreateVisit(c *fiber.Ctx) error {
	if err := checkJSONBody(c, maxVisitBody); err != nil {
		return err
	}
	var req visitRequest
	if err := decodeStrict(c.Body(), &req); err != nil {
		return err
	}
	t, _ := c.Locals(localToken).(survey.KioskToken)
	if req.NIP == "" {
		return survey.Invalid("nip", "nip is required: the staff member who served the citizen", "nip wajib diisi: petugas yang melayani warga")
	}
	if survey.NormalizeNIP(req.NIP) != t.NIP {
		return &survey.Error{Code: survey.EFORBIDDEN, Field: "nip",
			Message:   "this counter's token may only create visits for its own staff member",
			MessageID: "token loket ini hanya boleh membuat kunjungan untuk petugasnya sendiri"}
	}
	iv, err := s.createVisit(c.UserContext(), t.NIP, req.Service, fmt.Sprintf("token:%d:%s", t.ID, t.Label), req.Tablet, s.cfg.Visits.TokenCap())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(visitReply{Token: iv.Token, SurveyURL: iv.SurveyURL, QRURL: iv.QRURL,
		ExpiresAt: iv.Visit.ExpiresAt})
}

// bindVisit makes r a response through the visit of token: its staff member
// and service come from the visit, and must agree with any given.
func (s *Server) bindVisit(c *fiber.Ctx, r *survey.Response, token string) error {
	v, _, err := s.visitFromToken(c, token)
	if survey.ErrorCode(err) == survey.ECONFLICT {
		// Used: let the store tell a replay of the same request from a second use.
		claims, perr := survey.ParseVisitToken(s.secret, token, s.now())
		if perr != nil {
			return perr
		}
		v, err = s.store.VisitByID(c.UserContext(), claims.ID)
	}
	if err != nil {
		return err
	}
	if r.NIP != "" && survey.NormalizeNIP(r.NIP) != v.NIP {
		e := survey.ErrVisitForged()
		e.Message += " (the code belongs to another officer)"
		e.MessageID += " (kode ini milik petugas lain)"
		return e
	}
	r.NIP, r.VisitID = v.NIP, v.ID
	if r.Service == "" {
		r.Service = v.Service
	}
	return nil
}
