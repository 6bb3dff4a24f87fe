package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// MustStartCentral serves central on loopback over a temporary SQLite store
// with one office, its roster and a kiosk; it returns the URL and the kiosk's id and secret.
func MustStartCentral(tb testing.TB) (url, kioskID, secret string, stop func()) {
	tb.Helper()
	store, err := sqlite.OpenCentral(context.Background(), filepath.Join(tb.TempDir(), "central.db"), sqlite.CentralOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	url, kioskID, secret, stop, _ = mustStartCentralOn(tb, store)
	return url, kioskID, secret, stop
}

// mustStartCentralOn is MustStartCentral over store (closed at the end);
// start serves it again at the same address after stop.
func mustStartCentralOn(tb testing.TB, store survey.CentralStore, options ...func(*central.Options)) (url, kioskID, secret string, stop, start func()) {
	tb.Helper()
	ctx := context.Background()
	o := survey.Office{Name: "Disdukcapil"}
	if err := store.CreateOffice(ctx, &o); err != nil {
		tb.Fatal(err)
	}
	// The office's roster at central is the test roster the kiosks import:
	// a sync must not deactivate a staff member a test is about to rate.
	if _, err := store.ImportOfficeStaff(ctx, o.ID, []survey.Staff{{NIP: nipSiti, Name: "Siti Aminah", Active: true},
		{NIP: nipBudi, Name: "Budi Santoso", Active: true}}); err != nil {
		tb.Fatal(err)
	}
	k, secret, err := central.NewKiosk(ctx, store, o)
	if err != nil {
		tb.Fatal(err)
	}
	var srv *central.Server
	var done chan error
	addr := "127.0.0.1:0"
	start = func() {
		var err error
		o := central.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		for _, f := range options {
			f(&o)
		}
		if srv, err = central.NewServer(central.DefaultConfig(), store, o); err != nil {
			tb.Fatal(err)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			tb.Fatal(err)
		}
		addr, done = ln.Addr().String(), make(chan error, 1)
		go func() { done <- srv.Serve(ln) }()
	}
	start()
	stop = func() {
		if srv != nil {
			srv.Shutdown(5 * time.Second)
			<-done
			srv = nil
		}
	}
	tb.Cleanup(func() { stop(); store.Close() })
	return "http://" + addr, k.ID, secret, stop, start
}

// mustRate stores n responses directly in the kiosk database at path.
func mustRate(tb testing.TB, path string, n int) {
	tb.Helper()
	// Once connected, the kiosk signs every head: ratings written without
	// its key would be a chain it cannot vouch for (a break).
	var key ed25519.PrivateKey
	if secret := os.Getenv("TEST_KIOSK_SECRET"); secret != "" {
		var err error
		if key, err = wire.ParseSecret(secret); err != nil {
			tb.Fatal(err)
		}
	}
	db, err := openDB(context.Background(), kiosk.Config{Database: path, CommentLimit: survey.DefaultCommentLimit}, key, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.StaffByNIP(context.Background(), nipSiti); err != nil {
		s := survey.Staff{NIP: nipSiti, Name: "Siti", Active: true}
		if err := db.CreateStaff(context.Background(), &s); err != nil {
			tb.Fatal(err)
		}
	}
	for range n {
		r := survey.Response{NIP: nipSiti, Service: "KIA", Channel: survey.ChannelAPI, Ratings: survey.Ratings{4, 4, 3, 4, 4, 4, 4, 3, 4}}
		if _, err := db.CreateResponse(context.Background(), &r); err != nil {
			tb.Fatal(err)
		}
	}
}

// mustMarkAllSynced marks every pending response of the kiosk database at path as confirmed by central.
func mustMarkAllSynced(tb testing.TB, path string) {
	tb.Helper()
	db, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rs, err := db.PendingResponses(context.Background(), 0, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	if err := db.MarkSynced(context.Background(), ids, time.Now()); err != nil {
		tb.Fatal(err)
	}
}

func TestSyncCommand(t *testing.T) {
	url, kioskID, secret, stopCentral := MustStartCentral(t)
	cfg := MustConfig(t)
	t.Setenv("TEST_KIOSK_SECRET", secret)
	path := MustConfigFile(t, cfg, fmt.Sprintf("[central]\nurl = %q\nkiosk_id = %q\nsecret = \"${TEST_KIOSK_SECRET}\"\n[sync]\ntimeout = \"2s\"\n", url, kioskID))
	mustRate(t, cfg.Database, 37)

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-config", path, "sync"}, &out, &errOut); err != nil {
		t.Fatalf("sync: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "37 sent, 37 stored") || strings.Count(strings.TrimSpace(out.String()), "\n") != 0 {
		t.Errorf("summary = %q, want one line with 37 sent, 37 stored", out.String())
	}

	// Central lost what it had confirmed (as after a restore from a backup):
	// five responses the kiosk holds as synced are unknown to central. The
	// sync sends them again and says so.
	mustRate(t, cfg.Database, 5)
	mustMarkAllSynced(t, cfg.Database)
	out.Reset()
	if err := run(context.Background(), []string{"-config", path, "sync"}, &out, &errOut); err != nil {
		t.Fatalf("sync after central's loss: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "5 sent, 5 stored") || !strings.Contains(out.String(), "central had lost 5 responses") {
		t.Errorf("summary = %q, want the 5 lost responses sent again and said so", out.String())
	}

	// Central unreachable: the command gives up within sync.timeout, says
	// what to check, and loses nothing.
	stopCentral()
	mustRate(t, cfg.Database, 5)
	out.Reset()
	err := run(context.Background(), []string{"-config", path, "sync"}, &out, &errOut)
	if err == nil || cli.ExitCode(err) == 0 {
		t.Fatal("sync with central down succeeded")
	}
	for _, want := range []string{"gave up", "central.url", "5 responses stay pending"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	db, err := sqlite.OpenKiosk(context.Background(), cfg.Database, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.CountPending(context.Background()); n != 5 {
		t.Errorf("pending = %d, want 5", n)
	}
}

func TestSyncCommandNeedsCentral(t *testing.T) {
	cfg := MustConfig(t)
	path := MustConfigFile(t, cfg, "")
	err := run(context.Background(), []string{"-config", path, "sync"}, io.Discard, io.Discard)
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "[central]") {
		t.Errorf("sync without [central]: %v (exit %d)", err, cli.ExitCode(err))
	}
	path = MustConfigFile(t, cfg, "[central]\nurl = \"http://192.0.2.1:8090\"\nkiosk_id = \"k-x\"\nsecret = \"skm1-bad\"\n")
	if err := run(context.Background(), []string{"-config", path, "sync"}, io.Discard, io.Discard); cli.ExitCode(err) != 2 ||
		!strings.Contains(err.Error(), "central.secret") {
		t.Errorf("bad secret: %v", err)
	}
}

func TestExportCommand(t *testing.T) {
	url, kioskID, secret, _ := MustStartCentral(t)
	cfg := MustConfig(t)
	path := MustConfigFile(t, cfg, fmt.Sprintf("[central]\nurl = %q\nkiosk_id = %q\nsecret = %q\n", url, kioskID, secret))
	mustRate(t, cfg.Database, 12)
	file := filepath.Join(t.TempDir(), "batch.skm")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-config", path, "export", "--since", time.Now().Format("2006-01-02"), file}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "exported 12 responses") {
		t.Errorf("output = %q", out.String())
	}
	for _, args := range [][]string{{"export", file}, {"export", "--since", "kemarin", file}} {
		if err := run(context.Background(), append([]string{"-config", path}, args...), io.Discard, io.Discard); cli.ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, cli.ExitCode(err), err)
		}
	}
}
