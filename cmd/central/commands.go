package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/ingest"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

const usage = `Usage: central [-config FILE] [command]

Without a command, central serves (on :8090 by default, SQLite in data/central.db;
set database = "postgres://..." or CENTRAL_DATABASE for PostgreSQL).

Commands:
  office add NAME                          register a service office
  office list                              list offices
  kiosk add --office NAME [--json]         register a kiosk; prints its id and secret once
  kiosk add --office NAME --id ID --public-key KEY [--registered YYYY-MM-DD]
                                           register again a kiosk central lost (restored from an older
                                           backup), with the key ` + "`kiosk key show`" + ` prints on the kiosk
  kiosk list                               list kiosks
  kiosk revoke ID                          refuse every further request from a kiosk
  staff import --office NAME FILE          import an office's roster CSV
  staff export --office NAME [FILE]        write an office's roster as CSV
  import FILE                              ingest an offline batch file from ` + "`kiosk export`" + `
  user add --role ROLE [--office NAME] [--nip NIP] USERNAME
                                           create an account (admin, kepala, viewer, or counter: a
                                           staff member's own report page); prints its password
  token create --role ROLE [--office NAME] [--label TEXT] [--json]
                                           create a report API token (admin, kepala with --office, viewer);
                                           prints it once, {"token": "..."} with --json
  token list                               list API tokens (never the tokens themselves)
  token revoke ID                          refuse every further request with an API token
  signing-key list                         list the keys that sign issued documents (public halves)
  signing-key rotate                       make a new document signing key; the old ones keep
                                           checking what they signed, and can sign no more
  backup FILE                              write a consistent, checked copy of a SQLite database to
                                           FILE (a new file); on PostgreSQL it explains pg_dump
  check [FILE]                             run SQLite's integrity check on the database or a backup FILE
  version                                  print the version
`

var version = "dev"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	configPath, rest, help, err := cli.ParseGlobal("central", usage, args, stdout)
	if err != nil || help {
		return err
	}
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return serve(ctx, cfg, stdout)
	}
	switch rest[0] {
	case "version":
		fmt.Fprintln(stdout, "central", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "check":
		if cfg.IsPostgres() {
			return cli.Usagef("check is for SQLite; %s", pgDumpAdvice)
		}
		out, err := checkCommand(ctx, cfg.Database, rest[1:])
		fmt.Fprint(stdout, out)
		return err
	case "backup":
		if cfg.IsPostgres() {
			return cli.Usagef("%s", pgDumpAdvice)
		}
	case "office", "kiosk", "staff", "import", "user", "token", "signing-key":
	default:
		return cli.Usagef("unknown command %q\n\n%s", rest[0], usage)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	c := &commands{cfg: cfg, store: store, out: stdout}
	switch rest[0] {
	case "office":
		return c.office(ctx, rest[1:])
	case "kiosk":
		return c.kiosk(ctx, rest[1:])
	case "staff":
		return c.staff(ctx, rest[1:])
	case "import":
		return c.importFile(ctx, rest[1:])
	case "token":
		return c.token(ctx, rest[1:])
	case "signing-key":
		return c.signingKey(ctx, rest[1:])
	case "backup":
		return c.backup(ctx, rest[1:])
	default:
		return c.user(ctx, rest[1:])
	}
}

func loadConfig(path string) (central.Config, error) {
	cfg := central.DefaultConfig()
	if path != "" {
		if err := cli.LoadTOML(path, &cfg); err != nil {
			return cfg, err
		}
	}
	applyEnv(&cfg)
	if err := cfg.Validate(); err != nil {
		where := "configuration"
		if path != "" {
			where = path
		}
		return cfg, cli.Usagef("%s: %v", where, err)
	}
	return cfg, nil
}

type commands struct {
	cfg   central.Config
	store survey.CentralStore
	out   io.Writer
}

// userError turns refusals of bad input into usage errors (exit code 2).
func userError(err error) error {
	switch survey.ErrorCode(err) {
	case survey.EINVALID, survey.ENOTFOUND, survey.ECONFLICT, survey.EFORBIDDEN:
		return cli.Usagef("%v", err)
	}
	return err
}

func (c *commands) audit(ctx context.Context, action, detail string) error {
	return c.store.AddAudit(ctx, survey.AuditEntry{Username: "cli", Action: action, Detail: detail, Remote: "console"})
}

func (c *commands) office(ctx context.Context, args []string) error {
	switch {
	case len(args) == 2 && args[0] == "add":
		o := survey.Office{Name: args[1]}
		if err := c.store.CreateOffice(ctx, &o); err != nil {
			return userError(err)
		}
		fmt.Fprintf(c.out, "office %q added (id %d)\n", o.Name, o.ID)
		return c.audit(ctx, "office_create", o.Name)
	case len(args) == 1 && args[0] == "list":
		offices, err := c.store.FindOffices(ctx)
		if err != nil {
			return err
		}
		for _, o := range offices {
			fmt.Fprintf(c.out, "%d\t%s\n", o.ID, o.Name)
		}
		return nil
	}
	return cli.Usagef("usage: central office add NAME | central office list")
}

func (c *commands) kiosk(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("usage: central kiosk add --office NAME [--json] | list | revoke ID")
	}
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("kiosk add", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		office := fs.String("office", "", "office name")
		asJSON := fs.Bool("json", false, "print JSON")
		id := fs.String("id", "", "the kiosk's id, to register a known kiosk again")
		pubKey := fs.String("public-key", "", "its public key, from `kiosk key show`")
		registered := fs.String("registered", "", "the day it was first connected, YYYY-MM-DD")
		if err := fs.Parse(args[1:]); err != nil || *office == "" || fs.NArg() != 0 {
			return cli.Usagef("usage: central kiosk add --office NAME [--json] | central kiosk add --office NAME --id ID --public-key KEY [--registered YYYY-MM-DD]")
		}
		o, err := c.store.OfficeByName(ctx, *office)
		if err != nil {
			return userError(fmt.Errorf("office %q: %w (add it with `central office add`)", *office, err))
		}
		if *id != "" || *pubKey != "" || *registered != "" {
			return c.kioskAddAgain(ctx, o, *id, *pubKey, *registered)
		}
		k, secret, err := central.NewKiosk(ctx, c.store, o)
		if err != nil {
			return err
		}
		if err := c.audit(ctx, "kiosk_create", k.ID+" for "+o.Name); err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(c.out).Encode(map[string]string{"kiosk_id": k.ID, "secret": secret})
		}
		fmt.Fprintf(c.out, "kiosk %s registered for %s.\nPut this in the kiosk's configuration; the secret is not shown again:\n\n[central]\nurl = %q\nkiosk_id = %q\nsecret = %q\n",
			k.ID, o.Name, c.publicURL(), k.ID, secret)
		return nil
	case "list":
		kiosks, err := c.store.FindKiosks(ctx, 0)
		if err != nil {
			return err
		}
		for _, k := range kiosks {
			state := "active"
			if k.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(c.out, "%s\t%s\t%s\tseq %d\n", k.ID, k.OfficeName, state, k.Head.Seq)
		}
		return nil
	case "revoke":
		if len(args) != 2 {
			return cli.Usagef("usage: central kiosk revoke ID")
		}
		if err := c.store.RevokeKiosk(ctx, args[1], timeNow()); err != nil {
			return userError(err)
		}
		fmt.Fprintf(c.out, "kiosk %s revoked: every further request from it is refused\n", args[1])
		return c.audit(ctx, "kiosk_revoke", args[1])
	}
	return cli.Usagef("unknown kiosk subcommand %q", args[0])
}

