package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
)

const usage = `Usage: kiosk [-config FILE] [command]

Without a command, kiosk serves the survey (on :8080 by default).

Commands:
  staff import FILE      import a roster CSV (nip,name,position,unit,counter[,type])
  staff export [FILE]    write the roster as CSV (to standard output without FILE)
  sync                   upload pending responses to central now (exit code 0 only when all are confirmed)
  export --since DATE FILE
                         write a signed batch file for ` + "`central import`" + ` (an office without a link)
  version                print the version

Every command works while the kiosk is serving, on the same database.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// run parses the global flags and dispatches to a command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "", "TOML configuration file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return nil
		}
		return cli.Usagef("%v\n\n%s", err, usage)
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return serve(ctx, cfg, *configPath, stdout)
	}
	switch rest[0] {
	case "staff":
		return staffCommand(ctx, cfg, rest[1:], stdout)
	case "sync":
		return syncCommand(ctx, cfg, stdout, stderr)
	case "export":
		return exportCommand(ctx, cfg, rest[1:], stdout)
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
	db, err := openDB(ctx, cfg, nil)
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
