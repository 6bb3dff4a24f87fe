package kiosk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/skmkiosk/skm/assets"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// Store is what the kiosk application needs from its database
// (store/sqlite.KioskDB implements it).
type Store interface {
	survey.StaffStore
	survey.ServiceStore
	survey.ResponseStore
	survey.AuthStore
	survey.VisitStore
	survey.IntakeStore
	survey.TabletStore
	web.SettingsStore
	// Ping checks that the database answers and can be written (GET /healthz).
	Ping(ctx context.Context) error
	SyncRuns(ctx context.Context, limit int) ([]survey.SyncRun, error)
	// OldestPending feeds the sync lag metric (see web.PendingSource).
	OldestPending(ctx context.Context) (time.Time, bool, error)
	// ChainHead is the chain's signed head: the thank-you page's witness.
	ChainHead(ctx context.Context) (seq int64, hash, signature string, err error)
	// Segments and Restore tell the sync page about breaks and restores.
	Segments(ctx context.Context) ([]survey.Segment, error)
	Restore(ctx context.Context) (survey.RestoreStatus, bool, error)
	// WriteHealth is the last failure to store ratings for want of space
	// or a writable disk, until a write succeeds; Damage the last integrity
	// check's complaint ("" when sound): both make /healthz 503.
	WriteHealth(ctx context.Context) error
	Damage() string
}

// Syncer is the upload to central as the pages see it (sync/upload implements it).
type Syncer interface {
	Status() survey.SyncStatus
	// Trigger starts a sync in the background unless one is running.
	Trigger()
}

// Server is the kiosk's HTTP application.
type Server struct {
	cfg       Config
	store     Store
	log       *slog.Logger
	app       *fiber.App
	render    *web.Renderer
	auth      *web.Auth
	qr        *qrCache
	keys      *keyring
	secret    []byte
	scoper    survey.IdempotencyScoper
	publicURL string
	now       func() time.Time
	serving   web.Serving
	syncer    Syncer
	metrics   *web.KioskMetrics
}

// Options are the kiosk server's collaborators besides its store.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// BcryptCost lowers password hashing cost in tests.
	BcryptCost int
	// Syncer, when the kiosk is connected to central.
	Syncer Syncer
	// Metrics, shared with the uploader; by default a registry of its own.
	Metrics *web.KioskMetrics
}

// NewServer parses templates and builds the routes. publicURL must already be resolved.
func NewServer(ctx context.Context, cfg Config, store Store, publicURL string, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = web.NewKioskMetrics(cfg.MetricsToken, store, o.Now)
	}
	tr, err := web.LoadTranslations(assets.FS)
	if err != nil {
		return nil, err
	}
	static, err := web.NewStatic(assets.Static(), "/static")
	if err != nil {
		return nil, err
	}
	render, err := web.NewRenderer(assets.FS, "kiosk", tr, static)
	if err != nil {
		return nil, err
	}
	secret, err := loadSecret(ctx, store)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: store, log: o.Logger.With("component", "http"), render: render,
		qr: newQRCache(512), keys: &keyring{store: store, rotation: cfg.Limits.KeyRotation.D()}, secret: secret, scoper: survey.NewIdempotencyScoper(secret), publicURL: strings.TrimRight(publicURL, "/"), now: o.Now, syncer: o.Syncer, metrics: o.Metrics}
	s.auth = &web.Auth{Store: store, Now: o.Now, Secure: cfg.SecureCookies, BcryptCost: o.BcryptCost}
	render.CSRF = s.auth.CSRFToken
	s.app = web.NewApp(web.AppOptions{Name: "kiosk", HTTP: cfg.HTTP, BodyTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorHandler: web.ErrorHandler(s.log, s.errorPage), Log: s.log})
	s.registerRoutes()
	s.serving = web.Serving{App: s.app, HTTP: cfg.HTTP, Log: s.log}
	return s, nil
}

// bodyLimits bounds every request body (docs/api.md). Uploads and the
// visits API are read only once their session or token is accepted.
var bodyLimits = &web.Bodies{Default: maxFormBody, Rules: []web.BodyRule{
	{Method: fiber.MethodPost, Prefix: "/api/v1/responses", Limit: maxResponseBody},
	{Method: fiber.MethodPost, Prefix: "/api/v1/visits", Limit: maxVisitBody, AfterAuth: true},
	{Method: fiber.MethodPost, Prefix: "/admin/staff", Limit: web.MaxUploadBody, AfterAuth: true},
}}

