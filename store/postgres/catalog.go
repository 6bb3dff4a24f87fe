package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// FindOfficeServices lists an office's catalogue in display order.
func (d *DB) FindOfficeServices(ctx context.Context, officeID int64, activeOnly bool) ([]survey.Service, error) {
	q := "SELECT code, name_id, name_en, grp, active FROM services WHERE office_id = $1"
	if activeOnly {
		q += " AND active"
	}
	rows, err := d.pool.Query(ctx, q+" ORDER BY position, code", officeID)
	if err != nil {
		return nil, fmt.Errorf("find services: %w", translate(err))
	}
	return collect(rows, "find services", func(row pgx.Row) (survey.Service, error) {
		var s survey.Service
		err := row.Scan(&s.Code, &s.NameID, &s.NameEN, &s.Group, &s.Active)
		return s, err
	})
}

// SaveOfficeService adds a service at the end of an office's catalogue or updates an existing one.
func (d *DB) SaveOfficeService(ctx context.Context, officeID int64, s *survey.Service) error {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return err
	}
	_, err := d.pool.Exec(ctx, `INSERT INTO services (office_id, code, name_id, name_en, grp, active, position)
		VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(position), 0) + 1 FROM services WHERE office_id = $1))
		ON CONFLICT (office_id, code) DO UPDATE SET name_id = excluded.name_id, name_en = excluded.name_en,
			grp = excluded.grp, active = excluded.active`, officeID, s.Code, s.NameID, s.NameEN, s.Group, s.Active)
	if err != nil {
		return fmt.Errorf("save service: %w", translateRef(err, errNoOffice(officeID)))
	}
	return nil
}

// OfficeWording returns an office's wording overrides per language (survey.WordingLanguages).
func (d *DB) OfficeWording(ctx context.Context, officeID int64) (map[string]survey.Wording, error) {
	rows, err := d.pool.Query(ctx, "SELECT lang, json::text FROM wording WHERE office_id = $1", officeID)
	if err != nil {
		return nil, fmt.Errorf("read wording: %w", translate(err))
	}
	type entry struct{ lang, js string }
	entries, err := collect(rows, "read wording", func(row pgx.Row) (entry, error) {
		var e entry
		err := row.Scan(&e.lang, &e.js)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]survey.Wording, len(entries))
	for _, e := range entries {
		w, err := survey.ParseWording(e.js)
		if err != nil {
			return nil, fmt.Errorf("wording %s of office %d: %w", e.lang, officeID, err)
		}
		out[e.lang] = w
	}
	return out, nil
}

// SetOfficeWording stores an office's wording overrides for one language.
func (d *DB) SetOfficeWording(ctx context.Context, officeID int64, lang string, w survey.Wording) error {
	if err := survey.ValidateWording(lang, w); err != nil {
		return err
	}
	js, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("encode wording: %w", err)
	}
	_, err = d.pool.Exec(ctx, `INSERT INTO wording (office_id, lang, json) VALUES ($1, $2, $3)
		ON CONFLICT (office_id, lang) DO UPDATE SET json = excluded.json`, officeID, lang, string(js))
	if err != nil {
		return fmt.Errorf("store wording: %w", translateRef(err, errNoOffice(officeID)))
	}
	return nil
}
