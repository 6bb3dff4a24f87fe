package kiosk

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/web"
)

// days rounds a duration to whole days, at least 1.
func days(d time.Duration) int { return max(1, int((d+12*time.Hour)/(24*time.Hour))) }

// hours rounds a duration to whole hours, at least 1.
func hours(d time.Duration) int { return max(1, int((d+30*time.Minute)/time.Hour)) }

// privacyData is what the privacy page states, from the configuration.
type privacyData struct {
	RetentionDays  int  // responses after central confirmed them
	Connected      bool // a kiosk without central keeps responses until an admin deletes the file
	VisitDays      int
	ContactDays    int
	FollowUp       bool
	KeyHours       int
	DeviceHours    int
	PerDevice      int
	PseudonymHours int
	// Witness is central's address when the thank-you page delivers the
	// kiosk's signed head there ("" when it does not).
	Witness string
}

func (s *Server) handlePrivacy(c *fiber.Ctx) error {
	cfg := s.cfg
	d := privacyData{RetentionDays: days(cfg.Sync.Retention.D()), Connected: cfg.Central.Enabled(),
		VisitDays: days(cfg.Privacy.VisitRetention.D()), ContactDays: days(cfg.Privacy.ContactRetention.D()),
		FollowUp: cfg.Privacy.FollowUp, KeyHours: hours(cfg.Limits.KeyRotation.D()), DeviceHours: hours(cfg.Limits.DeviceWindow.D()),
		PerDevice: cfg.Limits.PerDevice, PseudonymHours: hours(2 * cfg.Limits.KeyRotation.D())}
	if cfg.Witness() {
		d.Witness = cfg.Central.PublicURL
	}
	p := s.page(c, "privacy_title", d)
	p.Citizen = true
	return s.render.Render(c, fiber.StatusOK, "privacy", p)
}

// formContact reads the optional follow-up contact: nothing, or a contact
// with the consent box ticked. The consent text shown is recorded with it.
// A kiosk connected to central gives a tracking code when one of central's
// follow-up elements is answered 1 or 2 (docs/followups.md).
func (s *Server) formContact(c *fiber.Ctx, ratings survey.Ratings) (*survey.FollowUp, error) {
	if !s.cfg.Privacy.FollowUp {
		return nil, nil
	}
	contact, err := survey.ValidateFollowUp(c.FormValue("contact"), c.FormValue("followup_consent") == "1")
	if err != nil || contact == "" {
		return nil, err
	}
	lang := web.SurveyLangOf(c)
	f := &survey.FollowUp{Contact: contact, Lang: lang,
		Consent: s.render.Tr.T(lang, "followup_consent_text", days(s.cfg.Privacy.ContactRetention.D()))}
	if s.cfg.Central.Enabled() && len(survey.LowElements(ratings, upload.FollowUpElements(c.UserContext(), s.store))) > 0 {
		f.Code = survey.NewTrackingCode()
	}
	return f, nil
}

// rateLimited answers a rating over a limit with a kind page (429).
func (s *Server) rateLimited(c *fiber.Ctx, err error) error {
	p := s.surveyPage(c, "limited_title", struct{ IdleSeconds int }{int(s.cfg.Kiosk.IdleReset.D().Seconds())})
	p.Error = survey.AsError(err)
	return s.render.Render(c, fiber.StatusTooManyRequests, "limited", p)
}

// handleFollowUps lists the open follow-up contacts.
func (s *Server) handleFollowUps(c *fiber.Ctx) error {
	list, err := s.store.FindFollowUps(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := s.page(c, "followups_title", struct {
		FollowUps []survey.FollowUp
		Days      int
	}{list, days(s.cfg.Privacy.ContactRetention.D())})
	p.BodyClass = "wide"
	if c.Query("closed") != "" {
		p.Flash = p.T("followup_closed")
	}
	return s.render.Render(c, fiber.StatusOK, "followups", p)
}

// handleFollowUpClose closes a follow-up: the contact is deleted.
func (s *Server) handleFollowUpClose(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return survey.NewError(survey.ENOTFOUND, "no such follow-up contact", "kontak tindak lanjut tidak ditemukan")
	}
	if err := s.store.CloseFollowUp(c.UserContext(), id); err != nil {
		return err
	}
	if err := s.auth.Audit(c, "followup_close", fmt.Sprintf("follow-up %d closed, contact deleted", id)); err != nil {
		return err
	}
	return c.Redirect("/admin/followups?closed=1", fiber.StatusSeeOther)
}

// Retention deletes what the kiosk no longer needs: synced responses past
// sync.retention, visit codes, follow-up contacts nobody closed, the hashes
// behind the limits and the keys that made them. cmd/kiosk runs it daily.
type Retention struct {
	Store  Store
	Config Config
	Now    func() time.Time
	Logger *slog.Logger
	keys   *keyring // the server's, so rotation and hashing share a lock
}

// Retention returns the retention job for this server's store and configuration.
func (s *Server) Retention(log *slog.Logger) *Retention {
	return &Retention{Store: s.store, Config: s.cfg, Now: s.now, Logger: log, keys: s.keys}
}

// Run deletes what has expired and logs one line with the counts.
func (r *Retention) Run(ctx context.Context) (survey.PurgeResult, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	res, err := r.Store.Purge(ctx, r.Config.Retention(), now)
	if err == nil {
		ring := r.keys
		if ring == nil {
			ring = &keyring{store: r.Store, rotation: r.Config.Limits.KeyRotation.D()}
		}
		res.Keys, err = ring.Rotate(ctx, now)
	}
	if err != nil {
		log.Error("retention failed", "component", "retention", "err", err)
		return res, fmt.Errorf("retention: %w", err)
	}
	log.Info("retention: deleted expired data", "component", "retention", "responses", res.Responses, "visits", res.Visits,
		"contacts", res.Contacts, "pseudonyms", res.Pseudonyms, "refusal_days", res.Refusals, "keys", res.Keys, "sessions", res.Sessions)
	return res, nil
}
