package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// normalizeOfficeName collapses spaces and checks the name's length.
func normalizeOfficeName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || len([]rune(name)) > 200 {
		return name, survey.Invalid("name", "the office needs a name of at most 200 characters",
			"kantor harus punya nama paling banyak 200 karakter")
	}
	return name, nil
}

// CreateOffice adds an office and seeds its service catalogue with
// survey.DefaultServices; a name already in use is a conflict.
func (c *CentralDB) CreateOffice(ctx context.Context, o *survey.Office) error {
	name, err := normalizeOfficeName(o.Name)
	if err != nil {
		return err
	}
	o.Name, o.CreatedAt = name, c.now().UTC().Truncate(time.Microsecond)
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create office: %w", translate(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "INSERT INTO offices (name, created_at) VALUES (?, ?)", o.Name, formatTime(o.CreatedAt))
	if survey.ErrorCode(translate(err)) == survey.ECONFLICT {
		return &survey.Error{Code: survey.ECONFLICT, Field: "name",
			Message: "an office named " + o.Name + " already exists", MessageID: "kantor bernama " + o.Name + " sudah ada"}
	}
	if err != nil {
		return fmt.Errorf("create office: %w", translate(err))
	}
	if o.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create office: %w", err)
	}
	for i, s := range survey.DefaultServices() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO services (office_id, code, name_id, name_en, grp, active, position)
			VALUES (?, ?, ?, ?, ?, 1, ?)`, o.ID, s.Code, s.NameID, s.NameEN, s.Group, i); err != nil {
			return fmt.Errorf("seed services of office %s: %w", o.Name, translate(err))
		}
	}
	return translate(tx.Commit())
}

func scanOffice(sc scanner) (survey.Office, error) {
	var o survey.Office
	var created string
	err := sc.Scan(&o.ID, &o.Name, &created)
	o.CreatedAt = parseTime(created)
	return o, err
}

func (c *CentralDB) officeWhere(ctx context.Context, where string, arg any) (survey.Office, error) {
	o, err := scanOffice(c.db.QueryRowContext(ctx, "SELECT id, name, created_at FROM offices WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return o, survey.NewError(survey.ENOTFOUND, fmt.Sprintf("no office %v", arg), fmt.Sprintf("tidak ada kantor %v", arg))
	}
	if err != nil {
		return o, fmt.Errorf("read office: %w", translate(err))
	}
	return o, nil
}

// OfficeByID returns one office.
func (c *CentralDB) OfficeByID(ctx context.Context, id int64) (survey.Office, error) {
	return c.officeWhere(ctx, "id = ?", id)
}

// OfficeByName returns the office with that name (spaces collapsed).
func (c *CentralDB) OfficeByName(ctx context.Context, name string) (survey.Office, error) {
	return c.officeWhere(ctx, "name = ?", strings.Join(strings.Fields(name), " "))
}

// FindOffices lists every office by name.
func (c *CentralDB) FindOffices(ctx context.Context) ([]survey.Office, error) {
	return queryAll(ctx, c.db, "find offices", scanOffice, "SELECT id, name, created_at FROM offices ORDER BY name")
}

// CreateKiosk registers a kiosk of an existing office with its public key.
func (c *CentralDB) CreateKiosk(ctx context.Context, k *survey.Kiosk) error {
	if k.ID == "" || len(k.PublicKey) == 0 {
		return survey.Invalid("kiosk_id", "a kiosk needs an id and a public key", "kiosk harus punya id dan kunci publik")
	}
	k.CreatedAt = c.now().UTC().Truncate(time.Microsecond)
	registered := ""
	if k.RegisteredAt.IsZero() && !k.RegisteredUnknown {
		k.RegisteredAt = k.CreatedAt
	}
	if !k.RegisteredAt.IsZero() {
		k.RegisteredAt = k.RegisteredAt.UTC().Truncate(time.Microsecond)
		registered = formatTime(k.RegisteredAt)
	}
	_, err := c.db.ExecContext(ctx, "INSERT INTO kiosks (id, office_id, public_key, created_at, registered_at) VALUES (?, ?, ?, ?, ?)",
		k.ID, k.OfficeID, k.PublicKey, formatTime(k.CreatedAt), registered)
	if err != nil {
		err = translateRef(err, errNoOffice(k.OfficeID))
		if survey.ErrorCode(err) == survey.ECONFLICT {
			return survey.NewError(survey.ECONFLICT, "kiosk "+k.ID+" already exists", "kiosk "+k.ID+" sudah ada")
		}
		return fmt.Errorf("create kiosk: %w", err)
	}
	o, err := c.OfficeByID(ctx, k.OfficeID)
	k.OfficeName = o.Name
	return err
}

const kioskColumns = `k.id, k.office_id, o.name, k.public_key, k.revoked, k.revoked_at, k.created_at, k.last_seen_at,
	k.clock_skew_ms, k.head_seq, k.head_hash, k.registered_at`

const kioskFrom = " FROM kiosks k JOIN offices o ON o.id = k.office_id"

func scanKiosk(sc scanner) (survey.Kiosk, error) {
	var k survey.Kiosk
	var revokedAt, created, lastSeen, registered string
	var skewMS int64
	err := sc.Scan(&k.ID, &k.OfficeID, &k.OfficeName, &k.PublicKey, &k.Revoked, &revokedAt, &created, &lastSeen,
		&skewMS, &k.Head.Seq, &k.Head.Hash, &registered)
	k.CreatedAt, k.ClockSkew = parseTime(created), time.Duration(skewMS)*time.Millisecond
	if registered != "" {
		k.RegisteredAt = parseTime(registered)
	}
	if revokedAt != "" {
		k.RevokedAt = parseTime(revokedAt)
	}
	if lastSeen != "" {
		k.LastSeenAt = parseTime(lastSeen)
	}
	return k, err
}

// kioskByID reads a kiosk through q (the pool or a transaction).
func kioskByID(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string) (survey.Kiosk, error) {
	k, err := scanKiosk(q.QueryRowContext(ctx, "SELECT "+kioskColumns+kioskFrom+" WHERE k.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return k, survey.NewError(survey.ENOTFOUND, "no kiosk "+id, "tidak ada kiosk "+id)
	}
	if err != nil {
		return k, fmt.Errorf("read kiosk: %w", translate(err))
	}
	return k, nil
}

// KioskByID returns one kiosk with its office name and chain head.
func (c *CentralDB) KioskByID(ctx context.Context, id string) (survey.Kiosk, error) {
	return kioskByID(ctx, c.db, id)
}

// FindKiosks lists the kiosks of an office, or of every office when officeID is 0.
func (c *CentralDB) FindKiosks(ctx context.Context, officeID int64) ([]survey.Kiosk, error) {
	return queryAll(ctx, c.db, "find kiosks", scanKiosk,
		"SELECT "+kioskColumns+kioskFrom+" WHERE ? = 0 OR k.office_id = ? ORDER BY o.name, k.id", officeID, officeID)
}

// RevokeKiosk refuses every later request of the kiosk; the first revocation time is kept.
func (c *CentralDB) RevokeKiosk(ctx context.Context, id string, at time.Time) error {
	res, err := c.db.ExecContext(ctx, `UPDATE kiosks SET revoked = 1,
		revoked_at = CASE WHEN revoked = 1 THEN revoked_at ELSE ? END WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("revoke kiosk: %w", translate(err))
	}
	return mustAffect(res, "no kiosk "+id, "tidak ada kiosk "+id)
}
