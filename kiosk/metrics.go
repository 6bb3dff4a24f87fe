package kiosk

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/web"
)

// countSubmission is middleware on every route that stores a rating (the
// survey forms, visit codes and POST /api/v1/responses): it counts each
// submission as accepted, replayed or refused with its reason.
func (s *Server) countSubmission(c *fiber.Ctx) error {
	err := c.Next()
	s.metrics.Submission(submissionOutcome(c, err))
	return err
}

// submissionOutcome reads what a submission route answered: a returned
// error's code; else the status: 201 stored, 200 an API replay, 303 to the
// thank-you page ("?ulang=1" for a replay), or a page shown again with the
// status of its refusal (400 incomplete, 429 limited, 409 visit used).
func submissionOutcome(c *fiber.Ctx, err error) (outcome, reason string) {
	if err != nil {
		return web.OutcomeRefused, web.AsAppError(err).Code
	}
	switch status := c.Response().StatusCode(); status {
	case fiber.StatusCreated:
		return web.OutcomeAccepted, ""
	case fiber.StatusOK:
		return web.OutcomeReplayed, ""
	case fiber.StatusSeeOther:
		if strings.Contains(string(c.Response().Header.Peek(fiber.HeaderLocation)), "ulang=1") {
			return web.OutcomeReplayed, ""
		}
		return web.OutcomeAccepted, ""
	default:
		return web.OutcomeRefused, web.CodeOfStatus(status)
	}
}
