package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
)

// MustRunCommand runs the kiosk binary's run with args and returns its standard output.
func MustRunCommand(tb testing.TB, path string, args ...string) string {
	tb.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), append([]string{"-config", path}, args...), &out, &out); err != nil {
		tb.Fatalf("kiosk %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestTokenCreateForCounterQueueSystem(t *testing.T) {
	cfg := MustConfig(t)
	path := MustConfigFile(t, cfg, "")
	rosterFile := MustWriteFile(t, t.TempDir(), "roster.csv", roster)
	MustRunCommand(t, path, "staff", "import", rosterFile)

	out := MustRunCommand(t, path, "token", "create", "--role", "counter", "--nip", nipSiti, "--json")
	var reply map[string]string
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&reply); err != nil || len(reply) != 1 || len(reply["token"]) < 40 {
		t.Fatalf("token create --json printed %q (%v), want {\"token\": \"...\"}", out, err)
	}
	token := reply["token"]

	// The kiosk keeps only the hash; list shows no token.
	list := MustRunCommand(t, path, "token", "list")
	if !strings.Contains(list, nipSiti) || strings.Contains(list, token) {
		t.Errorf("token list: %q", list)
	}

	// The token works against the running kiosk for its own staff member only.
	m, _ := MustRunMain(t, cfg)
	post := func(nip string) int {
		req, _ := http.NewRequest(http.MethodPost, m.PublicURL+"/api/v1/visits", strings.NewReader(`{"nip":"`+nip+`","service":"KTPEL_BARU"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(nipSiti); got != http.StatusCreated {
		t.Errorf("visit with the new token: %d", got)
	}
	if got := post(nipBudi); got != http.StatusForbidden {
		t.Errorf("visit for another staff member: %d", got)
	}
	MustRunCommand(t, path, "token", "revoke", "1")
	if got := post(nipSiti); got != http.StatusUnauthorized {
		t.Errorf("visit with a revoked token: %d", got)
	}

	// Refusals are usage errors naming what is wrong.
	for _, args := range [][]string{
		{"token", "create", "--role", "admin", "--nip", nipSiti},
		{"token", "create", "--role", "counter"},
		{"token", "create", "--role", "counter", "--nip", nipAgus},
		{"token", "revoke", "99"},
		{"token"},
	} {
		err := run(context.Background(), append([]string{"-config", path}, args...), &bytes.Buffer{}, &bytes.Buffer{})
		if cli.ExitCode(err) != 2 {
			t.Errorf("kiosk %s: exit %d (%v), want 2", strings.Join(args, " "), cli.ExitCode(err), err)
		}
	}
	entries, err := m.DB.FindAudit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range entries {
		actions[e.Action] = true
	}
	if !actions["token_create"] || !actions["token_revoke"] {
		t.Errorf("audit actions %v, want token_create and token_revoke", actions)
	}
}

func TestRetentionRunsAtStartWithALogLine(t *testing.T) {
	cfg := MustConfig(t)
	var logs bytes.Buffer
	m := &Main{Config: cfg, Stdout: &logs, Logger: slog.New(slog.NewTextHandler(&logs, nil)), BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "retention: deleted expired data") {
		t.Errorf("no retention log line at start:\n%s", logs.String())
	}

	bad := MustConfig(t)
	bad.Privacy.PurgeSchedule = "every night"
	m = &Main{Config: bad, Stdout: &logs, Logger: slog.New(slog.NewTextHandler(&logs, nil)), BcryptCost: 4}
	err := m.Run(context.Background())
	m.Close()
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "privacy.purge_schedule") {
		t.Errorf("bad purge_schedule: %v", err)
	}
}

func TestPlainHTTPToAnotherMachineRefusedUnlessAllowed(t *testing.T) {
	secret := "skm1-" + strings.Repeat("A", 43) // a well-formed Ed25519 seed
	base := func(url string, insecure bool) kiosk.Config {
		cfg := MustConfig(t)
		cfg.Central = kiosk.CentralConfig{URL: url, KioskID: "k-test", Secret: secret, AllowInsecure: insecure}
		return cfg
	}
	m := &Main{Config: base("http://192.0.2.10:8090", false), Stdout: &bytes.Buffer{}, Logger: slog.New(slog.DiscardHandler), BcryptCost: 4}
	err := m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "allow_insecure") || cli.ExitCode(err) != 2 {
		t.Fatalf("plain http to another machine: %v, want a refusal naming central.allow_insecure", err)
	}
	for _, cfg := range []kiosk.Config{base("http://192.0.2.10:8090", true), base("http://127.0.0.1:8090", false), base("https://pusat.example", false)} {
		m := &Main{Config: cfg, Stdout: &bytes.Buffer{}, Logger: slog.New(slog.DiscardHandler), BcryptCost: 4}
		if err := m.Run(context.Background()); err != nil {
			t.Errorf("%s (allow_insecure=%v): %v", cfg.Central.URL, cfg.Central.AllowInsecure, err)
		}
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}
}
