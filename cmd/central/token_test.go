package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/cli"
)

// mustAPIStatus asks central's report API for path with token and returns the status.
func mustAPIStatus(tb testing.TB, base, token, path string) int {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestTokenCreate(t *testing.T) {
	backends(t, func(t *testing.T, database string) {
		cfgPath := mustConfigFile(t, database, "")
		mustRun(t, "-config", cfgPath, "office", "add", "Kantor Satu")
		mustRun(t, "-config", cfgPath, "office", "add", "Kantor Dua")
		var viewer, kepala struct{ Token string }
		if err := json.Unmarshal([]byte(mustRun(t, "-config", cfgPath, "token", "create", "--role", "viewer", "--json")), &viewer); err != nil || viewer.Token == "" {
			t.Fatalf("token create --json: %v %q", err, viewer.Token)
		}
		out := mustRun(t, "-config", cfgPath, "token", "create", "--role", "kepala", "--office", "Kantor Satu", "--label", "dasbor", "--json")
		if err := json.Unmarshal([]byte(out), &kepala); err != nil || kepala.Token == "" || kepala.Token == viewer.Token {
			t.Fatalf("kepala token = %q", out)
		}
		if out := mustRun(t, "-config", cfgPath, "token", "create", "--role", "admin"); !strings.Contains(out, "shown once") {
			t.Errorf("token create without --json = %q", out)
		}
		for _, bad := range [][]string{
			{"token", "create", "--role", "kepala"},
			{"token", "create", "--role", "viewer", "--office", "Kantor Satu"},
			{"token", "create", "--role", "counter"},
			{"token", "create", "--role", "kepala", "--office", "Nowhere"},
			{"token", "list", "extra"},
			{"token", "revoke"},
			{"token", "revoke", "x"},
			{"token", "revoke", "99"},
			{"token", "rotate"},
		} {
			if err := run(context.Background(), append([]string{"-config", cfgPath}, bad...), io.Discard, io.Discard); cli.ExitCode(err) != 2 {
				t.Errorf("central %s: exit %d (%v), want 2", strings.Join(bad, " "), cli.ExitCode(err), err)
			}
		}
		if !strings.HasPrefix(database, "postgres") {
			raw, _ := os.ReadFile(database)
			wal, _ := os.ReadFile(database + "-wal")
			if strings.Contains(string(raw)+string(wal), viewer.Token) {
				t.Error("the database holds a token in clear")
			}
		}

		cfg := central.DefaultConfig()
		cfg.Listen, cfg.Database = "127.0.0.1:0", database
		m := &Main{Config: cfg, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		for _, tc := range []struct {
			token, path string
			want        int
		}{
			{viewer.Token, "/api/v1/reports/ikm?office=Kantor%20Dua&period=2026", http.StatusOK},
			{kepala.Token, "/api/v1/reports/ikm?period=2026", http.StatusOK},
			{kepala.Token, "/api/v1/reports/ikm?office=Kantor%20Dua&period=2026", http.StatusForbidden},
			{"not-a-token", "/api/v1/reports/ikm?office=1", http.StatusUnauthorized},
		} {
			if got := mustAPIStatus(t, m.URL, tc.token, tc.path); got != tc.want {
				t.Errorf("GET %s: %d, want %d", tc.path, got, tc.want)
			}
		}

		// The list names each token without showing it; revoking one refuses it at once.
		list := mustRun(t, "-config", cfgPath, "token", "list")
		lines := strings.Split(strings.TrimSpace(list), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "1\tviewer\t-\t") || !strings.HasPrefix(lines[1], "2\tkepala\tKantor Satu\tdasbor\t") ||
			!strings.HasSuffix(lines[1], "\tactive") || strings.Contains(list, viewer.Token) || strings.Contains(list, kepala.Token) {
			t.Errorf("token list = %q", list)
		}
		if out := mustRun(t, "-config", cfgPath, "token", "revoke", "2"); !strings.Contains(out, "revoked") {
			t.Errorf("token revoke = %q", out)
		}
		if got := mustAPIStatus(t, m.URL, kepala.Token, "/api/v1/reports/ikm?period=2026"); got != http.StatusUnauthorized {
			t.Errorf("revoked kepala token: %d, want 401", got)
		}
		if got := mustAPIStatus(t, m.URL, viewer.Token, "/api/v1/reports/ikm?office=Kantor%20Dua&period=2026"); got != http.StatusOK {
			t.Errorf("viewer token after another's revocation: %d, want 200", got)
		}
		if list := mustRun(t, "-config", cfgPath, "token", "list"); !strings.Contains(list, "\tdasbor\t") || !strings.Contains(list, "\trevoked") {
			t.Errorf("token list after revoke = %q", list)
		}
	})
}

// TestSigningKeyCommand: the first list makes the key; rotate makes a new
// active one and retires the old, on SQLite and PostgreSQL.
func TestSigningKeyCommand(t *testing.T) {
	backends(t, func(t *testing.T, database string) {
		cfgPath := mustConfigFile(t, database, "")
		first := strings.Fields(mustRun(t, "-config", cfgPath, "signing-key", "list"))
		if len(first) < 4 || first[len(first)-1] != "active" {
			t.Fatalf("signing-key list = %q", first)
		}
		if out := mustRun(t, "-config", cfgPath, "signing-key", "rotate"); !strings.Contains(out, "new document signing key") {
			t.Errorf("signing-key rotate = %q", out)
		}
		lines := strings.Split(strings.TrimSpace(mustRun(t, "-config", cfgPath, "signing-key", "list")), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], first[0]) || !strings.Contains(lines[0], "retired") || !strings.HasSuffix(lines[1], "active") {
			t.Errorf("keys after rotate = %q", lines)
		}
		if err := run(context.Background(), []string{"-config", cfgPath, "signing-key", "delete"}, io.Discard, io.Discard); cli.ExitCode(err) != 2 {
			t.Errorf("signing-key delete: %v, want exit code 2", err)
		}
	})
}
