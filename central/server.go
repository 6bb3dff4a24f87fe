package central

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/skmkiosk/skm/assets"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/ingest"
	"github.com/skmkiosk/skm/web"
)

// Server is central's HTTP application.
type Server struct {
	cfg     Config
	store   survey.CentralStore
	log     *slog.Logger
	app     *fiber.App
	render  *web.Renderer
	auth    *web.Auth
	ingest  *ingest.Handler
	now     func() time.Time
	metrics *web.CentralMetrics
	// apiLimit follows reportTokenAuth on every report and integrity API route.
	apiLimit fiber.Handler
	// accessPurged is when recorded report queries were last purged (Unix seconds).
	accessPurged atomic.Int64
	// releases keeps the release groups of recently reported office years.
	releases *releaseCache

	serving web.Serving
}

// Options are the server's collaborators besides its store.
type Options struct {
	Logger     *slog.Logger
	Now        func() time.Time
	BcryptCost int
	// Metrics, by default a registry of its own.
	Metrics *web.CentralMetrics
}

// NewServer parses templates and builds the routes.
func NewServer(cfg Config, store survey.CentralStore, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = web.NewCentralMetrics(cfg.MetricsToken)
	}
	tr, err := web.LoadTranslations(assets.FS)
	if err != nil {
		return nil, err
	}
	static, err := web.NewStatic(assets.Static(), "/static")
	if err != nil {
		return nil, err
	}
	render, err := web.NewRenderer(assets.FS, "central", tr, static)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: store, log: o.Logger.With("component", "http"), render: render, now: o.Now, metrics: o.Metrics,
		releases: &releaseCache{}}
	s.auth = &web.Auth{Store: store, Now: o.Now, Secure: cfg.SecureCookies || cfg.TLS.Enabled(), BcryptCost: o.BcryptCost}
	render.CSRF = s.auth.CSRFToken
	s.ingest = &ingest.Handler{Store: store, Now: o.Now, SkewLimit: cfg.Sync.ClockSkewLimit.D(), MaxConcurrent: cfg.Sync.MaxConcurrentBatches,
		Logger: o.Logger.With("component", "ingest"), Metrics: o.Metrics, FollowUps: cfg.Policy(), PublicURL: cfg.PublicURL}
	s.app = web.NewApp(web.AppOptions{Name: "central", HTTP: cfg.HTTP, BodyTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute,
		ErrorHandler: web.ErrorHandler(s.log, s.errorPage), Log: s.log})
	s.registerRoutes()
	s.serving = web.Serving{App: s.app, HTTP: cfg.HTTP, Log: s.log}
	return s, nil
}

func (s *Server) registerRoutes() {
	app := s.app
	app.Use(s.metrics.Measure, web.Recover(s.log), web.SecurityHeaders, bodyLimits.Handler, web.Lang, web.Display)
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed, Next: func(c *fiber.Ctx) bool {
		return strings.HasPrefix(c.Path(), "/static/") || strings.HasPrefix(c.Path(), "/api/v1/sync/")
	}}))
	app.Get("/static/*", s.render.Static.Handler)
	app.Get("/healthz", s.handleHealth)
	app.Get("/metrics", s.metrics.Handler())
	s.ingest.Register(app)
	s.registerWitnessRoutes(app)

	acc := &web.AccountPages{Auth: s.auth, Render: s.render, Settings: s.store, Home: "/admin", Page: s.page}
	app.Get("/setup", acc.SetupForm)
	app.Post("/setup", s.auth.CheckCSRF, acc.Setup)
	app.Get("/login", s.auth.Load, acc.LoginForm)
	app.Post("/login", s.auth.Load, s.auth.CheckCSRF, acc.Login)
	app.Post("/logout", s.auth.Load, s.auth.Require(), s.auth.CheckCSRF, acc.Logout)
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/admin", fiber.StatusSeeOther) })

	admin := app.Group("/admin", s.auth.Load, s.auth.Require(), s.auth.CheckCSRF)
	readers := s.auth.Require(survey.RoleAdmin, survey.RoleKepala, survey.RoleViewer)
	admins := s.auth.Require(survey.RoleAdmin)
	editors := s.auth.Require(survey.RoleAdmin, survey.RoleKepala)
	admin.Get("/", readers, s.handleDashboard)
	admin.Get("/offices", readers, s.handleOffices)
	admin.Post("/offices", admins, s.handleOfficeCreate)
	admin.Get("/kiosks", readers, s.handleKiosks)
	admin.Post("/kiosks", admins, s.handleKioskCreate)
	admin.Post("/kiosks/:id/revoke", admins, s.handleKioskRevoke)
	admin.Get("/integrity", readers, s.handleIntegrity)
	admin.Get("/reconciliation", readers, s.handleReconciliation)

	roster := &web.RosterPages{Auth: s.auth, Render: s.render, Page: s.page, Now: s.now, Backend: s.officeRoster}
	roster.Register(admin, "/offices/:office/staff", readers, editors)
	catalogue := &web.CataloguePages{Auth: s.auth, Render: s.render, Page: s.page, Backend: s.officeCatalogue}
	admin.Get("/offices/:office/services", readers, catalogue.List)
	admin.Post("/offices/:office/services", editors, catalogue.Save)
	admin.Get("/offices/:office/wording", readers, s.handleWording)
	admin.Post("/offices/:office/wording", editors, s.handleWordingSave)

	s.apiLimit = s.reportRateLimit()
	s.registerReportRoutes(app, admin)
	s.registerSecurityRoutes(app, admin)
}

