package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/cmd/loadgen/internal/load"
)

// TestMain lets this test binary stand in for loadgen when a measurement
// re-executes itself as central (the hidden serve-central mode).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve-central" {
		if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(runTests(m))
}

// kioskd is the kiosk-side helper, built once for every test.
var kioskd string

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "loadgen-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if kioskd, err = load.BuildKioskd(context.Background(), dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// mustRun runs a loadgen command with the prebuilt helper.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	if args[0] != "night" {
		args = append(args, "-kioskd", kioskd)
	}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatalf("loadgen %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// TestKioskLoad runs every server of the comparison briefly: each acknowledged
// every request with 201 and stored exactly what it acknowledged (RunKiosk
// fails otherwise). The grouped server writes its execution trace, stopped
// early by the server's own stop.
func TestKioskLoad(t *testing.T) {
	tracePath := filepath.Join(t.TempDir(), "kiosk.trace")
	out := mustRun(t, "kiosk", "-runs", "1", "-clients", "4", "-warmup", "50ms", "-duration", "300ms", "-trace", tracePath)
	if b, err := os.ReadFile(tracePath); err != nil || !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Errorf("no execution trace at %s (%v; %d bytes)", tracePath, err, len(b))
	}
	for _, want := range []string{"grouped ", "per-request ", "no storage ", "raw 100/commit", "raw   1/commit", "grouped / raw 100",
		"grouped: responses per commit", "grouped: writer busy", "grouped: writer's time in COMMIT",
		"grouped: RSS at the end, anonymous", "grouped: RSS at the end, file pages"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if m := regexp.MustCompile(`at the end ([0-9.]+) anonymous \+ ([0-9.]+) file pages`).FindStringSubmatch(out); m == nil || m[1] == "0.0" || m[2] == "0.0" {
		t.Errorf("the grouped server's resident set is not split into anonymous and file pages (%q):\n%s", m, out)
	}
	if regexp.MustCompile(`statuses map\[[^]]*\b(4|5)\d\d:`).MatchString(out) {
		t.Errorf("a load got refusals:\n%s", out)
	}
}

func TestStartupAndPageWeight(t *testing.T) {
	out := mustRun(t, "startup", "-runs", "1")
	for _, re := range []string{`new database \d+ ms`, `existing database \d+ ms`, `gzip\s+/s/`, `/static/[0-9a-f]+/css/`, `in \d+ requests`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the output does not match %s:\n%s", re, out)
		}
	}
}

// TestSyncAndNight upload a small backlog and a small night on SQLite, and
// on PostgreSQL when TEST_POSTGRES_DSN names one; both check at central that
// every response is stored exactly once.
func TestSyncAndNight(t *testing.T) {
	backends := "sqlite"
	pg := os.Getenv("TEST_POSTGRES_DSN")
	if pg != "" {
		backends += ",postgres"
	}
	out := mustRun(t, "sync", "-backend", backends, "-backlog", "1200", "-runs", "1", "-pg", pg+"")
	if n := strings.Count(out, " run 1 "); n != strings.Count(backends, ",")+1 {
		t.Errorf("%d sync runs reported, want one per backend:\n%s", n, out)
	}
	out = mustRun(t, "night", "-backend", backends, "-kiosks", "5", "-per", "40", "-batch", "25", "-window", "100ms", "-runs", "1", "-pg", pg+"")
	if n := strings.Count(out, "5 kiosks done, 0 failed; 200 responses stored once each"); n != strings.Count(backends, ",")+1 {
		t.Errorf("not every night completed:\n%s", out)
	}
}

func TestRefusesAnotherMachine(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"sync", "-backend", "postgres", "-backlog", "1", "-runs", "1",
		"-pg", "postgres://postgres@db.example.org:5432/test"}, &out)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("a PostgreSQL server on another machine: err = %v, want a refusal naming loopback", err)
	}
}
