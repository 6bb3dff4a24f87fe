package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
)

const roster = "nip,name,position,unit,counter\n" +
	"196608011988031001,Siti Aminah,Pengadministrasi,Pendaftaran Penduduk,1\n" +
	"198512252010122003,Budi Santoso,Verifikator,Pencatatan Sipil,2\n"

// mustConfigFile writes a configuration naming database and returns its path.
func mustConfigFile(tb testing.TB, database, extra string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "central.toml")
	if err := os.WriteFile(p, []byte("listen = '127.0.0.1:0'\ndatabase = '"+database+"'\n"+extra), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// mustRun runs a central command and returns its output.
func mustRun(tb testing.TB, args ...string) string {
	tb.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		tb.Fatalf("central %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// backends runs f with a database on SQLite and on PostgreSQL.
func backends(t *testing.T, f func(t *testing.T, database string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, filepath.Join(t.TempDir(), "central.db")) })
	t.Run("postgres", func(t *testing.T) { f(t, pgtest.SchemaDSN(t)) })
}

func TestMainServes(t *testing.T) {
	backends(t, func(t *testing.T, database string) {
		cfg := central.DefaultConfig()
		cfg.Listen, cfg.Database = "127.0.0.1:0", database
		m := &Main{Config: cfg, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		resp, err := http.Get(m.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("healthz = %d", resp.StatusCode)
		}
		if !strings.Contains(m.SetupURL, "/setup?token=") {
			t.Errorf("set-up link = %q", m.SetupURL)
		}
		resp, err = http.Get(m.SetupURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("set-up page = %d", resp.StatusCode)
		}
	})
}

func TestAdministrationCommands(t *testing.T) {
	backends(t, func(t *testing.T, database string) {
		cfgPath := mustConfigFile(t, database, "")
		out := mustRun(t, "-config", cfgPath, "office", "add", "Disdukcapil Kota Serang")
		if !strings.Contains(out, "Disdukcapil Kota Serang") {
			t.Errorf("office add: %q", out)
		}
		err := run(context.Background(), []string{"-config", cfgPath, "office", "add", "Disdukcapil Kota Serang"}, io.Discard, io.Discard)
		if cli.ExitCode(err) != 2 {
			t.Errorf("duplicate office: exit %d (%v), want 2", cli.ExitCode(err), err)
		}
		var k struct {
			KioskID string `json:"kiosk_id"`
			Secret  string `json:"secret"`
		}
		out = mustRun(t, "-config", cfgPath, "kiosk", "add", "--office", "Disdukcapil Kota Serang", "--json")
		if err := json.Unmarshal([]byte(out), &k); err != nil || !strings.HasPrefix(k.KioskID, "k-") || !strings.HasPrefix(k.Secret, "skm1-") {
			t.Fatalf("kiosk add --json = %q (%v)", out, err)
		}
		if err := run(context.Background(), []string{"-config", cfgPath, "kiosk", "add", "--office", "Nowhere"}, io.Discard, io.Discard); cli.ExitCode(err) != 2 {
			t.Errorf("kiosk for an unknown office: exit %d", cli.ExitCode(err))
		}
		if out := mustRun(t, "-config", cfgPath, "kiosk", "list"); !strings.Contains(out, k.KioskID) || !strings.Contains(out, "active") {
			t.Errorf("kiosk list = %q", out)
		}
		mustRun(t, "-config", cfgPath, "kiosk", "revoke", k.KioskID)
		if out := mustRun(t, "-config", cfgPath, "kiosk", "list"); !strings.Contains(out, "revoked") {
			t.Errorf("after revoke: %q", out)
		}
		// The secret is nowhere in the database (SQLite: read the file).
		if !strings.HasPrefix(database, "postgres") {
			raw, _ := os.ReadFile(database)
			wal, _ := os.ReadFile(database + "-wal")
			seed := strings.TrimPrefix(k.Secret, "skm1-")
			if bytes.Contains(raw, []byte(seed)) || bytes.Contains(wal, []byte(seed)) {
				t.Error("central's database holds the kiosk secret")
			}
		}

		dir := t.TempDir()
		good := filepath.Join(dir, "roster.csv")
		os.WriteFile(good, []byte(roster), 0o600)
		if out := mustRun(t, "-config", cfgPath, "staff", "import", "--office", "Disdukcapil Kota Serang", good); !strings.Contains(out, "2 added") {
			t.Errorf("staff import = %q", out)
		}
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte(roster+"123,Pendek,,,\n"), 0o600)
		err = run(context.Background(), []string{"-config", cfgPath, "staff", "import", "--office", "Disdukcapil Kota Serang", bad}, io.Discard, io.Discard)
		if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "line 4") {
			t.Errorf("bad roster: exit %d, %v", cli.ExitCode(err), err)
		}
		if out := mustRun(t, "-config", cfgPath, "staff", "export", "--office", "Disdukcapil Kota Serang"); strings.Count(out, "\n") != 3 {
			t.Errorf("staff export after a refused import = %q, want the header and 2 rows", out)
		}
		if out := mustRun(t, "-config", cfgPath, "user", "add", "--role", "kepala", "--office", "Disdukcapil Kota Serang", "kepala1"); !strings.Contains(out, "password") {
			t.Errorf("user add = %q", out)
		}
	})
}

func TestBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"unknown key": "listen = ':0'\ncolour = 'red'\n",
		"bad value":   "[reports]\nmin_cell = 0\n",
		"bad listen":  "listen = 'nope'\n",
		"half tls":    "[tls]\ncert_file = 'x.pem'\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".toml")
		os.WriteFile(p, []byte(text), 0o600)
		err := run(context.Background(), []string{"-config", p, "office", "list"}, io.Discard, io.Discard)
		if cli.ExitCode(err) != 2 {
			t.Errorf("%s: exit %d (%v), want 2", name, cli.ExitCode(err), err)
		}
	}
	err := run(context.Background(), []string{"-config", filepath.Join(dir, "unknown_key.toml"), "office", "list"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown key message %v does not name the key", err)
	}
}

func TestImportRefusesForeignFile(t *testing.T) {
	cfgPath := mustConfigFile(t, filepath.Join(t.TempDir(), "central.db"), "")
	p := filepath.Join(t.TempDir(), "x.skm")
	os.WriteFile(p, []byte("not a batch file\n"), 0o600)
	err := run(context.Background(), []string{"-config", cfgPath, "import", p}, io.Discard, io.Discard)
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "kiosk export") {
		t.Errorf("import of a foreign file: exit %d, %v", cli.ExitCode(err), err)
	}
}
