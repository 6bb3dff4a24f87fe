package main

import (
	"context"
	"fmt"
	"io"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
)

// backupCommand runs `kiosk backup FILE`: a consistent copy of the database
// taken while the kiosk serves, checked before it is given its name.
// docs/operations.md says how to restore it.
func backupCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return cli.Usagef("usage: kiosk [-config FILE] backup FILE (a new file, for example kiosk-2026-11-26.db)")
	}
	db, err := openDB(ctx, cfg, nil, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, args[0]); err != nil {
		return userError(err)
	}
	n, err := db.CountResponses(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of %s written to %s and checked (integrity ok; %d responses at the time of the copy)\n", cfg.Database, args[0], n)
	return nil
}

// checkCommand runs `kiosk check`: PRAGMA integrity_check on the database,
// or on FILE (a backup). It succeeds only when SQLite answers "ok".
func checkCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	path := cfg.Database
	switch len(args) {
	case 0:
	case 1:
		path = args[0]
	default:
		return cli.Usagef("usage: kiosk [-config FILE] check [BACKUP-FILE]")
	}
	res, err := sqlite.IntegrityCheckFile(ctx, path)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	if res != "ok" {
		return fmt.Errorf("%s is damaged: PRAGMA integrity_check says %s; restore the latest backup with `kiosk restore BACKUP-FILE` (docs/operations.md)", path, res)
	}
	fmt.Fprintf(stdout, "%s: integrity ok\n", path)
	return nil
}
