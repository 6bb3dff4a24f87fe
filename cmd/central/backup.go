package main

import (
	"context"
	"fmt"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/store/sqlite"
)

// pgDumpAdvice is what `central backup` and `central check` say on PostgreSQL.
const pgDumpAdvice = `central's database is PostgreSQL, which this command does not copy: back it up with pg_dump, for example
  pg_dump --format=custom --file=central-2026-11-26.dump "$CENTRAL_DATABASE"
and restore it with pg_restore (see "Backup and restore" in docs/operations.md)`

// backup runs `central backup FILE` on SQLite: a consistent copy taken while
// central serves, checked before it is given its name.
func (c *commands) backup(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("usage: central [-config FILE] backup FILE (a new file, for example central-2026-11-26.db)")
	}
	db, ok := c.store.(*sqlite.CentralDB)
	if !ok {
		return cli.Usagef("%s", pgDumpAdvice)
	}
	if err := db.Backup(ctx, args[0]); err != nil {
		return userError(err)
	}
	n, err := db.CountResponses(ctx, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "backup of %s written to %s and checked (integrity ok; %d responses at the time of the copy)\n", c.cfg.Database, args[0], n)
	return c.audit(ctx, "backup", args[0])
}

// check runs `central check [FILE]`: SQLite's integrity check on the
// database or on a backup FILE.
func checkCommand(ctx context.Context, database string, args []string) (string, error) {
	path := database
	switch len(args) {
	case 0:
	case 1:
		path = args[0]
	default:
		return "", cli.Usagef("usage: central [-config FILE] check [BACKUP-FILE]")
	}
	res, err := sqlite.IntegrityCheckFile(ctx, path)
	if err != nil {
		return "", cli.Usagef("%v", err)
	}
	if res != "ok" {
		return "", fmt.Errorf("%s is damaged: PRAGMA integrity_check says %s; restore the latest backup (docs/operations.md)", path, res)
	}
	return fmt.Sprintf("%s: integrity ok\n", path), nil
}
