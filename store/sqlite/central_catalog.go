package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/skmkiosk/skm/survey"
)

// FindOfficeServices lists an office's catalogue in display order.
func (c *CentralDB) FindOfficeServices(ctx context.Context, officeID int64, activeOnly bool) ([]survey.Service, error) {
	q := "SELECT " + serviceColumns + " FROM services WHERE office_id = ?"
	if activeOnly {
		q += " AND active = 1"
	}
	return queryAll(ctx, c.db, "find services", scanService, q+" ORDER BY position, code", officeID)
}

// SaveOfficeService adds a service at the end of an office's catalogue or updates an existing one.
func (c *CentralDB) SaveOfficeService(ctx context.Context, officeID int64, s *survey.Service) error {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return err
	}
	_, err := c.db.ExecContext(ctx, `INSERT INTO services (office_id, code, name_id, name_en, grp, active, position)
		VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM services WHERE office_id = ?))
		ON CONFLICT (office_id, code) DO UPDATE SET name_id = excluded.name_id, name_en = excluded.name_en,
			grp = excluded.grp, active = excluded.active`, officeID, s.Code, s.NameID, s.NameEN, s.Group, s.Active, officeID)
	if err != nil {
		return fmt.Errorf("save service: %w", translateRef(err, errNoOffice(officeID)))
	}
	return nil
}

// OfficeWording returns an office's wording overrides per language (survey.WordingLanguages).
func (c *CentralDB) OfficeWording(ctx context.Context, officeID int64) (map[string]survey.Wording, error) {
	rows, err := c.db.QueryContext(ctx, "SELECT lang, json FROM wording WHERE office_id = ?", officeID)
	if err != nil {
		return nil, fmt.Errorf("read wording: %w", translate(err))
	}
	defer rows.Close()
	out := map[string]survey.Wording{}
	for rows.Next() {
		var lang, js string
		if err := rows.Scan(&lang, &js); err != nil {
			return nil, fmt.Errorf("read wording: %w", err)
		}
		w, err := survey.ParseWording(js)
		if err != nil {
			return nil, fmt.Errorf("wording %s of office %d: %w", lang, officeID, err)
		}
		out[lang] = w
	}
	return out, rows.Err()
}

// SetOfficeWording stores an office's wording overrides for one language.
func (c *CentralDB) SetOfficeWording(ctx context.Context, officeID int64, lang string, w survey.Wording) error {
	if err := survey.ValidateWording(lang, w); err != nil {
		return err
	}
	js, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("encode wording: %w", err)
	}
	_, err = c.db.ExecContext(ctx, `INSERT INTO wording (office_id, lang, json) VALUES (?, ?, ?)
		ON CONFLICT (office_id, lang) DO UPDATE SET json = excluded.json`, officeID, lang, string(js))
	if err != nil {
		return fmt.Errorf("store wording: %w", translateRef(err, errNoOffice(officeID)))
	}
	return nil
}
