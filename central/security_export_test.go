package central

import "github.com/gofiber/fiber/v2"

// SecurityRoutesOf lists a server's routes, so tests can walk every one of them.
func SecurityRoutesOf(s *Server) []fiber.Route { return s.app.GetRoutes(true) }
