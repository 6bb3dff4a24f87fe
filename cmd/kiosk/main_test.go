package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
)

const (
	nipSiti = "196608011988031001"
	nipBudi = "197501152000032002"
	nipAgus = "198002282005011003"
)

const roster = "nip,name,position,unit,counter\n" +
	nipSiti + ",Siti Aminah,Pengadministrasi,Pendaftaran Penduduk,Loket 1\n" +
	nipBudi + ",\"Budi Santoso, S.H.\",Verifikator,Pencatatan Sipil,Loket 2\n"

// MustConfig returns the default configuration on 127.0.0.1:0 with a database under tb.TempDir().
func MustConfig(tb testing.TB) kiosk.Config {
	tb.Helper()
	cfg := kiosk.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Database = filepath.Join(tb.TempDir(), "data", "kiosk.db")
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// MustWriteFile writes content to name under dir and returns the path.
func MustWriteFile(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustConfigFile writes a configuration file naming cfg's listen address
// and database, plus extra TOML, and returns its path.
func MustConfigFile(tb testing.TB, cfg kiosk.Config, extra string) string {
	tb.Helper()
	text := fmt.Sprintf("listen = '%s'\ndatabase = '%s'\n%s\n", cfg.Listen, cfg.Database, extra)
	return MustWriteFile(tb, tb.TempDir(), "kiosk.toml", text)
}

// MustRunMain starts a Main with cfg and registers its Close. The returned
// function closes it early (once); the cleanup then does nothing.
func MustRunMain(tb testing.TB, cfg kiosk.Config) (*Main, func() error) {
	tb.Helper()
	m := &Main{Config: cfg, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		tb.Fatal(err)
	}
	var once sync.Once
	var closeErr error
	closeMain := func() error {
		once.Do(func() { closeErr = m.Close() })
		return closeErr
	}
	tb.Cleanup(func() {
		if err := closeMain(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return m, closeMain
}

// MustGet fetches u and returns the status and body.
func MustGet(tb testing.TB, u string) (int, string) {
	tb.Helper()
	resp, err := http.Get(u)
	if err != nil {
		tb.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// MustStaffNIPs returns the NIPs GET /api/v1/staff lists.
func MustStaffNIPs(tb testing.TB, base string) []string {
	tb.Helper()
	status, body := MustGet(tb, base+"/api/v1/staff")
	if status != http.StatusOK {
		tb.Fatalf("GET /api/v1/staff: %d %s", status, body)
	}
	var staff []struct {
		NIP  string `json:"nip"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(body), &staff); err != nil {
		tb.Fatal(err)
	}
	nips := make([]string, len(staff))
	for i, s := range staff {
		nips[i] = s.NIP
	}
	return nips
}

func TestMainServesWithOneTimeSetupLink(t *testing.T) {
	cfg := MustConfig(t)
	m, closeMain := MustRunMain(t, cfg)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(m.PublicURL) {
		t.Errorf("PublicURL %q, want http://127.0.0.1:<port> derived from the listener", m.PublicURL)
	}
	status, body := MustGet(t, m.PublicURL+"/healthz")
	if status != http.StatusOK || !strings.Contains(body, `"status":"ok"`) || !strings.Contains(body, `"pending":0`) {
		t.Errorf("healthz: %d %s", status, body)
	}
	token, ok := strings.CutPrefix(m.SetupURL, m.PublicURL+"/setup?token=")
	if !ok || len(token) < 20 {
		t.Fatalf("SetupURL %q, want %s/setup?token=<random>", m.SetupURL, m.PublicURL)
	}
	if status, body := MustGet(t, m.SetupURL); status != http.StatusOK || !strings.Contains(body, `name="password2"`) {
		t.Errorf("set-up link: %d", status)
	}
	if err := closeMain(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := http.Get(m.PublicURL + "/healthz"); err == nil {
		t.Error("still answering after Close")
	}

	// A restart on the same database prints a new link and spends the old one.
	m2, _ := MustRunMain(t, cfg)
	if m2.SetupURL == "" || m2.SetupURL == m.SetupURL {
		t.Fatalf("restart set-up link %q, want a new one", m2.SetupURL)
	}
	old := strings.Replace(m.SetupURL, m.PublicURL, m2.PublicURL, 1)
	if status, _ := MustGet(t, old); status != http.StatusForbidden {
		t.Errorf("the previous start's link answers %d, want 403", status)
	}
	// Another kiosk gets another token: nothing is a fixed default.
	m3, _ := MustRunMain(t, MustConfig(t))
	if strings.TrimPrefix(m3.SetupURL, m3.PublicURL) == strings.TrimPrefix(m2.SetupURL, m2.PublicURL) {
		t.Error("two kiosks print the same set-up token")
	}
}

func TestRunPrintsAddressAndSetupLink(t *testing.T) {
	cfg := MustConfig(t)
	path := MustConfigFile(t, cfg, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-config", path}, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	// Read what the console shows until the set-up link appears; keep
	// draining afterwards so the server never blocks on its log.
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var ready, setup string
	for setup == "" {
		line, ok := <-lines
		if !ok {
			t.Fatalf("the console closed before a set-up link was printed (run: %v)", <-done)
		}
		if _, u, found := strings.Cut(line, "Kiosk ready:"); found {
			ready = strings.TrimSpace(u)
		}
		if strings.Contains(line, "/setup?token=") {
			setup = strings.TrimSpace(line)
		}
	}
	go func() {
		for range lines {
		}
	}()
	if ready == "" || !strings.HasPrefix(setup, ready+"/setup?token=") {
		t.Errorf("printed address %q and link %q", ready, setup)
	}
	if status, _ := MustGet(t, ready+"/healthz"); status != http.StatusOK {
		t.Errorf("printed address answers %d", status)
	}
	if status, body := MustGet(t, setup); status != http.StatusOK || !strings.Contains(body, `action="/setup"`) {
		t.Errorf("printed set-up link answers %d", status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after cancel: %v", err)
	}
}

func TestRunRefusesBadConfiguration(t *testing.T) {
	cfg := MustConfig(t)
	for _, tc := range []struct {
		name, toml, want string
	}{
		{"unknown key", `colour = "blue"`, "colour"},
		{"unknown nested key", "[kiosk]\nidle = \"90s\"", "kiosk.idle"},
		{"listen not host:port", `listen = "nope"`, "listen"},
		{"idle_reset too short", "[kiosk]\nidle_reset = \"1s\"", "kiosk.idle_reset"},
		{"idle_reset not a duration", "[kiosk]\nidle_reset = \"soon\"", "idle_reset"},
		{"return_after too long", "[kiosk]\nreturn_after = \"1h\"", "kiosk.return_after"},
		{"prompt_wait under WCAG's 20 s", "[kiosk]\nprompt_wait = \"10s\"", "kiosk.prompt_wait"},
		{"unfinished neither drop nor keep", "[kiosk]\nunfinished = \"save\"", "kiosk.unfinished"},
		{"wording in an unoffered language", "[survey.wording.fr.waktu]\nquestion = \"?\"", "survey.wording.fr"},
		{"a two-line question", "[survey.wording.jv.waktu]\nquestion = \"siji\\nloro\"", "survey.wording.jv.waktu"},
		{"central public_url not absolute", "[central]\npublic_url = \"pusat.example\"", "central.public_url"},
		{"comment_limit of the wrong type", `comment_limit = "many"`, "comment_limit"},
		{"comment_limit zero", `comment_limit = 0`, "comment_limit"},
		{"public_url not absolute", `public_url = "kiosk.local"`, "public_url"},
		{"log level", "[log]\nlevel = \"loud\"", "log.level"},
		{"wording for an unknown element", "[survey.wording.id.kecepatan]\nquestion = \"?\"", "kecepatan"},
		{"unset environment variable", "[central]\nsecret = \"${SKM_TEST_UNSET_SECRET}\"", "SKM_TEST_UNSET_SECRET"},
		{"central url without id", "[central]\nurl = \"https://pusat.example\"", "central.kiosk_id"},
		{"visit codes valid for a minute", "[visits]\nttl = \"1m\"", "visits.ttl"},
		{"a negative minting cap", "[visits]\nper_account = -1", "visits.per_account"},
		{"a minting window too short", "[visits]\nmint_window = \"10s\"", "visits.mint_window"},
		{"a tablet offer longer than the code", "[visits]\ntablet_window = \"3h\"", "visits.tablet_window"},
		{"a negative limit", "[limits]\nper_device = -1", "limits.per_device"},
		{"a limit window too short", "[limits]\naddress_window = \"10s\"", "limits.address_window"},
		{"key rotation shorter than a window", "[limits]\nkey_rotation = \"2h\"", "limits.key_rotation"},
		{"contacts kept for no time", "[privacy]\ncontact_retention = \"0\"", "privacy.contact_retention"},
		{"no purge schedule", "[privacy]\npurge_schedule = \"\"", "privacy.purge_schedule"},
		{"syntax error", `listen = `, "kiosk.toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.toml
			if !strings.Contains(text, "listen =") {
				text = "listen = '" + cfg.Listen + "'\n" + text
			}
			text = "database = '" + cfg.Database + "'\n" + text // top level: before any [table]
			path := MustWriteFile(t, t.TempDir(), "kiosk.toml", text)
			// A cancelled context: should the configuration be wrongly
			// accepted, run fails at once instead of serving.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out bytes.Buffer
			err := run(ctx, []string{"-config", path}, &out, &out)
			if code := cli.ExitCode(err); code != 2 {
				t.Fatalf("exit code %d (%v), want 2", code, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message %q does not name %q", err, tc.want)
			}
		})
	}
	if err := run(context.Background(), []string{"-config", filepath.Join(t.TempDir(), "none.toml")}, io.Discard, io.Discard); cli.ExitCode(err) != 2 {
		t.Errorf("a missing configuration file: %v, want exit code 2", err)
	}
	if err := run(context.Background(), []string{"-bogus"}, io.Discard, io.Discard); cli.ExitCode(err) != 2 {
		t.Errorf("an unknown flag: %v, want exit code 2", err)
	}
}

func TestStaffImportWhileServing(t *testing.T) {
	cfg := MustConfig(t)
	m, _ := MustRunMain(t, cfg)
	path := MustConfigFile(t, cfg, "")
	dir := t.TempDir()
	ctx := context.Background()

	var out bytes.Buffer
	if err := run(ctx, []string{"-config", path, "staff", "import", MustWriteFile(t, dir, "roster.csv", roster)}, &out, &out); err != nil {
		t.Fatalf("staff import: %v", err)
	}
	if !strings.Contains(out.String(), "2 added, 0 updated") {
		t.Errorf("import output %q", out.String())
	}
	if got := MustStaffNIPs(t, m.PublicURL); strings.Join(got, ",") != nipSiti+","+nipBudi {
		t.Fatalf("the running kiosk lists %v after the import, want both", got)
	}

	bad := "nip,name,position,unit,counter\n" +
		nipAgus + ",Agus Salim,Staf,Unit,Loket 3\n" +
		"12345,Pendek,Staf,Unit,Loket 4\n" +
		nipSiti + ",Siti Aminah,Staf,Unit,Loket 1\n" +
		"196613011988031001,Tanggal Salah,Staf,Unit,Loket 5\n" +
		nipBudi + ",,Staf,Unit,Loket 2\n"
	out.Reset()
	err := run(ctx, []string{"-config", path, "staff", "import", MustWriteFile(t, dir, "bad.csv", bad)}, &out, &out)
	if code := cli.ExitCode(err); code != 2 {
		t.Fatalf("bad roster: exit code %d (%v), want 2", code, err)
	}
	for _, want := range []string{"line 3", "line 5", "line 6", "bad.csv"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	for _, good := range []string{"line 2:", "line 4:"} {
		if strings.Contains(err.Error(), good) {
			t.Errorf("message %q blames the good %s", err, good)
		}
	}
	if got := MustStaffNIPs(t, m.PublicURL); len(got) != 2 {
		t.Errorf("after a refused file the kiosk lists %v; nothing may be imported", got)
	}

	err = run(ctx, []string{"-config", path, "staff", "import", filepath.Join(dir, "none.csv")}, io.Discard, io.Discard)
	if code := cli.ExitCode(err); code != 2 {
		t.Errorf("a missing file: exit code %d (%v), want 2", code, err)
	}
}

func TestStaffExportReimports(t *testing.T) {
	cfg := MustConfig(t)
	path := MustConfigFile(t, cfg, "")
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"-config", path, "staff", "import", MustWriteFile(t, dir, "roster.csv", roster)}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if err := run(ctx, []string{"-config", path, "staff", "export"}, &first, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first.String(), "nip,name,position,unit,counter") || !strings.Contains(first.String(), `"Budi Santoso, S.H."`) {
		t.Errorf("export:\n%s", first.String())
	}
	exported := filepath.Join(dir, "export.csv")
	if err := run(ctx, []string{"-config", path, "staff", "export", exported}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	fileData, err := os.ReadFile(exported)
	if err != nil || string(fileData) != first.String() {
		t.Errorf("export to a file differs from standard output (%v)", err)
	}

	other := MustConfig(t)
	otherPath := MustConfigFile(t, other, "")
	if err := run(ctx, []string{"-config", otherPath, "staff", "import", exported}, io.Discard, io.Discard); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	var second bytes.Buffer
	if err := run(ctx, []string{"-config", otherPath, "staff", "export"}, &second, io.Discard); err != nil {
		t.Fatal(err)
	}
	if second.String() != first.String() {
		t.Errorf("export → import → export changed the roster:\n%s\n---\n%s", first.String(), second.String())
	}
}

func TestConfigExampleDocumentsDefaults(t *testing.T) {
	const example = "../../config.example.toml"
	cfg := kiosk.DefaultConfig()
	if err := cli.LoadTOML(example, &cfg); err != nil {
		t.Fatal(err)
	}
	if want := kiosk.DefaultConfig(); !reflect.DeepEqual(cfg, want) {
		t.Errorf("config.example.toml does not hold the defaults:\n got %+v\nwant %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the example does not validate: %v", err)
	}
	// Every key of the configuration appears in the example.
	var doc map[string]any
	md, err := toml.DecodeFile(example, &doc)
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, k := range md.Keys() {
		present[k.String()] = true
	}
	for _, key := range tomlKeys(reflect.TypeOf(kiosk.Config{}), "") {
		if !present[key] {
			t.Errorf("config.example.toml does not document %s", key)
		}
	}
}

// tomlKeys lists the dotted TOML keys of a configuration struct's leaf
// fields; maps (the wording overrides) are documented by example in comments.
func tomlKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		key := prefix + name
		switch {
		case f.Type.Kind() == reflect.Struct && f.Type.PkgPath() != "time":
			keys = append(keys, tomlKeys(f.Type, key+".")...)
		case f.Type.Kind() == reflect.Map:
		default:
			keys = append(keys, key)
		}
	}
	return keys
}
