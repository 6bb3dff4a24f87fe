package central

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// maxFormBody bounds every request but sync uploads and roster files.
const maxFormBody = 64 << 10

// bodyLimits bounds every request body. A sync upload (bounded again after
// decompression) is read once its kiosk's signature headers are accepted,
// a roster page's upload once its session is.
var bodyLimits = &web.Bodies{Default: maxFormBody, Rules: []web.BodyRule{
	{Method: fiber.MethodPost, Prefix: "/api/v1/sync", Limit: wire.MaxBodyBytes, AfterAuth: true, Encoded: true},
	{Method: fiber.MethodPost, Prefix: "/admin/offices/*/staff", Limit: web.MaxUploadBody, AfterAuth: true},
	{Method: fiber.MethodPost, Prefix: "/publik/dokumen", Limit: maxDocumentUpload + 64<<10},
}}

// registerSecurityRoutes adds accounts, the audit log and the integrity API.
func (s *Server) registerSecurityRoutes(app *fiber.App, admin fiber.Router) {
	admins := s.auth.Require(survey.RoleAdmin)
	account := app.Group("/account", s.auth.Load, s.auth.Require(), s.auth.CheckCSRF)
	users := &web.UserPages{Auth: s.auth, Render: s.render, Page: s.page, Base: "/admin",
		Roles: []survey.Role{survey.RoleAdmin, survey.RoleKepala, survey.RoleViewer, survey.RoleCounter}, Scope: s.accountScope,
		Offices: func(c *fiber.Ctx) ([]survey.Office, error) { return s.store.FindOffices(c.UserContext()) }}
	users.Register(admin, account, admins)
	audit := &web.AuditPages{Render: s.render, Store: s.store, Page: s.page, Base: "/admin"}
	audit.Register(admin, admins)
	// The report API's bearer-token middleware: viewer, kepala (own office) and admin tokens.
	app.Get("/api/v1/integrity", s.reportTokenAuth, s.apiLimit, s.handleAPIIntegrity)
}

// accountScope binds a kepala account to one office, and a staff member's
// own account (role counter) to an office and the NIP of its roster, so that
// it reads only that person's report page; other roles see every office.
func (s *Server) accountScope(c *fiber.Ctx, u *survey.User) error {
	if u.Role != survey.RoleKepala && u.Role != survey.RoleCounter {
		return nil
	}
	id, err := strconv.ParseInt(c.FormValue("office"), 10, 64)
	if err == nil {
		var o survey.Office
		if o, err = s.store.OfficeByID(c.UserContext(), id); err == nil {
			u.OfficeID = o.ID
		}
	}
	if err != nil {
		return &survey.Error{Code: survey.EINVALID, Field: "office",
			Message: "an office head or staff account needs its office", MessageID: "akun kepala kantor atau petugas memerlukan kantornya"}
	}
	if u.Role == survey.RoleCounter {
		return s.bindStaffNIP(c.UserContext(), u, c.FormValue("nip"))
	}
	return nil
}

// bindStaffNIP sets a staff account's NIP after checking it is on the office's roster.
func (s *Server) bindStaffNIP(ctx context.Context, u *survey.User, nip string) error {
	st, err := s.store.OfficeStaffByNIP(ctx, u.OfficeID, survey.NormalizeNIP(nip))
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return survey.Invalid("nip", "a staff account needs the NIP of a staff member of its office",
			"akun petugas memerlukan NIP petugas di kantornya")
	} else if err != nil {
		return err
	}
	u.NIP = st.NIP
	return nil
}
