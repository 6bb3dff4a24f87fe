// Package central is the central appraisal service's Fiber application: sync
// ingest from kiosks, offices, kiosks and rosters, integrity and
// reconciliation views, appraisal reports and exports.
package central

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// Config is central's configuration, read from TOML over DefaultConfig.
type Config struct {
	// Listen is the address the HTTP(S) server listens on.
	Listen string `toml:"listen"`
	// Database is a SQLite file, or a postgres:// URL for PostgreSQL.
	Database string `toml:"database"`
	// PublicURL is the address people and kiosks reach central at.
	PublicURL string `toml:"public_url"`
	// Name is shown at the top of every page.
	Name string `toml:"name"`
	// SecureCookies marks cookies Secure (automatic when tls is configured).
	SecureCookies bool `toml:"secure_cookies"`
	// MetricsToken, when set, is the bearer token GET /metrics requires from
	// anywhere; empty, /metrics answers only on this machine (loopback).
	MetricsToken string `toml:"metrics_token"`

	Log       LogConfig       `toml:"log"`
	TLS       TLSConfig       `toml:"tls"`
	Sync      SyncConfig      `toml:"sync"`
	Reports   ReportsConfig   `toml:"reports"`
	Witness   WitnessConfig   `toml:"witness"`
	FollowUps FollowUpsConfig `toml:"followups"`

	// HTTP bounds the server's connections and how long it waits on them.
	HTTP web.HTTPConfig `toml:"http"`
}

// FollowUpsConfig sets the follow-up cases opened for low ratings whose
// citizens agreed to be contacted (docs/followups.md).
type FollowUpsConfig struct {
	// DueWorkingDays is the working days an office has to answer a case
	// (LAPOR!/SP4N: five for complaints).
	DueWorkingDays int `toml:"due_working_days"`
	// Holidays are the days, besides Saturdays and Sundays, that are not
	// working days (libur nasional and cuti bersama), as YYYY-MM-DD.
	Holidays []string `toml:"holidays"`
}

// Policy returns the rule that opens cases: the attributable elements and
// pengaduan, and the due date in working days.
func (c *Config) Policy() survey.FollowUpPolicy {
	cal, _ := survey.NewWorkCalendar(c.FollowUps.Holidays) // checked by Validate
	return survey.FollowUpPolicy{Elements: survey.FollowUpElements(c.Reports.Rules().Attributable),
		DueDays: c.FollowUps.DueWorkingDays, Calendar: cal}
}

// WitnessConfig governs central's two public endpoints for citizens: the
// image a thank-you page loads to deliver the kiosk's signed head (a
// witness of the kiosk's chain), and the page that checks a receipt code.
type WitnessConfig struct {
	// Enabled serves both; false answers 404 (kiosks' receipts then cannot be checked).
	Enabled bool `toml:"enabled"`
	// RequestsPerMinute bounds each client address's requests to each of
	// them, over a sliding minute (0 turns the bound off).
	RequestsPerMinute int `toml:"requests_per_minute"`
}

// LogConfig selects the log format and level.
type LogConfig struct {
	Format string `toml:"format"`
	Level  string `toml:"level"`
}

// TLSConfig makes central serve HTTPS.
type TLSConfig struct {
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
}

// Enabled reports whether a certificate is configured.
func (t TLSConfig) Enabled() bool { return t.CertFile != "" }

// SyncConfig tunes ingest.
type SyncConfig struct {
	// ClockSkewLimit is the kiosk clock difference recorded as a finding.
	ClockSkewLimit survey.Duration `toml:"clock_skew_limit"`
	// MaxConcurrentBatches bounds the uploads stored at once; the rest are
	// answered 503 and their kiosks retry (0: no bound).
	MaxConcurrentBatches int `toml:"max_concurrent_batches"`
}

