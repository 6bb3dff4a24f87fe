package sqlite

import (
	"context"
	"fmt"

	"github.com/skmkiosk/skm/survey"
)

// serviceColumns are the columns scanService reads.
const serviceColumns = "code, name_id, name_en, grp, active"

func scanService(sc scanner) (survey.Service, error) {
	var s survey.Service
	err := sc.Scan(&s.Code, &s.NameID, &s.NameEN, &s.Group, &s.Active)
	return s, err
}

// FindServices lists the catalogue in display order.
func (k *KioskDB) FindServices(ctx context.Context, activeOnly bool) ([]survey.Service, error) {
	q := "SELECT " + serviceColumns + " FROM services"
	if activeOnly {
		q += " WHERE active = 1"
	}
	return queryAll(ctx, k.db, "find services", scanService, q+" ORDER BY position, code")
}

// SaveService adds a service at the end of the catalogue or updates an existing one.
func (k *KioskDB) SaveService(ctx context.Context, s *survey.Service) error {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return err
	}
	_, err := k.db.ExecContext(ctx, `INSERT INTO services (code, name_id, name_en, grp, active, position)
		VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM services))
		ON CONFLICT (code) DO UPDATE SET name_id = excluded.name_id, name_en = excluded.name_en,
			grp = excluded.grp, active = excluded.active`, s.Code, s.NameID, s.NameEN, s.Group, s.Active)
	if err != nil {
		return fmt.Errorf("save service: %w", translate(err))
	}
	return nil
}

// ReplaceServices makes the catalogue equal to services, in their order;
// services not listed are deactivated (responses may still refer to them).
func (k *KioskDB) ReplaceServices(ctx context.Context, services []survey.Service) error {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE services SET active = 0"); err != nil {
		return translate(err)
	}
	for i, s := range services {
		s.Normalize()
		if err := s.Validate(); err != nil {
			return fmt.Errorf("service %s: %w", s.Code, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO services (code, name_id, name_en, grp, active, position)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name_id = excluded.name_id, name_en = excluded.name_en,
				grp = excluded.grp, active = excluded.active, position = excluded.position`,
			s.Code, s.NameID, s.NameEN, s.Group, s.Active, i); err != nil {
			return fmt.Errorf("replace services: %w", translate(err))
		}
	}
	return translate(tx.Commit())
}