// Serve answers requests on ln until Shutdown, over TLS when configured;
// called after Shutdown, it closes ln and returns at once.
func (s *Server) Serve(ln net.Listener) error {
	var wrap func(net.Listener) net.Listener
	if s.cfg.TLS.Enabled() {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLS.CertFile, s.cfg.TLS.KeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("tls: %w", err)
		}
		wrap = func(l net.Listener) net.Listener {
			return tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		}
	}
	return s.serving.Serve(ln, wrap)
}

// Shutdown stops accepting connections and waits up to timeout for requests in flight.
func (s *Server) Shutdown(timeout time.Duration) error { return s.serving.Shutdown(timeout) }

// Ingest returns the sync handler, for `central import`.
func (s *Server) Ingest() *ingest.Handler { return s.ingest }

// PrepareSetup returns the one-time admin set-up path and token query when no account exists, else "".
func (s *Server) PrepareSetup(ctx context.Context, baseURL string) (string, error) {
	token, err := s.auth.PrepareSetup(ctx, s.store)
	if err != nil || token == "" {
		return "", err
	}
	return strings.TrimRight(baseURL, "/") + "/setup?token=" + token, nil
}

func (s *Server) page(c *fiber.Ctx, title string, data any) *web.Page {
	p := s.render.NewPage(c, title, data)
	p.Office = s.cfg.Name
	return p
}

func (s *Server) errorPage(c *fiber.Ctx, status int, e *survey.Error) error {
	p := s.page(c, "error_title", nil)
	p.Error = e
	if err := s.render.Render(c, status, "error", p); err != nil {
		s.log.Error("render error page", "err", err)
		return c.Status(status).SendString(e.Localized(p.Lang))
	}
	return nil
}

// officeParam resolves :office and enforces a kepala's office scope.
func (s *Server) officeParam(c *fiber.Ctx) (survey.Office, error) {
	id, err := strconv.ParseInt(c.Params("office"), 10, 64)
	if err != nil {
		return survey.Office{}, survey.NewError(survey.ENOTFOUND, "no such office", "kantor tidak ditemukan")
	}
	if u, ok := web.CurrentUser(c); ok && u.Role == survey.RoleKepala && u.OfficeID != id {
		return survey.Office{}, survey.NewError(survey.EFORBIDDEN, "you may only see your own office", "Anda hanya boleh melihat kantor Anda sendiri")
	}
	return s.store.OfficeByID(c.UserContext(), id)
}

func (s *Server) officeRoster(c *fiber.Ctx) (web.RosterBackend, string, error) {
	o, err := s.officeParam(c)
	if err != nil {
		return nil, "", err
	}
	return officeRoster{s.store, o.ID}, fmt.Sprintf("/admin/offices/%d/staff", o.ID), nil
}

func (s *Server) officeCatalogue(c *fiber.Ctx) (web.CatalogueBackend, string, error) {
	o, err := s.officeParam(c)
	if err != nil {
		return nil, "", err
	}
	return officeRoster{s.store, o.ID}, fmt.Sprintf("/admin/offices/%d/services", o.ID), nil
}

// officeRoster binds one office's roster and catalogue to the shared pages.
type officeRoster struct {
	store survey.CentralStore
	id    int64
}

func (r officeRoster) FindStaff(ctx context.Context, f survey.StaffFilter) ([]survey.Staff, error) {
	return r.store.FindOfficeStaff(ctx, r.id, f)
}
func (r officeRoster) StaffByNIP(ctx context.Context, nip string) (survey.Staff, error) {
	return r.store.OfficeStaffByNIP(ctx, r.id, nip)
}
func (r officeRoster) CreateStaff(ctx context.Context, st *survey.Staff) error {
	return r.store.CreateOfficeStaff(ctx, r.id, st)
}
func (r officeRoster) UpdateStaff(ctx context.Context, st *survey.Staff) error {
	return r.store.UpdateOfficeStaff(ctx, r.id, st)
}
func (r officeRoster) SetStaffActive(ctx context.Context, nip string, active bool) error {
	return r.store.SetOfficeStaffActive(ctx, r.id, nip, active)
}
func (r officeRoster) ImportStaff(ctx context.Context, staff []survey.Staff) (survey.ImportResult, error) {
	return r.store.ImportOfficeStaff(ctx, r.id, staff)
}
func (r officeRoster) SetStaffPhoto(ctx context.Context, nip string, p survey.Photo) error {
	return r.store.SetOfficeStaffPhoto(ctx, r.id, nip, p)
}
func (r officeRoster) FindServices(ctx context.Context, activeOnly bool) ([]survey.Service, error) {
	return r.store.FindOfficeServices(ctx, r.id, activeOnly)
}
func (r officeRoster) SaveService(ctx context.Context, sv *survey.Service) error {
	return r.store.SaveOfficeService(ctx, r.id, sv)
}

// health is the body of GET /healthz.
type health struct {
	Status   string `json:"status"`
	Database string `json:"database"`
}

func (s *Server) handleHealth(c *fiber.Ctx) error {
	h, status := health{Status: "ok", Database: "ok"}, fiber.StatusOK
	if err := s.store.Ping(c.UserContext()); err != nil {
		h, status = health{Status: "unavailable", Database: err.Error()}, fiber.StatusServiceUnavailable
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(h)
}
