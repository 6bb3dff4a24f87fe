package central

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// registerWitnessRoutes adds citizens' two public endpoints, each limited
// per client address: the witness image (sync/ingest) and the receipt page.
func (s *Server) registerWitnessRoutes(app *fiber.App) {
	if !s.cfg.Witness.Enabled {
		return
	}
	app.Get(wire.PathWitness, s.addressLimit(), s.ingest.Witness)
	app.Get(wire.PathReceipt, s.addressLimit(), s.handleReceipt)
}

// addressLimit bounds one client address's requests per minute. The
// address is kept in memory for the minute only, never stored.
func (s *Server) addressLimit() fiber.Handler {
	perMinute := s.cfg.Witness.RequestsPerMinute
	if perMinute <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max:               perMinute,
		Expiration:        time.Minute,
		LimiterMiddleware: limiter.SlidingWindow{},
		LimitReached: func(c *fiber.Ctx) error {
			return survey.NewError(survey.ERATELIMIT,
				fmt.Sprintf("more than %d requests in a minute from this address; try again in a minute", perMinute),
				fmt.Sprintf("lebih dari %d permintaan dalam satu menit dari alamat ini; coba lagi satu menit lagi", perMinute))
		},
	})
}

// receiptPage is what the receipt page shows.
type receiptPage struct {
	Code       string
	Checked    bool
	Received   bool
	ReceivedAt time.Time
}

// handleReceipt is central's public page where a citizen checks the receipt
// code of their rating: "received on …" or "not yet received", never the
// answers, never who gave them.
func (s *Server) handleReceipt(c *fiber.Ctx) error {
	d := receiptPage{Code: c.Query("kode")}
	p := s.page(c, "receipt_title", &d)
	c.Set(fiber.HeaderCacheControl, "no-store")
	if d.Code == "" {
		return s.render.Render(c, fiber.StatusOK, "receipt", p)
	}
	code, err := survey.ParseReceiptCode(d.Code)
	if err != nil {
		p.Error = survey.AsError(err)
		return s.render.Render(c, fiber.StatusBadRequest, "receipt", p)
	}
	d.Code, d.Checked = code.String(), true
	if d.ReceivedAt, d.Received, err = s.store.ReceiptStatus(c.UserContext(), code); err != nil {
		return err
	}
	return s.render.Render(c, fiber.StatusOK, "receipt", p)
}
