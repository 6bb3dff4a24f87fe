// Package kiosk is the front-desk Fiber application: the citizen survey, the
// tablet flow, staff QR codes and cards, the office admin pages and the JSON
// API. It is the only kiosk-side importer of fiber and go-qrcode.
package kiosk

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// Config is the kiosk's configuration, read from TOML over DefaultConfig.
type Config struct {
	// Listen is the address the HTTP server listens on.
	Listen string `toml:"listen"`
	// Database is the SQLite file of the buffer.
	Database string `toml:"database"`
	// PublicURL is the address citizens' phones reach (QR codes point there).
	// Empty means derived from Listen and this machine's network address.
	PublicURL string `toml:"public_url"`
	// OfficeName is shown at the top of every page.
	OfficeName string `toml:"office_name"`
	// CommentLimit is the longest comment accepted, in characters.
	CommentLimit int `toml:"comment_limit"`
	// SecureCookies marks cookies Secure; set it when a TLS proxy fronts the kiosk.
	SecureCookies bool `toml:"secure_cookies"`
	// MetricsToken, when set, is the bearer token GET /metrics requires from
	// anywhere; empty, /metrics answers only on this machine (loopback).
	MetricsToken string `toml:"metrics_token"`

	Log     LogConfig     `toml:"log"`
	Kiosk   TabletConfig  `toml:"kiosk"`
	Survey  SurveyConfig  `toml:"survey"`
	Central CentralConfig `toml:"central"`
	Sync    SyncConfig    `toml:"sync"`
	Visits  VisitsConfig  `toml:"visits"`
	Limits  LimitsConfig  `toml:"limits"`
	Privacy PrivacyConfig `toml:"privacy"`

	// HTTP bounds the server's connections and how long it waits on them.
	HTTP web.HTTPConfig `toml:"http"`
}

// LogConfig selects the log format and level.
type LogConfig struct {
	Format string `toml:"format"` // "text" or "json"
	Level  string `toml:"level"`  // "debug", "info", "warn" or "error"
}

// TabletConfig tunes the shared tablet flow at /kiosk.
type TabletConfig struct {
	// ReturnAfter is how long the thank-you page shows before the start screen returns.
	ReturnAfter survey.Duration `toml:"return_after"`
	// IdleReset is how long a half-filled survey may sit untouched before
	// the tablet asks "Perlu waktu lagi?" (need more time?).
	IdleReset survey.Duration `toml:"idle_reset"`
	// PromptWait is how long that question waits for a tap before the survey
	// is reset: at least 20 s (WCAG 2.2, success criterion 2.2.1).
	PromptWait survey.Duration `toml:"prompt_wait"`
	// Unfinished says what a reset does with the answers given so far:
	// UnfinishedDrop forgets them, UnfinishedKeep keeps them apart as a
	// partial survey that never counts in the IKM and never leaves the kiosk.
	Unfinished string `toml:"unfinished"`
}

// What a reset does with an unfinished survey ([kiosk] unfinished).
const (
	UnfinishedDrop = "drop"
	UnfinishedKeep = "keep_partial"
)

// MinPromptWait is the shortest PromptWait: WCAG 2.2 success criterion
// 2.2.1 asks that a user be warned and given at least 20 seconds.
const MinPromptWait = 20 * time.Second

// SurveyConfig overrides the survey's wording per language and element:
// [survey.wording.id.persyaratan] question = "..." labels = ["", "", "", ""].
type SurveyConfig struct {
	Wording map[string]map[string]survey.Question `toml:"wording"`
}

// CentralConfig connects the kiosk to the central appraisal service.
type CentralConfig struct {
	URL     string `toml:"url"`
	KioskID string `toml:"kiosk_id"`
	Secret  string `toml:"secret"`
	// CAFile is a PEM bundle for a private PKI that signed central's certificate.
	CAFile string `toml:"ca_file"`
	// AllowInsecure permits plain HTTP to a central that is not on loopback.
	AllowInsecure bool `toml:"allow_insecure"`
	// PublicURL is central's address as citizens' phones reach it (usually
	// over mobile data, when url is an address of the office's network).
	// With it, the thank-you page gives a receipt code that central's page
	// checks, and the phone delivers the kiosk's signed head to central
	// (privacy.witness turns both off). A follow-up tracking code's status
	// page is under it too; empty, that link uses what central says on sync
	// ([central] public_url there), else url.
	PublicURL string `toml:"public_url"`
}

