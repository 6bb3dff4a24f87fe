package kiosk

import (
	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// registerSecurityRoutes adds one-time visits, accounts, the audit log and
// follow-up contacts.
func (s *Server) registerSecurityRoutes(app *fiber.App, admin fiber.Router) {
	counter := s.auth.Require(survey.RoleCounter)
	app.Get("/v/:token", s.handleVisitSurvey)
	app.Post("/v/:token/kirim", s.countSubmission, s.handleVisitSubmit)
	app.Post("/v/:token", s.countSubmission, s.handleVisitSubmit)
	app.Get("/qr/v/:file", s.handleVisitQR)
	app.Post("/counter/:code/visits", s.auth.Load, counter, s.auth.CheckCSRF, s.handleCounterVisitCreate)
	app.Get("/counter/:code/visits/:id", s.auth.Load, counter, s.handleCounterVisit)
	app.Post("/api/v1/visits", s.requireCounterToken, s.handleAPICreateVisit)

	admins := s.auth.Require(survey.RoleAdmin)
	account := app.Group("/account", s.auth.Load, s.auth.Require(), s.auth.CheckCSRF)
	users := &web.UserPages{Auth: s.auth, Render: s.render, Page: s.page, Base: "/admin",
		Roles: []survey.Role{survey.RoleAdmin, survey.RoleKepala, survey.RoleViewer, survey.RoleCounter}, Scope: s.accountScope}
	users.Register(admin, account, admins)
	audit := &web.AuditPages{Render: s.render, Store: s.store, Page: s.page, Base: "/admin"}
	audit.Register(admin, admins)

	admin.Get("/tablets", admins, s.handleTablets)
	admin.Post("/tablets", admins, s.handleTabletEnroll)
	admin.Post("/tablets/:id/name", admins, s.handleTabletRename)
	admin.Post("/tablets/:id/revoke", admins, s.handleTabletRevoke)

	heads := s.auth.Require(survey.RoleAdmin, survey.RoleKepala)
	admin.Get("/followups", heads, s.handleFollowUps)
	admin.Post("/followups/:id/close", heads, s.handleFollowUpClose)
}

// accountScope binds a counter account to an active staff member's NIP;
// other roles on the kiosk have no scope.
func (s *Server) accountScope(c *fiber.Ctx, u *survey.User) error {
	if u.Role != survey.RoleCounter {
		return nil
	}
	st, err := s.store.StaffByNIP(c.UserContext(), c.FormValue("nip"))
	if err == nil && !st.Active {
		err = survey.NewError(survey.ENOTFOUND, "", "")
	}
	if err != nil {
		return &survey.Error{Code: survey.EINVALID, Field: "nip",
			Message:   "a counter account needs the NIP of an active staff member",
			MessageID: "akun loket memerlukan NIP petugas yang aktif"}
	}
	u.NIP = st.NIP
	return nil
}

// homeFor sends a counter account to its own counter screen after login.
func (s *Server) homeFor(c *fiber.Ctx, u survey.User) string {
	if u.Role != survey.RoleCounter {
		return ""
	}
	if st, err := s.store.StaffByNIP(c.UserContext(), u.NIP); err == nil && st.Active {
		return "/counter/" + st.Code
	}
	return "/account/password"
}
