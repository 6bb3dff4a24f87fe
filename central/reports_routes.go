package central

import (
	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// registerReportRoutes adds the appraisal reports: pages under admin, the
// JSON API and the public transparency pages under app.
func (s *Server) registerReportRoutes(app *fiber.App, admin fiber.Router) {
	readers := s.auth.Require(survey.RoleAdmin, survey.RoleKepala, survey.RoleViewer)
	editors := s.auth.Require(survey.RoleAdmin, survey.RoleKepala)
	admin.Get("/reports", readers, s.handleReportIndex)
	admin.Get("/reports/:office", readers, s.handleOfficeReport)
	admin.Get("/reports/:office/appraisal", readers, s.handleAppraisalPage)
	admin.Get("/reports/:office/skm", readers, s.handleSKMPage)
	admin.Get("/reports/:office/skm.pdf", readers, s.handleSKMPDF)
	admin.Get("/reports/:office/rtl", readers, s.handleRTLPage)
	admin.Post("/reports/:office/rtl", editors, s.handleRTLCreate)
	admin.Post("/reports/:office/rtl/:id", editors, s.handleRTLUpdate)
	admin.Post("/reports/:office/rtl/kasus/:id", editors, s.handleFollowUpUpdate)
	admin.Get("/reports/:office/export.xlsx", readers, s.handleReportWorkbook)
	admin.Get("/reports/:office/export/:table.:ext", readers, s.handleReportTable)
	// Staff pages check their own access: readers, and a staff member's own account.
	admin.Get("/reports/:office/staff/:nip", s.handlePersonPage)
	admin.Get("/reports/:office/staff/:nip/evidence", s.handleEvidencePage)
	admin.Get("/reports/:office/staff/:nip/evidence.csv", s.handleEvidenceCSV)
	admin.Get("/reports/:office/staff/:nip/evidence.pdf", s.handleEvidencePDF)
	admin.Post("/reports/:office/staff/:nip/statements", s.handleStatementCreate)
	admins := s.auth.Require(survey.RoleAdmin)
	admin.Get("/report-access", admins, s.handleReportAccessLog)
	admin.Get("/report-access.csv", admins, s.handleReportAccessCSV)

	api := app.Group("/api/v1/reports", s.reportTokenAuth, s.apiLimit)
	api.Get("/ikm", s.handleAPIIKM)
	api.Get("/appraisal", s.handleAPIAppraisal)
	api.Get("/evidence.pdf", s.handleAPIEvidencePDF)
	api.Get("/skm.pdf", s.handleAPISKMPDF)
	api.Get("/followups", s.handleAPIFollowUps)

	app.Get("/publik", s.handlePublicIndex)
	// Registered before /publik/:office, which would otherwise take "dokumen" and "tindak-lanjut".
	verify := verifyLimit()
	app.Get("/publik/dokumen/:id", verify, s.handleDocumentPage)
	app.Post("/publik/dokumen/:id", verify, s.handleDocumentPage)
	app.Get("/publik/tindak-lanjut", s.handleFollowUpStatus)
	app.Get("/publik/:office", s.handlePublicPage)
}