// kioskIDs are the ids central gives kiosks ("k-" and 10 characters), or
// any id of the same form a kiosk registered again may carry.
var kioskIDs = regexp.MustCompile(`^k-[a-z0-9]{4,40}$`)

// kioskAddAgain registers a kiosk central lost (restored from a backup
// older than the kiosk) with its own id and public key, so that it goes on
// signing with the secret it has; its next sync resends what central lacks.
func (c *commands) kioskAddAgain(ctx context.Context, o survey.Office, id, pubKey, registered string) error {
	if !kioskIDs.MatchString(id) {
		return cli.Usagef("--id %q must be the kiosk's id, such as k-7h3k9m2p4q (`kiosk key show` prints it)", id)
	}
	pub, err := wire.ParsePublicKey(pubKey)
	if err != nil {
		return cli.Usagef("--public-key: %v", err)
	}
	k := survey.Kiosk{ID: id, OfficeID: o.ID, OfficeName: o.Name, PublicKey: pub, RegisteredUnknown: true}
	if registered != "" {
		day, err := time.ParseInLocation(time.DateOnly, registered, web.Jakarta)
		if err != nil {
			return cli.Usagef("--registered %q must be a date such as 2026-11-20", registered)
		}
		k.RegisteredAt, k.RegisteredUnknown = day, false
	}
	if err := c.store.CreateKiosk(ctx, &k); err != nil {
		return userError(err)
	}
	if err := c.audit(ctx, "kiosk_create", k.ID+" for "+o.Name+" (registered again with its own key)"); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "kiosk %s registered again for %s with its own key: its configuration stays as it is. Its next sync (`kiosk sync` on it) sends again everything central lacks.\n", k.ID, o.Name)
	if k.RegisteredUnknown {
		fmt.Fprintln(c.out, "Without --registered, ratings made before a date are not flagged clock for this kiosk.")
	}
	return nil
}