// ReportsConfig holds the fairness rules of appraisal reports.
type ReportsConfig struct {
	// MinResponses is the count below which a per-person figure is not final.
	MinResponses int `toml:"min_responses"`
	// MinCell is the size of the smallest release group: no figure, however
	// combined with others, tells apart fewer ratings (docs/reports-api.md).
	MinCell int `toml:"min_cell"`
	// Attributable lists the elements a person is judged on.
	Attributable []string `toml:"attributable"`
	// RewardLowerBound: a reward candidate's interval lower bound is at least this (25–100).
	RewardLowerBound float64 `toml:"reward_lower_bound"`
	// CoachingUpperBound: a coaching candidate's interval upper bound is below this (25–100).
	CoachingUpperBound float64 `toml:"coaching_upper_bound"`
	// CoachingWeakMonths: an attributable element that is a person's weakest
	// and below CoachingUpperBound in this many months of the period also
	// makes a coaching candidate (0 turns the rule off).
	CoachingWeakMonths int `toml:"coaching_weak_months"`
	// TemplateMode computes IKM with the legacy 0,111 weight (labelled as such).
	TemplateMode bool `toml:"template_mode"`
	// AttentionRise lists, on the office report, the units (and the office)
	// whose share of low answers in the latest settled month rose by at
	// least this many percentage points over the three months before (0
	// turns it off).
	AttentionRise float64 `toml:"attention_rise"`
	// APIRequestsPerMinute bounds each API token's requests to the report and
	// integrity APIs, over a sliding minute (0 turns the bound off).
	APIRequestsPerMinute int `toml:"api_requests_per_minute"`
	// ContestZ, ContestShift, ContestNoVisitShare and ContestBaselineMonths
	// are the thresholds of the detectors that contest unverified ratings
	// (survey.ContestRules).
	ContestZ              float64 `toml:"contest_z"`
	ContestShift          float64 `toml:"contest_shift"`
	ContestNoVisitShare   float64 `toml:"contest_no_visit_share"`
	ContestBaselineMonths int     `toml:"contest_baseline_months"`
	// AccessLogRetention is how long the record of report queries (who
	// asked for which report, when) is kept.
	AccessLogRetention survey.Duration `toml:"access_log_retention"`
}

// DefaultConfig returns the configuration used when no file is given.
func DefaultConfig() Config {
	c := Config{
		Listen:    ":8090",
		Database:  "data/central.db",
		Name:      "Penilaian Layanan ASN",
		Log:       LogConfig{Format: "text", Level: "info"},
		Sync:      SyncConfig{ClockSkewLimit: survey.Duration(10 * time.Minute), MaxConcurrentBatches: 16},
		FollowUps: FollowUpsConfig{DueWorkingDays: 5, Holidays: []string{}},
		Reports: ReportsConfig{MinResponses: 30, MinCell: 5, Attributable: []string{"kompetensi", "perilaku"},
			RewardLowerBound: 88.31, CoachingUpperBound: 76.61, CoachingWeakMonths: 3,
			AttentionRise: 10, APIRequestsPerMinute: 600, ContestZ: 3.29, ContestShift: 10, ContestNoVisitShare: 10, ContestBaselineMonths: 3,
			AccessLogRetention: survey.Duration(400 * 24 * time.Hour)},
		Witness: WitnessConfig{Enabled: true, RequestsPerMinute: 30},
	}
	// Kiosks behind one provincial NAT, or every client behind a reverse
	// proxy, share an address: the per-address bound leaves room for them.
	c.HTTP = web.HTTPConfig{MaxConnections: 1024, MaxConnectionsPerAddress: 256,
		ReadHeaderTimeout: survey.Duration(10 * time.Second), IdleTimeout: survey.Duration(2 * time.Minute)}
	return c
}

