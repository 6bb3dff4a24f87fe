package kiosk

import (
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// VisitsConfig tunes one-time visit codes.
type VisitsConfig struct {
	// TTL is how long a visit code stays valid after the counter creates it.
	TTL survey.Duration `toml:"ttl"`
	// PerAccount bounds the visit codes one counter account may create per
	// MintWindow, PerToken those of one counter token (0: no bound).
	PerAccount int             `toml:"per_account"`
	PerToken   int             `toml:"per_token"`
	MintWindow survey.Duration `toml:"mint_window"`
	// TabletWindow is how long an enrolled desk tablet offers "rate
	// <officer> now" for a visit the counter sent to it.
	TabletWindow survey.Duration `toml:"tablet_window"`
}

// AccountCap and TokenCap are the minting caps of a counter account and a counter token.
func (v VisitsConfig) AccountCap() survey.MintCap {
	return survey.MintCap{Count: v.PerAccount, Window: v.MintWindow.D(), Reason: survey.RefusedMintAccount}
}

// TokenCap is the minting cap of a counter token.
func (v VisitsConfig) TokenCap() survey.MintCap {
	return survey.MintCap{Count: v.PerToken, Window: v.MintWindow.D(), Reason: survey.RefusedMintToken}
}

// LimitsConfig bounds ratings through the static QR code and the
// unauthenticated API; a count of 0 turns its limit off.
type LimitsConfig struct {
	// PerDevice ratings of one staff member from one device per DeviceWindow.
	PerDevice    int             `toml:"per_device"`
	DeviceWindow survey.Duration `toml:"device_window"`
	// PerAddress ratings of one staff member from one client address per AddressWindow.
	PerAddress    int             `toml:"per_address"`
	AddressWindow survey.Duration `toml:"address_window"`
	// More than BurstCount ratings of one staff member within BurstWindow are flagged.
	BurstCount  int             `toml:"burst_count"`
	BurstWindow survey.Duration `toml:"burst_window"`
	// NoVisitWindow flags unverified ratings of a staff member without a visit
	// in this window while the office issues visits ("0s" turns it off).
	NoVisitWindow survey.Duration `toml:"no_visit_window"`
	// KeyRotation is how often the key of the device and address hashes is replaced.
	KeyRotation survey.Duration `toml:"key_rotation"`
}

// Limits returns the limits for the store.
func (l LimitsConfig) Limits() survey.Limits {
	return survey.Limits{PerDevice: l.PerDevice, DeviceWindow: l.DeviceWindow.D(), PerAddress: l.PerAddress,
		AddressWindow: l.AddressWindow.D(), BurstCount: l.BurstCount, BurstWindow: l.BurstWindow.D(), NoVisitWindow: l.NoVisitWindow.D()}
}

// PrivacyConfig sets the optional follow-up contact and how long data is kept.
type PrivacyConfig struct {
	// FollowUp offers citizens an optional contact for a follow-up, with consent.
	FollowUp bool `toml:"followup"`
	// ContactRetention deletes a follow-up contact nobody closed after this long.
	ContactRetention survey.Duration `toml:"contact_retention"`
	// VisitRetention deletes visit codes this long after they were issued.
	VisitRetention survey.Duration `toml:"visit_retention"`
	// PurgeSchedule is when the daily retention job runs (cron, Asia/Jakarta).
	PurgeSchedule string `toml:"purge_schedule"`
	// Witness, with central.public_url, gives each rating a receipt code and
	// makes the citizen's phone deliver the kiosk's signed head (no rating
	// content, no personal data) to central from the thank-you page.
	Witness bool `toml:"witness"`
}

func defaultSecurity(c *Config) {
	c.Visits = VisitsConfig{TTL: survey.Duration(survey.DefaultVisitTTL), PerAccount: 30, PerToken: 60,
		MintWindow: survey.Duration(time.Hour), TabletWindow: survey.Duration(10 * time.Minute)}
	c.Limits = LimitsConfig{PerDevice: 1, DeviceWindow: survey.Duration(4 * time.Hour), PerAddress: 10,
		AddressWindow: survey.Duration(time.Hour), BurstCount: 5, BurstWindow: survey.Duration(10 * time.Minute),
		NoVisitWindow: survey.Duration(4 * time.Hour), KeyRotation: survey.Duration(24 * time.Hour)}
	c.Privacy = PrivacyConfig{FollowUp: true, ContactRetention: survey.Duration(30 * 24 * time.Hour),
		VisitRetention: survey.Duration(90 * 24 * time.Hour), PurgeSchedule: "30 3 * * *", Witness: true}
}

func (c *Config) validateSecurity() error {
	if d := c.Visits.TTL.D(); d < 5*time.Minute || d > 7*24*time.Hour {
		return fmt.Errorf("visits.ttl: %s must be between 5m and 7d", d)
	}
	for _, n := range []struct {
		key string
		v   int
	}{{"per_account", c.Visits.PerAccount}, {"per_token", c.Visits.PerToken}} {
		if n.v < 0 || n.v > 10000 {
			return fmt.Errorf("visits.%s: %d must be between 0 (no bound) and 10000", n.key, n.v)
		}
	}
	if d := c.Visits.MintWindow.D(); (c.Visits.PerAccount > 0 || c.Visits.PerToken > 0) && (d < time.Minute || d > 7*24*time.Hour) {
		return fmt.Errorf("visits.mint_window: %s must be between 1m and 7d", d)
	}
	if d := c.Visits.TabletWindow.D(); d < time.Minute || d > c.Visits.TTL.D() {
		return fmt.Errorf("visits.tablet_window: %s must be between 1m and visits.ttl (%s)", d, c.Visits.TTL.D())
	}
	l := c.Limits
	for _, n := range []struct {
		key string
		v   int
	}{{"per_device", l.PerDevice}, {"per_address", l.PerAddress}, {"burst_count", l.BurstCount}} {
		if n.v < 0 || n.v > 10000 {
			return fmt.Errorf("limits.%s: %d must be between 0 (off) and 10000", n.key, n.v)
		}
	}
	windows := []struct {
		key string
		on  bool
		d   time.Duration
	}{{"device_window", l.PerDevice > 0, l.DeviceWindow.D()}, {"address_window", l.PerAddress > 0, l.AddressWindow.D()},
		{"burst_window", l.BurstCount > 0, l.BurstWindow.D()}}
	for _, w := range windows {
		if w.on && (w.d < time.Minute || w.d > 7*24*time.Hour) {
			return fmt.Errorf("limits.%s: %s must be between 1m and 7d", w.key, w.d)
		}
	}
	if d := l.NoVisitWindow.D(); d < 0 || d > 7*24*time.Hour {
		return fmt.Errorf("limits.no_visit_window: %s must be between 0s (off) and 7d", d)
	}
	rot := l.KeyRotation.D()
	if rot < time.Hour || rot > 30*24*time.Hour {
		return fmt.Errorf("limits.key_rotation: %s must be between 1h and 30d", rot)
	}
	if (l.PerDevice > 0 && rot < l.DeviceWindow.D()) || (l.PerAddress > 0 && rot < l.AddressWindow.D()) {
		return fmt.Errorf("limits.key_rotation: %s must be at least device_window and address_window", rot)
	}
	if d := c.Privacy.ContactRetention.D(); d < 24*time.Hour {
		return fmt.Errorf("privacy.contact_retention: %s must be at least 1d", d)
	}
	if d := c.Privacy.VisitRetention.D(); d < 24*time.Hour {
		return fmt.Errorf("privacy.visit_retention: %s must be at least 1d", d)
	}
	if c.Privacy.PurgeSchedule == "" {
		return fmt.Errorf("privacy.purge_schedule: must be a cron expression such as \"30 3 * * *\"")
	}
	return nil
}

// Retention returns the retention policy the daily job applies.
func (c *Config) Retention() survey.RetentionPolicy {
	p := survey.RetentionPolicy{Visits: c.Privacy.VisitRetention.D(), Contacts: c.Privacy.ContactRetention.D(),
		Pseudonyms: 2 * c.Limits.KeyRotation.D(), Refusals: c.Privacy.VisitRetention.D(),
		TrackingCodes: c.Privacy.VisitRetention.D(), Partials: c.Sync.Retention.D()}
	if c.Central.Enabled() {
		p.SyncedResponses = c.Sync.Retention.D()
	}
	return p
}
