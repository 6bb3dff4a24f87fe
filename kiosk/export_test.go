package kiosk

import "github.com/gofiber/fiber/v2"

// RoutesOf lists the server's routes, so tests can walk every one of them.
func RoutesOf(s *Server) []fiber.Route { return s.app.GetRoutes(true) }