// Enabled reports whether a [central] section was given.
func (c CentralConfig) Enabled() bool { return c.URL != "" }

// SyncConfig schedules and tunes the upload to central.
type SyncConfig struct {
	// Schedule is a cron expression in Asia/Jakarta time.
	Schedule string `toml:"schedule"`
	// Jitter is the longest random delay before a scheduled run starts.
	Jitter survey.Duration `toml:"jitter"`
	// BatchSize is how many responses go in one upload request.
	BatchSize int `toml:"batch_size"`
	// Retention is how long synced responses stay on the kiosk.
	Retention survey.Duration `toml:"retention"`
	// Timeout bounds `kiosk sync` when central cannot be reached.
	Timeout survey.Duration `toml:"timeout"`
	// Window is how long a scheduled run keeps retrying before it gives up until the next night.
	Window survey.Duration `toml:"window"`
	// Heartbeat is how often the kiosk reports its signed chain head to
	// central between runs, while central answers ("0s" turns it off).
	Heartbeat survey.Duration `toml:"heartbeat"`
}

// DefaultConfig returns the configuration used when no file is given.
func DefaultConfig() Config {
	c := Config{
		Listen:       ":8080",
		Database:     "data/kiosk.db",
		OfficeName:   "Disdukcapil",
		CommentLimit: survey.DefaultCommentLimit,
		Log:          LogConfig{Format: "text", Level: "info"},
		Kiosk: TabletConfig{ReturnAfter: survey.Duration(8 * time.Second), IdleReset: survey.Duration(90 * time.Second),
			PromptWait: survey.Duration(30 * time.Second), Unfinished: UnfinishedDrop},
		Sync: SyncConfig{Schedule: "0 2 * * *", Jitter: survey.Duration(30 * time.Minute), BatchSize: wire.DefaultBatchResponses,
			Retention: survey.Duration(90 * 24 * time.Hour), Timeout: survey.Duration(45 * time.Second),
			Window: survey.Duration(3 * time.Hour), Heartbeat: survey.Duration(5 * time.Minute)},
	}
	defaultSecurity(&c)
	c.HTTP = web.HTTPConfig{MaxConnections: 256, MaxConnectionsPerAddress: 64,
		ReadHeaderTimeout: survey.Duration(10 * time.Second), IdleTimeout: survey.Duration(2 * time.Minute)}
	return c
}

