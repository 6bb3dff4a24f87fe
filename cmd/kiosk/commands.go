package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

const usage = `Usage: kiosk [-config FILE] [command]

Without a command, kiosk serves the survey (on :8080 by default).

Commands:
  staff import FILE      import a roster CSV (nip,name,position,unit,counter[,type])
  staff export [FILE]    write the roster as CSV (to standard output without FILE)
  sync                   upload pending responses to central now (exit code 0 only when all are confirmed)
  export --since DATE FILE
                         write a signed batch file for ` + "`central import`" + ` (an office without a link)
  token create --role counter --nip NIP [--label TEXT] [--json]
                         make a bearer token for a counter's queue system (POST /api/v1/visits);
                         printed once, stored only as a hash
  token list             list tokens (never the tokens themselves)
  token revoke ID        refuse every further request with a token
  ticket print --out FILE|DEVICE (--nip NIP [--service CODE] | --url SURVEY_URL) [--width 58|80] [--number N]
                         print a queue ticket with its one-time rating QR code on an ESC/POS printer
                         (creates the visit with the counter token in $KIOSK_COUNTER_TOKEN)
  backup FILE            write a consistent, checked copy of the database to FILE (a new file)
  check [FILE]           run SQLite's integrity check on the database, or on a backup FILE
  restore FILE           with the kiosk stopped: put a backup in place of the database (moved
                         aside, with its -wal and -shm) and number new ratings above what central holds
  key show               print the kiosk's public key (to register it again at a restored central)
  version                print the version

Every command works while the kiosk is serving, on the same database.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// run parses the global flags and dispatches to a command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	configPath, rest, help, err := cli.ParseGlobal("kiosk", usage, args, stdout)
	if err != nil || help {
		return err
	}
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return serve(ctx, cfg, configPath, stdout)
	}
	switch rest[0] {
	case "staff":
		return staffCommand(ctx, cfg, rest[1:], stdout)
	case "sync":
		return syncCommand(ctx, cfg, stdout, stderr)
	case "export":
		return exportCommand(ctx, cfg, rest[1:], stdout)
	case "token":
		return tokenCommand(ctx, cfg, rest[1:], stdout)
	case "ticket":
		return ticketCommand(ctx, cfg, rest[1:], stdout)
	case "backup":
		return backupCommand(ctx, cfg, rest[1:], stdout)
	case "check":
		return checkCommand(ctx, cfg, rest[1:], stdout)
	case "restore":
		return restoreCommand(ctx, cfg, rest[1:], stdout)
	case "key":
		return keyCommand(ctx, cfg, rest[1:], stdout)
	case "version":
		fmt.Fprintln(stdout, "kiosk", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return cli.Usagef("unknown command %q\n\n%s", rest[0], usage)
}

// loadConfig reads path over the defaults (no path: defaults only) and validates.
func loadConfig(path string) (kiosk.Config, error) {
	cfg := kiosk.DefaultConfig()
	if path != "" {
		if err := cli.LoadTOML(path, &cfg); err != nil {
			return cfg, err
		}
	}
	if err := cfg.Validate(); err != nil {
		where := "configuration"
		if path != "" {
			where = path
		}
		return cfg, cli.Usagef("%s: %v", where, err)
	}
	return cfg, nil
}

func staffCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return cli.Usagef("staff needs a subcommand: import FILE or export [FILE]")
	}
	db, err := openDB(ctx, cfg, nil, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "import":
		if len(args) != 2 {
			return cli.Usagef("usage: kiosk [-config FILE] staff import FILE.csv")
		}
		if v, ok, _ := db.Setting(ctx, "managed_by_central"); ok && v == "1" {
			return cli.Usagef("the roster is managed centrally: import it with `central staff import --office NAME FILE`")
		}
		f, err := os.Open(args[1])
		if err != nil {
			return cli.Usagef("%v", err)
		}
		defer f.Close()
		staff, err := survey.ParseRoster(f, db.Now())
		var re *survey.RosterError
		if errors.As(err, &re) {
			return cli.Usagef("%s: %v", args[1], err)
		} else if err != nil {
			return err
		}
		res, err := db.ImportStaff(ctx, staff)
		if err != nil {
			return err
		}
		if err := db.AddAudit(ctx, survey.AuditEntry{At: db.Now(), Username: "cli", Action: "staff_import",
			Detail: fmt.Sprintf("%s: added %d, updated %d", args[1], res.Added, res.Updated), Remote: "console"}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s: %d added, %d updated\n", args[1], res.Added, res.Updated)
		return nil
	case "export":
		staff, err := db.FindStaff(ctx, survey.StaffFilter{})
		if err != nil {
			return err
		}
		w := stdout
		if len(args) == 2 {
			f, err := os.Create(args[1])
			if err != nil {
				return cli.Usagef("%v", err)
			}
			defer f.Close()
			w = f
		}
		return survey.WriteRoster(w, staff)
	}
	return cli.Usagef("unknown staff subcommand %q: use import or export", strings.Join(args, " "))
}

// tokenCommand runs `kiosk token create|list|revoke`.
func tokenCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return cli.Usagef("usage: kiosk token create --role counter --nip NIP [--label TEXT] [--json] | token list | token revoke ID")
	}
	db, err := openDB(ctx, cfg, nil, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		return tokenCreate(ctx, db, args[1:], stdout)
	case "list":
		tokens, err := db.FindKioskTokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			state := "active"
			if t.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.NIP, t.Label, t.CreatedAt.In(web.Jakarta).Format("2006-01-02 15:04"), state)
		}
		return nil
	case "revoke":
		id, err := strconv.ParseInt(strings.Join(args[1:], ""), 10, 64)
		if err != nil || len(args) != 2 {
			return cli.Usagef("usage: kiosk token revoke ID (the number from `kiosk token list`)")
		}
		if err := db.RevokeKioskToken(ctx, id); err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "token %d revoked: every further request with it is refused\n", id)
		return db.AddAudit(ctx, survey.AuditEntry{At: db.Now(), Username: "cli", Action: "token_revoke", Detail: strconv.FormatInt(id, 10), Remote: "console"})
	}
	return cli.Usagef("unknown token subcommand %q: use create, list or revoke", args[0])
}

func tokenCreate(ctx context.Context, db *sqlite.KioskDB, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	role := fs.String("role", "", "counter")
	nip := fs.String("nip", "", "the staff member whose counter the token serves")
	label := fs.String("label", "", "what uses the token, such as the queue system's name")
	asJSON := fs.Bool("json", false, "print {\"token\": \"...\"}")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return cli.Usagef("usage: kiosk token create --role counter --nip NIP [--label TEXT] [--json]")
	}
	if *role != string(survey.RoleCounter) || *nip == "" {
		return cli.Usagef("the kiosk issues counter tokens: --role counter --nip NIP")
	}
	token := web.RandomToken(32)
	t := survey.KioskToken{Hash: web.HashToken(token), Role: survey.RoleCounter, NIP: *nip, Label: *label}
	if t.Label == "" {
		t.Label = "counter " + survey.NormalizeNIP(*nip)
	}
	if err := db.CreateKioskToken(ctx, &t); err != nil {
		return userError(err)
	}
	if err := db.AddAudit(ctx, survey.AuditEntry{At: db.Now(), Username: "cli", Action: "token_create",
		Detail: fmt.Sprintf("token %d role=%s nip=%s label=%s", t.ID, t.Role, t.NIP, t.Label), Remote: "console"}); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"token": token})
	}
	fmt.Fprintf(stdout, "token %d for the counter of %s (shown once; the kiosk keeps only its hash):\n%s\n", t.ID, t.NIP, token)
	return nil
}

// userError turns refusals of bad input into usage errors (exit code 2).
func userError(err error) error {
	switch survey.ErrorCode(err) {
	case survey.EINVALID, survey.ENOTFOUND, survey.ECONFLICT, survey.EFORBIDDEN:
		return cli.Usagef("%v", err)
	}
	return err
}