// IsPostgres reports whether Database names a PostgreSQL server.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// Validate checks every value and names the key of the first bad one.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("listen: %q is not host:port (for example \":8090\")", c.Listen)
	}
	if strings.TrimSpace(c.Database) == "" {
		return fmt.Errorf("database: must be a file such as \"data/central.db\" or a postgres:// URL")
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
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("log.format: %q must be \"text\" or \"json\"", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q must be debug, info, warn or error", c.Log.Level)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return fmt.Errorf("tls: cert_file and key_file must be given together")
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if c.Sync.MaxConcurrentBatches < 0 {
		return fmt.Errorf("sync.max_concurrent_batches: %d must not be negative (0 turns the bound off)", c.Sync.MaxConcurrentBatches)
	}
	if c.Sync.ClockSkewLimit.D() < 0 {
		return fmt.Errorf("sync.clock_skew_limit: must not be negative")
	}
	if c.FollowUps.DueWorkingDays < 1 || c.FollowUps.DueWorkingDays > 60 {
		return fmt.Errorf("followups.due_working_days: %d must be 1 to 60", c.FollowUps.DueWorkingDays)
	}
	if _, err := survey.NewWorkCalendar(c.FollowUps.Holidays); err != nil {
		return fmt.Errorf("followups.holidays: %v", err)
	}
	if c.Witness.RequestsPerMinute < 0 {
		return fmt.Errorf("witness.requests_per_minute: %d must not be negative (0 turns the bound off)", c.Witness.RequestsPerMinute)
	}
	return c.Reports.validate()
}

func (r *ReportsConfig) validate() error {
	if r.MinResponses < 1 {
		return fmt.Errorf("reports.min_responses: %d must be at least 1", r.MinResponses)
	}
	if r.MinCell < 1 {
		return fmt.Errorf("reports.min_cell: %d must be at least 1", r.MinCell)
	}
	if len(r.Attributable) == 0 {
		return fmt.Errorf("reports.attributable: name at least one element (default kompetensi and perilaku)")
	}
	for _, e := range r.Attributable {
		if !survey.Element(e).Valid() {
			return fmt.Errorf("reports.attributable: %q is not an element code", e)
		}
	}
	for key, v := range map[string]float64{"reward_lower_bound": r.RewardLowerBound, "coaching_upper_bound": r.CoachingUpperBound} {
		if v < 25 || v > 100 {
			return fmt.Errorf("reports.%s: %v must be on the converted scale 25–100", key, v)
		}
	}
	if r.CoachingUpperBound > r.RewardLowerBound {
		return fmt.Errorf("reports.coaching_upper_bound: %v must not be above reward_lower_bound %v", r.CoachingUpperBound, r.RewardLowerBound)
	}
	if r.CoachingWeakMonths < 0 || r.CoachingWeakMonths > 12 {
		return fmt.Errorf("reports.coaching_weak_months: %d must be 0 (off) to 12", r.CoachingWeakMonths)
	}
	if r.AttentionRise < 0 || r.AttentionRise > 100 {
		return fmt.Errorf("reports.attention_rise: %v must be 0 (off) to 100 percentage points", r.AttentionRise)
	}
	if r.APIRequestsPerMinute < 0 {
		return fmt.Errorf("reports.api_requests_per_minute: %d must not be negative (0 turns the bound off)", r.APIRequestsPerMinute)
	}
	if r.ContestZ < 1.96 || r.ContestZ > 10 {
		return fmt.Errorf("reports.contest_z: %v must be 1.96 (p = 0.05) to 10", r.ContestZ)
	}
	if r.ContestShift < 0 || r.ContestShift > 75 {
		return fmt.Errorf("reports.contest_shift: %v must be 0 to 75 index points", r.ContestShift)
	}
	if r.ContestNoVisitShare < 0 || r.ContestNoVisitShare > 100 {
		return fmt.Errorf("reports.contest_no_visit_share: %v must be 0 to 100 percent", r.ContestNoVisitShare)
	}
	if r.ContestBaselineMonths < 0 || r.ContestBaselineMonths > 12 {
		return fmt.Errorf("reports.contest_baseline_months: %d must be 0 (off) to 12", r.ContestBaselineMonths)
	}
	if r.AccessLogRetention.D() < 24*time.Hour {
		return fmt.Errorf("reports.access_log_retention: %s must be at least 1d: misuse of reports must stay traceable", time.Duration(r.AccessLogRetention))
	}
	return nil
}

// Rules returns the report rules of this configuration.
func (r ReportsConfig) Rules() survey.ReportRules {
	rules := survey.ReportRules{MinResponses: r.MinResponses, MinCell: r.MinCell, RewardLowerBound: r.RewardLowerBound,
		CoachingUpperBound: r.CoachingUpperBound, CoachingWeakMonths: r.CoachingWeakMonths, TemplateMode: r.TemplateMode,
		Contest: survey.ContestRules{Z: r.ContestZ, Shift: r.ContestShift, NoVisitShare: r.ContestNoVisitShare, BaselineMonths: r.ContestBaselineMonths}}
	for _, e := range r.Attributable {
		rules.Attributable = append(rules.Attributable, survey.Element(e))
	}
	return rules
}