// loadSecret returns the kiosk's HMAC key for form keys, creating it once.
func loadSecret(ctx context.Context, store Store) ([]byte, error) {
	v, ok, err := store.Setting(ctx, "hmac_secret")
	if err != nil {
		return nil, err
	}
	if !ok {
		v = web.RandomToken(32)
		if err := store.SetSetting(ctx, "hmac_secret", v); err != nil {
			return nil, fmt.Errorf("store secret: %w", err)
		}
	}
	return []byte(v), nil
}

func (s *Server) registerRoutes() {
	app := s.app
	app.Use(s.metrics.Measure, web.Recover(s.log), web.SecurityHeaders, bodyLimits.Handler, web.Lang, web.Display)
	// Not compressed: static files, QR codes and photos (gzipped or PNG/JPEG
	// already), and the API's answers to a POST, a few hundred bytes each,
	// where gzip saved a hundred bytes for a twentieth of the CPU of a rating.
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed, Next: func(c *fiber.Ctx) bool {
		p := c.Path()
		return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/qr/") || strings.HasPrefix(p, "/photo/") ||
			(c.Method() == fiber.MethodPost && strings.HasPrefix(p, "/api/"))
	}}))
	app.Get("/static/*", s.render.Static.Handler)
	app.Get("/healthz", s.handleHealth)
	app.Get("/metrics", s.metrics.Handler())

	// Citizens.
	app.Get("/", s.auth.Load, s.handleHome)
	app.Get("/s/:code", s.handleSurvey)
	// Forms post to a path of their own: a POST invalidates the browser's
	// cached copy of its target (RFC 9111 §4.4), and Back must show the same
	// rendered form, with its idempotency key, rather than fetch a new one.
	app.Post("/s/:code/kirim", s.countSubmission, s.handleSurveySubmit)
	app.Post("/s/:code", s.countSubmission, s.handleSurveySubmit)
	app.Get("/s/:code/terima-kasih", s.handleThanks)
	// The desk tablet: enrolled devices only (tablets.go).
	app.Get("/kiosk", s.requireTablet, s.handleTablet)
	app.Get("/kiosk/s/:code", s.requireTablet, s.handleSurvey)
	app.Post("/kiosk/s/:code/kirim", s.countSubmission, s.requireTablet, s.handleSurveySubmit)
	app.Post("/kiosk/s/:code", s.countSubmission, s.requireTablet, s.handleSurveySubmit)
	app.Get("/kiosk/v/:id", s.requireTablet, s.handleTabletVisitSurvey)
	app.Post("/kiosk/v/:id/kirim", s.countSubmission, s.requireTablet, s.handleTabletVisitSubmit)
	app.Get("/kiosk/terima-kasih", s.requireTablet, s.handleThanks)
	// An unfinished survey, sent by the tablet just before a reset ([kiosk] unfinished).
	app.Post("/kiosk/s/:code/sebagian", s.requireTablet, s.handlePartial)
	app.Post("/kiosk/v/:id/sebagian", s.requireTablet, s.handlePartial)
	app.Get("/privasi", s.handlePrivacy)
	app.Get("/qr/:file", s.handleQR)
	app.Get("/photo/:file", s.handlePhoto)
	app.Get("/card/:code", s.handleCard)
	app.Get("/counter/:code", s.auth.Load, s.handleCounter)

	// JSON API.
	api := app.Group("/api/v1")
	api.Post("/responses", s.countSubmission, s.handleAPICreateResponse)
	api.Get("/staff", s.handleAPIStaff)
	api.Get("/services", s.handleAPIServices)

	// Accounts.
	acc := &web.AccountPages{Auth: s.auth, Render: s.render, Settings: s.store, Home: "/admin", Page: s.page, HomeFor: s.homeFor}
	app.Get("/setup", acc.SetupForm)
	app.Post("/setup", s.auth.CheckCSRF, acc.Setup)
	app.Get("/login", s.auth.Load, acc.LoginForm)
	app.Post("/login", s.auth.Load, s.auth.CheckCSRF, acc.Login)
	app.Post("/logout", s.auth.Load, s.auth.Require(), s.auth.CheckCSRF, acc.Logout)

	// Office admin and head.
	admin := app.Group("/admin", s.auth.Load, s.auth.Require(), s.auth.CheckCSRF)
	readers := s.auth.Require(survey.RoleAdmin, survey.RoleKepala, survey.RoleViewer)
	admins := s.auth.Require(survey.RoleAdmin)
	admin.Get("/", readers, s.handleSummary)
	roster := &web.RosterPages{Auth: s.auth, Render: s.render, Page: s.page, Now: s.now, Managed: s.rosterManaged,
		Backend: func(*fiber.Ctx) (web.RosterBackend, string, error) { return s.store, "/admin/staff", nil },
		Links:   s.staffLinks}
	roster.Register(admin, "/staff", readers, admins)
	catalogue := &web.CataloguePages{Auth: s.auth, Render: s.render, Page: s.page, Managed: s.rosterManaged,
		Backend: func(*fiber.Ctx) (web.CatalogueBackend, string, error) { return s.store, "/admin/services", nil }}
	admin.Get("/services", readers, catalogue.List)
	admin.Post("/services", admins, catalogue.Save)
	admin.Get("/sync", readers, s.handleSyncPage)
	admin.Post("/sync", admins, s.handleSyncNow)

	s.registerSecurityRoutes(app, admin)
}