func (c *commands) publicURL() string {
	if c.cfg.PublicURL != "" {
		return c.cfg.PublicURL
	}
	return "http://CENTRAL-ADDRESS" + c.cfg.Listen
}

func (c *commands) staff(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "export") {
		return cli.Usagef("usage: central staff import --office NAME FILE | central staff export --office NAME [FILE]")
	}
	fs := flag.NewFlagSet("staff", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	office := fs.String("office", "", "office name")
	if err := fs.Parse(args[1:]); err != nil || *office == "" {
		return cli.Usagef("usage: central staff %s --office NAME FILE", args[0])
	}
	o, err := c.store.OfficeByName(ctx, *office)
	if err != nil {
		return userError(fmt.Errorf("office %q: %w", *office, err))
	}
	if args[0] == "export" {
		staff, err := c.store.FindOfficeStaff(ctx, o.ID, survey.StaffFilter{})
		if err != nil {
			return err
		}
		w := c.out
		if fs.NArg() == 1 {
			f, err := os.Create(fs.Arg(0))
			if err != nil {
				return cli.Usagef("%v", err)
			}
			defer f.Close()
			w = f
		}
		return survey.WriteRoster(w, staff)
	}
	if fs.NArg() != 1 {
		return cli.Usagef("usage: central staff import --office NAME FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return cli.Usagef("%v", err)
	}
	defer f.Close()
	staff, err := survey.ParseRoster(f, timeNow())
	var re *survey.RosterError
	if errors.As(err, &re) {
		return cli.Usagef("%s: %v", fs.Arg(0), err)
	} else if err != nil {
		return err
	}
	res, err := c.store.ImportOfficeStaff(ctx, o.ID, staff)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(c.out, "imported %s into %s: %d added, %d updated\n", fs.Arg(0), o.Name, res.Added, res.Updated)
	return c.audit(ctx, "staff_import", fmt.Sprintf("%s: %s: added %d, updated %d", o.Name, fs.Arg(0), res.Added, res.Updated))
}

func (c *commands) importFile(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("usage: central import FILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return cli.Usagef("%v", err)
	}
	defer f.Close()
	h := &ingest.Handler{Store: c.store, SkewLimit: 0}
	res, err := h.ImportFile(ctx, f)
	if err != nil {
		return userError(fmt.Errorf("%s: %w", args[0], err))
	}
	fmt.Fprintf(c.out, "imported %s from kiosk %s: %d batches, %d responses: %d stored, %d already known, %d refused; %d visit tallies\n",
		args[0], res.KioskID, res.Batches, res.Sent, res.Stored, res.Duplicates, res.Refused, res.VisitTallies)
	return c.audit(ctx, "import", fmt.Sprintf("%s: kiosk %s, %d stored, %d duplicates, %d refused", args[0], res.KioskID, res.Stored, res.Duplicates, res.Refused))
}

func (c *commands) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return cli.Usagef("usage: central user add --role ROLE [--office NAME] [--nip NIP] USERNAME")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	roleName := fs.String("role", "", "admin, kepala, viewer or counter (a staff member's own account)")
	office := fs.String("office", "", "the office a kepala or staff member belongs to")
	nip := fs.String("nip", "", "a staff account's NIP")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
		return cli.Usagef("usage: central user add --role ROLE [--office NAME] [--nip NIP] USERNAME")
	}
	role, err := survey.ParseRole(*roleName)
	if err != nil {
		return cli.Usagef("--role must be admin, kepala, viewer or counter")
	}
	u := survey.User{Username: fs.Arg(0), Role: role, Active: true}
	if role == survey.RoleKepala || role == survey.RoleCounter {
		if *office == "" {
			return cli.Usagef("a %s account needs --office NAME", role)
		}
		o, err := c.store.OfficeByName(ctx, *office)
		if err != nil {
			return userError(fmt.Errorf("office %q: %w", *office, err))
		}
		u.OfficeID = o.ID
	}
	if role == survey.RoleCounter {
		st, err := c.store.OfficeStaffByNIP(ctx, u.OfficeID, survey.NormalizeNIP(*nip))
		if err != nil {
			return userError(fmt.Errorf("--nip %q: %w (a staff account needs a NIP on the office's roster)", *nip, err))
		}
		u.NIP = st.NIP
	}
	password := web.RandomToken(12)
	auth := &web.Auth{Store: c.store}
	if u.PasswordHash, err = auth.HashPassword(password); err != nil {
		return err
	}
	if err := c.store.CreateUser(ctx, &u); err != nil {
		return userError(err)
	}
	fmt.Fprintf(c.out, "user %s (%s) created; password (shown once): %s\n", u.Username, u.Role, password)
	return c.audit(ctx, "user_create", u.Username+" "+string(u.Role))
}

