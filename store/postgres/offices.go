package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
func (d *DB) CreateOffice(ctx context.Context, o *survey.Office) error {
	name, err := normalizeOfficeName(o.Name)
	if err != nil {
		return err
	}
	o.Name, o.CreatedAt = name, utc(d.now())
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("create office: %w", translate(err))
	}
	defer tx.Rollback(ctx)
	err = tx.QueryRow(ctx, "INSERT INTO offices (name, created_at) VALUES ($1, $2) RETURNING id", o.Name, o.CreatedAt).Scan(&o.ID)
	if survey.ErrorCode(translate(err)) == survey.ECONFLICT {
		return &survey.Error{Code: survey.ECONFLICT, Field: "name",
			Message: "an office named " + o.Name + " already exists", MessageID: "kantor bernama " + o.Name + " sudah ada"}
	}
	if err != nil {
		return fmt.Errorf("create office: %w", translate(err))
	}
	rows := make([][]any, 0, len(survey.DefaultServices()))
	for i, s := range survey.DefaultServices() {
		rows = append(rows, []any{o.ID, s.Code, s.NameID, s.NameEN, s.Group, true, i})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"services"}, []string{"office_id", "code", "name_id", "name_en", "grp", "active", "position"},
		pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("seed services of office %s: %w", o.Name, translate(err))
	}
	return translate(tx.Commit(ctx))
}

func scanOffice(row pgx.Row) (survey.Office, error) {
	var o survey.Office
	err := row.Scan(&o.ID, &o.Name, &o.CreatedAt)
	o.CreatedAt = o.CreatedAt.UTC()
	return o, err
}

func (d *DB) officeWhere(ctx context.Context, where string, arg any) (survey.Office, error) {
	o, err := scanOffice(d.pool.QueryRow(ctx, "SELECT id, name, created_at FROM offices WHERE "+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return o, survey.NewError(survey.ENOTFOUND, fmt.Sprintf("no office %v", arg), fmt.Sprintf("tidak ada kantor %v", arg))
	}
	if err != nil {
		return o, fmt.Errorf("read office: %w", translate(err))
	}
	return o, nil
}

// OfficeByID returns one office.
func (d *DB) OfficeByID(ctx context.Context, id int64) (survey.Office, error) {
	return d.officeWhere(ctx, "id = $1", id)
}

// OfficeByName returns the office with that name (spaces collapsed).
func (d *DB) OfficeByName(ctx context.Context, name string) (survey.Office, error) {
	return d.officeWhere(ctx, "name = $1", strings.Join(strings.Fields(name), " "))
}

// FindOffices lists every office by name.
func (d *DB) FindOffices(ctx context.Context) ([]survey.Office, error) {
	rows, err := d.pool.Query(ctx, "SELECT id, name, created_at FROM offices ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("find offices: %w", translate(err))
	}
	return collect(rows, "find offices", scanOffice)
}

// CreateKiosk registers a kiosk of an existing office with its public key.
func (d *DB) CreateKiosk(ctx context.Context, k *survey.Kiosk) error {
	if k.ID == "" || len(k.PublicKey) == 0 {
		return survey.Invalid("kiosk_id", "a kiosk needs an id and a public key", "kiosk harus punya id dan kunci publik")
	}
	k.CreatedAt = utc(d.now())
	var registered *time.Time
	if k.RegisteredAt.IsZero() && !k.RegisteredUnknown {
		k.RegisteredAt = k.CreatedAt
	}
	if !k.RegisteredAt.IsZero() {
		k.RegisteredAt = utc(k.RegisteredAt)
		registered = &k.RegisteredAt
	}
	err := d.pool.QueryRow(ctx, `WITH k AS (INSERT INTO kiosks (id, office_id, public_key, created_at, registered_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING office_id) SELECT o.name FROM k JOIN offices o ON o.id = k.office_id`,
		k.ID, k.OfficeID, k.PublicKey, k.CreatedAt, registered).Scan(&k.OfficeName)
	if err != nil {
		err = translateRef(err, errNoOffice(k.OfficeID))
		if survey.ErrorCode(err) == survey.ECONFLICT {
			return survey.NewError(survey.ECONFLICT, "kiosk "+k.ID+" already exists", "kiosk "+k.ID+" sudah ada")
		}
		return fmt.Errorf("create kiosk: %w", err)
	}
	return nil
}

const kioskColumns = `k.id, k.office_id, o.name, k.public_key, k.revoked, k.revoked_at, k.created_at, k.last_seen_at,
	k.clock_skew_ms, k.head_seq, k.head_hash, k.registered_at`

const kioskFrom = " FROM kiosks k JOIN offices o ON o.id = k.office_id"

func scanKiosk(row pgx.Row) (survey.Kiosk, error) {
	var k survey.Kiosk
	var revokedAt, lastSeen, registered *time.Time
	var skewMS int64
	err := row.Scan(&k.ID, &k.OfficeID, &k.OfficeName, &k.PublicKey, &k.Revoked, &revokedAt, &k.CreatedAt, &lastSeen,
		&skewMS, &k.Head.Seq, &k.Head.Hash, &registered)
	k.CreatedAt, k.RevokedAt, k.LastSeenAt = k.CreatedAt.UTC(), fromOpt(revokedAt), fromOpt(lastSeen)
	k.RegisteredAt = fromOpt(registered)
	k.ClockSkew = time.Duration(skewMS) * time.Millisecond
	return k, err
}

// kioskByID reads a kiosk through q; lock appends a row lock clause.
func kioskByID(ctx context.Context, q querier, id, lock string) (survey.Kiosk, error) {
	k, err := scanKiosk(q.QueryRow(ctx, "SELECT "+kioskColumns+kioskFrom+" WHERE k.id = $1"+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return k, survey.NewError(survey.ENOTFOUND, "no kiosk "+id, "tidak ada kiosk "+id)
	}
	if err != nil {
		return k, fmt.Errorf("read kiosk: %w", translate(err))
	}
	return k, nil
}

// KioskByID returns one kiosk with its office name and chain head.
func (d *DB) KioskByID(ctx context.Context, id string) (survey.Kiosk, error) {
	return kioskByID(ctx, d.pool, id, "")
}

// FindKiosks lists the kiosks of an office, or of every office when officeID is 0.
func (d *DB) FindKiosks(ctx context.Context, officeID int64) ([]survey.Kiosk, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+kioskColumns+kioskFrom+" WHERE $1 = 0 OR k.office_id = $1 ORDER BY o.name, k.id", officeID)
	if err != nil {
		return nil, fmt.Errorf("find kiosks: %w", translate(err))
	}
	return collect(rows, "find kiosks", scanKiosk)
}

// RevokeKiosk refuses every later request of the kiosk; the first revocation time is kept.
func (d *DB) RevokeKiosk(ctx context.Context, id string, at time.Time) error {
	tag, err := d.pool.Exec(ctx, "UPDATE kiosks SET revoked = true, revoked_at = COALESCE(revoked_at, $1) WHERE id = $2", utc(at), id)
	if err != nil {
		return fmt.Errorf("revoke kiosk: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return survey.NewError(survey.ENOTFOUND, "no kiosk "+id, "tidak ada kiosk "+id)
	}
	return nil
}
