package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

var _ survey.TabletStore = (*KioskDB)(nil)

const tabletColumns = "id, name, pin_address, enrolled_by, enrolled_at, last_seen_at, revoked_at"

func scanTablet(sc scanner) (survey.Tablet, error) {
	var t survey.Tablet
	var enrolled, seen, revoked string
	err := sc.Scan(&t.ID, &t.Name, &t.PinAddress, &t.EnrolledBy, &enrolled, &seen, &revoked)
	t.EnrolledAt = parseTime(enrolled)
	if seen != "" {
		t.LastSeenAt = parseTime(seen)
	}
	if revoked != "" {
		t.RevokedAt = parseTime(revoked)
	}
	return t, err
}

// CreateTablet stores a newly enrolled tablet.
func (k *KioskDB) CreateTablet(ctx context.Context, t *survey.Tablet) error {
	name, err := survey.ValidateTabletName(t.Name)
	if err != nil {
		return err
	}
	t.Name = name
	t.EnrolledAt = t.EnrolledAt.UTC().Truncate(time.Microsecond)
	if _, err := k.db.ExecContext(ctx, `INSERT INTO tablets (id, name, pin_address, enrolled_by, enrolled_at) VALUES (?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.PinAddress, t.EnrolledBy, formatTime(t.EnrolledAt)); err != nil {
		return fmt.Errorf("enroll tablet: %w", translate(err))
	}
	return nil
}

// TabletByID returns a tablet, revoked or not.
func (k *KioskDB) TabletByID(ctx context.Context, id string) (survey.Tablet, error) {
	t, err := scanTablet(k.db.QueryRowContext(ctx, "SELECT "+tabletColumns+" FROM tablets WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, survey.NewError(survey.ENOTFOUND, "no such tablet", "tablet tidak ditemukan")
	}
	if err != nil {
		return t, fmt.Errorf("read tablet: %w", translate(err))
	}
	return t, nil
}

// FindTablets lists the tablets, active ones first, then by name.
func (k *KioskDB) FindTablets(ctx context.Context) ([]survey.Tablet, error) {
	return queryAll(ctx, k.db, "find tablets", scanTablet,
		"SELECT "+tabletColumns+" FROM tablets ORDER BY revoked_at != '', name COLLATE NOCASE, enrolled_at")
}

// RenameTablet changes a tablet's name.
func (k *KioskDB) RenameTablet(ctx context.Context, id, name string) error {
	name, err := survey.ValidateTabletName(name)
	if err != nil {
		return err
	}
	res, err := k.db.ExecContext(ctx, "UPDATE tablets SET name = ? WHERE id = ?", name, id)
	if err != nil {
		return fmt.Errorf("rename tablet: %w", translate(err))
	}
	return mustAffect(res, "no such tablet", "tablet tidak ditemukan")
}

// RevokeTablet revokes a tablet; revoking it again keeps the first time.
func (k *KioskDB) RevokeTablet(ctx context.Context, id string, at time.Time) error {
	res, err := k.db.ExecContext(ctx, "UPDATE tablets SET revoked_at = CASE WHEN revoked_at = '' THEN ? ELSE revoked_at END WHERE id = ?",
		formatTime(at), id)
	if err != nil {
		return fmt.Errorf("revoke tablet: %w", translate(err))
	}
	return mustAffect(res, "no such tablet", "tablet tidak ditemukan")
}

// TouchTablet records the tablet's use at at; at most once a minute is
// written, so a busy tablet does not write on every page.
func (k *KioskDB) TouchTablet(ctx context.Context, id string, at time.Time) error {
	_, err := k.db.ExecContext(ctx, "UPDATE tablets SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?",
		formatTime(at), id, formatTime(at.Add(-time.Minute)))
	if err != nil {
		return fmt.Errorf("record tablet use: %w", translate(err))
	}
	return nil
}