// Validate checks every value and names the key of the first bad one.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("listen: %q is not host:port (for example \":8080\")", c.Listen)
	}
	if strings.TrimSpace(c.Database) == "" {
		return fmt.Errorf("database: must name a file, for example \"data/kiosk.db\"")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("public_url: %q must be an absolute http:// or https:// address", c.PublicURL)
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return fmt.Errorf("metrics_token: must be at least 16 characters (or empty: /metrics answers only on this machine)")
	}
	if c.CommentLimit < 1 || c.CommentLimit > 10000 {
		return fmt.Errorf("comment_limit: %d must be between 1 and 10000", c.CommentLimit)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("log.format: %q must be \"text\" or \"json\"", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q must be debug, info, warn or error", c.Log.Level)
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if c.Kiosk.ReturnAfter.D() < time.Second || c.Kiosk.ReturnAfter.D() > 10*time.Minute {
		return fmt.Errorf("kiosk.return_after: %s must be between 1s and 10m", c.Kiosk.ReturnAfter.D())
	}
	if c.Kiosk.IdleReset.D() < 10*time.Second || c.Kiosk.IdleReset.D() > time.Hour {
		return fmt.Errorf("kiosk.idle_reset: %s must be between 10s and 1h", c.Kiosk.IdleReset.D())
	}
	if c.Kiosk.PromptWait.D() < MinPromptWait || c.Kiosk.PromptWait.D() > 10*time.Minute {
		return fmt.Errorf("kiosk.prompt_wait: %s must be between 20s (WCAG 2.2.1) and 10m", c.Kiosk.PromptWait.D())
	}
	if c.Kiosk.Unfinished != UnfinishedDrop && c.Kiosk.Unfinished != UnfinishedKeep {
		return fmt.Errorf("kiosk.unfinished: %q must be %q or %q", c.Kiosk.Unfinished, UnfinishedDrop, UnfinishedKeep)
	}
	for lang, byElement := range c.Survey.Wording {
		if !survey.ValidWordingLang(lang) {
			return fmt.Errorf("survey.wording.%s: language must be id, en, jv or su", lang)
		}
		for code, q := range byElement {
			if !survey.Element(code).Valid() {
				return fmt.Errorf("survey.wording.%s.%s: %q is not an element code (persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku, pengaduan, sarana)", lang, code, code)
			}
			if err := q.Validate(survey.Element(code)); err != nil {
				return fmt.Errorf("survey.wording.%s.%s: %s", lang, code, survey.AsError(err).Message)
			}
		}
	}
	if err := c.validateSync(); err != nil {
		return err
	}
	return c.validateSecurity()
}

func (c *Config) validateSync() error {
	if c.Central.Enabled() {
		u, err := url.Parse(c.Central.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("central.url: %q must be an absolute http:// or https:// address", c.Central.URL)
		}
		if c.Central.KioskID == "" {
			return fmt.Errorf("central.kiosk_id: required when central.url is set (from `central kiosk add`)")
		}
		if c.Central.Secret == "" {
			return fmt.Errorf("central.secret: required when central.url is set (from `central kiosk add`; ${ENV} works)")
		}
	}
	if c.Central.PublicURL != "" {
		u, err := url.Parse(c.Central.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
			return fmt.Errorf("central.public_url: %q must be central's address as phones reach it, such as \"https://central.example.go.id\"", c.Central.PublicURL)
		}
		if !c.Central.Enabled() {
			return fmt.Errorf("central.public_url: needs central.url, kiosk_id and secret (a standalone kiosk has nothing to deliver)")
		}
		c.Central.PublicURL = u.Scheme + "://" + u.Host
	}
	if c.Sync.Heartbeat.D() < 0 || (c.Sync.Heartbeat.D() > 0 && c.Sync.Heartbeat.D() < 10*time.Second) {
		return fmt.Errorf("sync.heartbeat: %s must be 0s (off) or at least 10s", c.Sync.Heartbeat.D())
	}
	if c.Sync.BatchSize < 1 || c.Sync.BatchSize > wire.MaxBatchResponses {
		return fmt.Errorf("sync.batch_size: %d must be between 1 and %d", c.Sync.BatchSize, wire.MaxBatchResponses)
	}
	if c.Sync.Retention.D() < 24*time.Hour {
		return fmt.Errorf("sync.retention: %s must be at least 1d", c.Sync.Retention.D())
	}
	if c.Sync.Jitter.D() < 0 {
		return fmt.Errorf("sync.jitter: must not be negative")
	}
	if c.Sync.Timeout.D() < time.Second || c.Sync.Timeout.D() > time.Hour {
		return fmt.Errorf("sync.timeout: %s must be between 1s and 1h", c.Sync.Timeout.D())
	}
	if c.Sync.Window.D() < time.Minute {
		return fmt.Errorf("sync.window: %s must be at least 1m", c.Sync.Window.D())
	}
	return nil
}

// Witness reports whether the thank-you page gives a receipt code and makes
// the citizen's phone deliver the kiosk's signed head to central.
func (c *Config) Witness() bool {
	return c.Central.Enabled() && c.Central.PublicURL != "" && c.Privacy.Witness
}

// Wording returns the survey wording for lang: the standard text with the
// configuration's overrides applied.
func (c *Config) Wording(lang string) survey.Wording {
	w := survey.DefaultWording(lang)
	over := survey.Wording{}
	for code, q := range c.Survey.Wording[lang] {
		over[survey.Element(code)] = q
	}
	return w.Merge(over)
}