// Serve answers requests on ln until Shutdown; called after Shutdown, it
// closes ln and returns at once.
func (s *Server) Serve(ln net.Listener) error { return s.serving.Serve(ln, nil) }

// Shutdown stops accepting connections and waits up to timeout for requests in flight.
func (s *Server) Shutdown(timeout time.Duration) error { return s.serving.Shutdown(timeout) }

// PrepareSetup returns the one-time admin set-up URL when no account exists, else "".
func (s *Server) PrepareSetup(ctx context.Context) (string, error) {
	token, err := s.auth.PrepareSetup(ctx, s.store)
	if err != nil || token == "" {
		return "", err
	}
	return s.publicURL + "/setup?token=" + token, nil
}

// SurveyURL is the absolute URL a staff member's QR code encodes.
func (s *Server) SurveyURL(code string) string { return s.publicURL + "/s/" + code }

// newFormKey returns a per-rendered-form key: random, and signed for the
// staff member so that a key cannot be made up or moved to another form.
// It is the response's idempotency key.
func (s *Server) newFormKey(code string) string {
	nonce := web.RandomToken(12)
	return nonce + "." + s.sign(nonce+"|"+code)
}

func (s *Server) checkFormKey(key, code string) bool {
	nonce, sig, ok := strings.Cut(key, ".")
	return ok && hmac.Equal([]byte(sig), []byte(s.sign(nonce+"|"+code)))
}

func (s *Server) sign(msg string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// page starts a page with the office name and the tablet flag set.
func (s *Server) page(c *fiber.Ctx, title string, data any) *web.Page {
	p := s.render.NewPage(c, title, data)
	p.Office = s.cfg.OfficeName
	p.Kiosk = strings.HasPrefix(c.Path(), "/kiosk")
	if p.Kiosk {
		p.BodyClass = "kiosk"
	}
	return p
}

func (s *Server) errorPage(c *fiber.Ctx, status int, e *survey.Error) error {
	// On the tablet an error page must lead back to the start, by itself too.
	p := s.page(c, "error_title", struct{ IdleSeconds int }{int(s.cfg.Kiosk.IdleReset.D().Seconds())})
	p.Error = e
	if err := s.render.Render(c, status, "error", p); err != nil {
		s.log.Error("render error page", "err", err)
		return c.Status(status).SendString(e.Localized(p.Lang))
	}
	return nil
}

// rosterManaged reports whether central manages this kiosk's roster and catalogue.
func (s *Server) rosterManaged(c *fiber.Ctx) bool {
	v, ok, err := s.store.Setting(c.UserContext(), "managed_by_central")
	return err == nil && ok && v == "1"
}

// staffLinks are the roster list's links to a staff member's card, counter screen and QR.
func (s *Server) staffLinks(lang string, st survey.Staff) []web.StaffLink {
	return []web.StaffLink{
		{Label: s.render.Tr.T(lang, "link_card"), URL: "/card/" + st.Code},
		{Label: s.render.Tr.T(lang, "link_counter"), URL: "/counter/" + st.Code},
		{Label: "QR", URL: "/qr/" + st.Code + ".png"},
	}
}