// token creates a bearer token for the report API (docs/reports-api.md).
// Only its hash is stored: the token is printed once.
func (c *commands) token(ctx context.Context, args []string) error {
	const use = "usage: central token create --role admin|kepala|viewer [--office NAME] [--label TEXT] [--json] | token list | token revoke ID"
	if len(args) == 0 {
		return cli.Usagef(use)
	}
	switch args[0] {
	case "create":
	case "list":
		if len(args) != 1 {
			return cli.Usagef("usage: central token list")
		}
		return c.tokenList(ctx)
	case "revoke":
		id, err := strconv.ParseInt(strings.Join(args[1:], ""), 10, 64)
		if err != nil || len(args) != 2 {
			return cli.Usagef("usage: central token revoke ID (the number from `central token list`)")
		}
		if err := c.store.RevokeAPIToken(ctx, id); err != nil {
			return userError(err)
		}
		fmt.Fprintf(c.out, "API token #%d revoked: every further request with it is refused\n", id)
		return c.audit(ctx, "token_revoke", "#"+strconv.FormatInt(id, 10))
	default:
		return cli.Usagef("unknown token subcommand %q: use create, list or revoke\n%s", args[0], use)
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	roleName := fs.String("role", "", "admin, kepala or viewer")
	office := fs.String("office", "", "the office a kepala token reads")
	label := fs.String("label", "", "what the token is for")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		return cli.Usagef(use)
	}
	role, err := survey.ParseRole(*roleName)
	if err != nil || role == survey.RoleCounter {
		return cli.Usagef("--role must be admin, kepala or viewer")
	}
	t := survey.APIToken{Role: role, Label: *label}
	switch {
	case role == survey.RoleKepala && *office == "":
		return cli.Usagef("a kepala token needs --office NAME")
	case role != survey.RoleKepala && *office != "":
		return cli.Usagef("--office is only for a kepala token; admin and viewer tokens read every office")
	case role == survey.RoleKepala:
		o, err := c.store.OfficeByName(ctx, *office)
		if err != nil {
			return userError(fmt.Errorf("office %q: %w", *office, err))
		}
		t.OfficeID = o.ID
	}
	secret := "skmr_" + web.RandomToken(32)
	t.Hash = web.HashToken(secret)
	if err := c.store.CreateAPIToken(ctx, &t); err != nil {
		return userError(err)
	}
	if err := c.audit(ctx, "token_create", fmt.Sprintf("#%d %s office %d %s", t.ID, t.Role, t.OfficeID, t.Label)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(c.out).Encode(map[string]string{"token": secret})
	}
	fmt.Fprintf(c.out, "API token #%d (%s) created; it is shown once, central keeps only its hash:\n%s\n", t.ID, t.Role, secret)
	return nil
}

// tokenList prints every API token's number, role, office, label, creation
// time and state; central keeps only hashes, so no token is shown.
func (c *commands) tokenList(ctx context.Context) error {
	tokens, err := c.store.APITokens(ctx)
	if err != nil {
		return err
	}
	offices := map[int64]string{0: "-"}
	for _, t := range tokens {
		if _, ok := offices[t.OfficeID]; !ok {
			o, err := c.store.OfficeByID(ctx, t.OfficeID)
			if err != nil {
				return fmt.Errorf("office of API token #%d: %w", t.ID, err)
			}
			offices[t.OfficeID] = o.Name
		}
		state := "active"
		if t.Revoked {
			state = "revoked"
		}
		fmt.Fprintf(c.out, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, offices[t.OfficeID], t.Label,
			t.CreatedAt.In(web.Jakarta).Format("2006-01-02 15:04"), state)
	}
	return nil
}

// signingKey lists or rotates the keys that sign issued documents.
func (c *commands) signingKey(ctx context.Context, args []string) error {
	if len(args) != 1 || (args[0] != "list" && args[0] != "rotate") {
		return cli.Usagef("usage: central signing-key list | signing-key rotate")
	}
	if args[0] == "rotate" {
		k, err := central.RotateSigningKey(ctx, c.store, timeNow())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.out, "new document signing key %s (Ed25519, public key %s); the previous keys check what they signed and sign no more\n", k.ID, k.Public)
		return c.audit(ctx, "signing_key_rotate", k.ID)
	}
	if _, err := central.EnsureSigningKey(ctx, c.store, timeNow()); err != nil {
		return err
	}
	keys, err := central.SigningKeys(ctx, c.store)
	if err != nil {
		return err
	}
	for _, k := range keys {
		state := "active"
		if k.RetiredAt != nil {
			state = "retired " + k.RetiredAt.Format(time.DateOnly)
		}
		fmt.Fprintf(c.out, "%s\t%s\tcreated %s\t%s\n", k.ID, k.Public, k.CreatedAt.Format(time.DateOnly), state)
	}
	return nil
}
