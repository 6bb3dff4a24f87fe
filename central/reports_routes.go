package central

import "github.com/gofiber/fiber/v2"

// registerReportRoutes adds the appraisal reports: pages under admin, the
// JSON API and the public transparency pages under app.
func (s *Server) registerReportRoutes(app *fiber.App, admin fiber.Router) {}
