package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// The writer applies a submission's intake (its visit, limits, flags and
// follow-up contact) inside the transaction that stores the response: a
// visit is spent exactly once and a limit holds under concurrent requests,
// because the group writer is the only writer of responses.

// checkVisit refuses a response through a visit that is unknown, used,
// expired, for another staff member or service, or claimed by another
// device than in.Claimant (that refusal marks the visit contested). It
// claims an unclaimed visit for in.Claimant, and flags the response
// code_contested or own_device as the visit's record says.
func checkVisit(ctx context.Context, tx querier, r *survey.Response, in survey.Intake) error {
	v, err := scanVisit(tx.QueryRowContext(ctx, "SELECT "+visitColumns+" FROM visits WHERE id = ?", r.VisitID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return survey.ErrVisitForged()
	case err != nil:
		return fmt.Errorf("look up visit: %w", translate(err))
	case v.Used():
		return survey.ErrVisitUsed()
	case v.NIP != r.NIP:
		e := survey.ErrVisitForged()
		e.Message += " (the code belongs to another officer)"
		e.MessageID += " (kode ini milik petugas lain)"
		return e
	case v.Service != r.Service:
		return &survey.Error{Code: survey.EINVALID, Field: "service",
			Message:   fmt.Sprintf("this visit code is for service %s, not %s", v.Service, r.Service),
			MessageID: fmt.Sprintf("kode kunjungan ini untuk layanan %s, bukan %s", v.Service, r.Service)}
	case !r.CreatedAt.Before(v.ExpiresAt):
		return survey.ErrVisitExpired()
	}
	if in.Claimant != nil {
		if v, err = claimVisit(ctx, tx, v, *in.Claimant, r.CreatedAt); err != nil {
			return err
		}
	}
	if v.Contested() {
		r.Flags = appendNew(r.Flags, survey.FlagCodeContested)
	}
	if v.OpenedOwn {
		r.Flags = appendNew(r.Flags, survey.FlagOwnDevice)
	}
	return nil
}

// appendNew appends f to flags unless it is there already.
func appendNew(flags []string, f string) []string {
	if slices.Contains(flags, f) {
		return flags
	}
	return append(flags, f)
}

// countRefusal counts one refused attempt on at's Asia/Jakarta day.
func countRefusal(ctx context.Context, tx querier, at time.Time, nip, reason string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO refusals (day, nip, reason, count) VALUES (?, ?, ?, 1)
		ON CONFLICT (day, nip, reason) DO UPDATE SET count = count + 1`,
		survey.JakartaDate(at), nip, reason); err != nil {
		return fmt.Errorf("count refusal: %w", translate(err))
	}
	return nil
}

// checkLimits refuses a rating over a per-device or per-address limit and
// counts the refusal (the count is written even though the rating is not).
func checkLimits(ctx context.Context, tx querier, r *survey.Response, in survey.Intake) error {
	checks := []struct {
		kind, reason string
		hashes       []string
		limit        int
		window       time.Duration
	}{
		{"device", survey.RefusedDevice, in.Device, in.Limits.PerDevice, in.Limits.DeviceWindow},
		{"address", survey.RefusedAddress, in.Address, in.Limits.PerAddress, in.Limits.AddressWindow},
	}
	for _, ch := range checks {
		if ch.limit <= 0 || len(ch.hashes) == 0 {
			continue
		}
		args := []any{ch.kind, r.NIP, formatTime(r.CreatedAt.Add(-ch.window))}
		for _, h := range ch.hashes {
			args = append(args, h)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM rate_events WHERE kind = ? AND nip = ? AND at > ?
			AND key_hash IN (`+placeholders(len(ch.hashes))+`)`, args...).Scan(&n); err != nil {
			return fmt.Errorf("count %s ratings: %w", ch.kind, translate(err))
		}
		if n < ch.limit {
			continue
		}
		if err := countRefusal(ctx, tx, r.CreatedAt, r.NIP, ch.reason); err != nil {
			return err
		}
		return survey.ErrRateLimited(ch.reason)
	}
	return nil
}

// suspicionFlags returns the flags the kiosk's rules raise for r.
func suspicionFlags(ctx context.Context, tx *groupTx, r *survey.Response, in survey.Intake) ([]string, error) {
	var flags []string
	l := in.Limits
	if l.BurstCount > 0 && l.BurstWindow > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM responses WHERE nip = ? AND created_at > ?",
			r.NIP, formatTime(r.CreatedAt.Add(-l.BurstWindow))).Scan(&n); err != nil {
			return nil, fmt.Errorf("count recent ratings: %w", translate(err))
		}
		if n >= l.BurstCount {
			flags = append(flags, survey.FlagBurst)
		}
	}
	if hashes := append(append([]string(nil), in.Device...), in.Address...); len(hashes) > 0 {
		own, err := tx.counterDevice(ctx, r.NIP, hashes)
		if err != nil {
			return nil, err
		}
		if own {
			flags = append(flags, survey.FlagOwnDevice)
		}
	}
	if (in.Limited || in.NoVisitFlag) && l.NoVisitWindow > 0 && r.VisitID == "" {
		var office, mine int
		since := formatTime(r.CreatedAt.Add(-l.NoVisitWindow))
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM visits WHERE issued_at > ?),
			EXISTS (SELECT 1 FROM visits WHERE nip = ? AND issued_at > ?)`, since, r.NIP, since).Scan(&office, &mine); err != nil {
			return nil, fmt.Errorf("look up visits: %w", translate(err))
		}
		if office == 1 && mine == 0 {
			flags = append(flags, survey.FlagNoVisit)
		}
	}
	if in.Limited && r.Channel == survey.ChannelQR && len(in.Device) == 0 {
		flags = append(flags, survey.FlagNoDevice)
	}
	return flags, nil
}

// recordIntake writes what follows a stored response: the visit is spent,
// the rating counts against the limits, and the contact is kept apart.
func recordIntake(ctx context.Context, tx querier, r *survey.Response, in survey.Intake) error {
	at := formatTime(r.CreatedAt)
	if r.VisitID != "" {
		res, err := tx.ExecContext(ctx, "UPDATE visits SET used_at = ?, response_id = ? WHERE id = ? AND used_at IS NULL", at, r.ID, r.VisitID)
		if err != nil {
			return fmt.Errorf("spend visit: %w", translate(err))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("spend visit %s: %d rows changed (%v)", r.VisitID, n, err)
		}
	}
	if in.Limited {
		for _, ev := range []struct {
			kind   string
			hashes []string
			limit  int
		}{{"device", in.Device, in.Limits.PerDevice}, {"address", in.Address, in.Limits.PerAddress}} {
			if ev.limit <= 0 || len(ev.hashes) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO rate_events (kind, key_hash, nip, at) VALUES (?, ?, ?, ?)",
				ev.kind, ev.hashes[0], r.NIP, at); err != nil {
				return fmt.Errorf("count rating: %w", translate(err))
			}
		}
	}
	if c := in.Contact; c != nil {
		if _, err := tx.ExecContext(ctx, "INSERT INTO followups (response_id, contact, consent_text, lang, created_at) VALUES (?, ?, ?, ?, ?)",
			r.ID, c.Contact, c.Consent, c.Lang, at); err != nil {
			return fmt.Errorf("store follow-up contact: %w", translate(err))
		}
		if c.Code != "" {
			if _, err := tx.ExecContext(ctx, "INSERT INTO followup_codes (code, response_id, created_at) VALUES (?, ?, ?)",
				c.Code, r.ID, at); err != nil {
				return fmt.Errorf("store tracking code: %w", translate(err))
			}
		}
	}
	return nil
}
