package main

import (
	"context"
	"fmt"
	"os"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/postgres"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// DatabaseEnv overrides the configuration's database, e.g. with a postgres:// URL.
const DatabaseEnv = "CENTRAL_DATABASE"

// openStore opens SQLite or PostgreSQL by the form of cfg.Database.
func openStore(ctx context.Context, cfg central.Config) (survey.CentralStore, error) {
	if cfg.IsPostgres() {
		db, err := postgres.Open(ctx, cfg.Database, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL database: %w", err)
		}
		return db, nil
	}
	db, err := sqlite.OpenCentral(ctx, cfg.Database, sqlite.CentralOptions{})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.Database, err)
	}
	return db, nil
}

// applyEnv lets the environment choose the database.
func applyEnv(cfg *central.Config) {
	if v := os.Getenv(DatabaseEnv); v != "" {
		cfg.Database = v
	}
}
