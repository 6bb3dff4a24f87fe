package kiosk

import "github.com/gofiber/fiber/v2"

// registerSecurityRoutes adds one-time visits, accounts and the audit log.
func (s *Server) registerSecurityRoutes(app *fiber.App, admin fiber.Router) {}
