package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// TestMain removes the binaries the process tests build.
func TestMain(m *testing.M) { proctest.Main(m) }

const officeName = "Disdukcapil Kota Serang"

// MustCentralConfigFile writes a configuration for the central binary.
func MustCentralConfigFile(tb testing.TB, addr, database string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "central.toml")
	text := fmt.Sprintf("listen = '%s'\ndatabase = '%s'\n[log]\nformat = \"json\"\n", addr, database)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustSetUpOffice registers the office, its roster and n kiosks with the
// central binary and returns the kiosks' ids and secrets.
func MustSetUpOffice(tb testing.TB, bin, cfg string, n int) [][2]string {
	tb.Helper()
	proctest.MustRun(tb, bin, "-config", cfg, "office", "add", officeName)
	rosterFile := filepath.Join(tb.TempDir(), "roster.csv")
	if err := os.WriteFile(rosterFile, []byte(roster), 0o600); err != nil {
		tb.Fatal(err)
	}
	proctest.MustRun(tb, bin, "-config", cfg, "staff", "import", "--office", officeName, rosterFile)
	var out [][2]string
	for range n {
		var k struct {
			KioskID string `json:"kiosk_id"`
			Secret  string `json:"secret"`
		}
		if err := json.Unmarshal([]byte(proctest.MustRun(tb, bin, "-config", cfg, "kiosk", "add", "--office", officeName, "--json")), &k); err != nil {
			tb.Fatal(err)
		}
		out = append(out, [2]string{k.KioskID, k.Secret})
	}
	return out
}

// testKiosk is a kiosk's buffer and uploader, in this process.
type testKiosk struct {
	ID   string
	Key  ed25519.PrivateKey
	DB   *sqlite.KioskDB
	Up   *upload.Uploader
	ids  []string
	path string // the database file
}

// MustNewKiosk opens a kiosk database uploading to url with id and secret.
func MustNewKiosk(tb testing.TB, url, id, secret string) *testKiosk {
	tb.Helper()
	key, err := wire.ParseSecret(secret)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "kiosk.db")
	ck := wire.ChainKey{Key: key} // as cmd/kiosk opens it
	db, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{
		SignHead: ck.SignHead, VerifyHead: ck.VerifyHead, SignSegment: ck.SignSegment})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	for _, line := range strings.Split(strings.TrimSpace(roster), "\n")[1:] {
		s := survey.Staff{NIP: strings.Split(line, ",")[0], Name: "Petugas", Active: true}
		if err := db.CreateStaff(context.Background(), &s); err != nil {
			tb.Fatal(err)
		}
	}
	up := upload.New(db, upload.Config{BaseURL: url, KioskID: id, Key: key, BatchSize: 50, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	return &testKiosk{ID: id, Key: key, DB: db, Up: up, path: path}
}

// MustRate stores n responses with varied content.
func (k *testKiosk) MustRate(tb testing.TB, n int) {
	tb.Helper()
	nips := []string{"196608011988031001", "198512252010122003"}
	for i := range n {
		j := len(k.ids)
		r := survey.Response{NIP: nips[j%2], Service: "KTPEL_BARU", Channel: survey.ChannelAPI, Comment: fmt.Sprintf("%s %d", k.ID, j),
			Ratings: survey.Ratings{4, 3, int8(1 + j%4), 4, int8(1 + i%4), 4, 4, 3, int8(1 + (j/4)%4)}}
		if _, err := k.DB.CreateResponse(context.Background(), &r); err != nil {
			tb.Fatal(err)
		}
		k.ids = append(k.ids, r.ID)
	}
}

func (k *testKiosk) pending(tb testing.TB) int64 {
	n, err := k.DB.CountPending(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// MustVerifyExactlyOnce opens central's database and checks that it holds
// each kiosk's responses once each, with the kiosk's content, with no
// integrity finding and no gap.
func MustVerifyExactlyOnce(tb testing.TB, database string, kiosks []*testKiosk) {
	tb.Helper()
	ctx := context.Background()
	cfg := central.DefaultConfig()
	cfg.Database = database
	store, err := openStore(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	var total int64
	for _, k := range kiosks {
		if n, err := store.CountResponses(ctx, k.ID); err != nil || n != int64(len(k.ids)) {
			tb.Errorf("kiosk %s: central holds %d responses (%v), the kiosk created %d", k.ID, n, err, len(k.ids))
		}
		total += int64(len(k.ids))
		for _, id := range k.ids {
			local, err := k.DB.ResponseByID(ctx, id)
			if err != nil {
				tb.Fatal(err)
			}
			stored, err := store.ResponseByID(ctx, id)
			if err != nil {
				tb.Fatalf("central lacks %s: %v", id, err)
			}
			if stored.Fingerprint != local.Fingerprint() || stored.Seq != local.Seq || stored.Suspect {
				tb.Fatalf("response %s differs at central (seq %d/%d, flags %v)", id, stored.Seq, local.Seq, stored.Flags)
			}
		}
		if fs, err := store.FindFindings(ctx, survey.FindingFilter{KioskID: k.ID}); err != nil || len(fs) != 0 {
			tb.Errorf("kiosk %s: findings %+v (%v), want none", k.ID, fs, err)
		}
		if gaps, err := store.FindGaps(ctx, k.ID); err != nil || len(gaps) != 0 {
			tb.Errorf("kiosk %s: gaps %+v (%v), want none", k.ID, gaps, err)
		}
	}
	if n, err := store.CountResponses(ctx, ""); err != nil || n != total {
		tb.Errorf("central holds %d responses in all (%v), want %d", n, err, total)
	}
}

// Central is killed with SIGKILL at random moments while two kiosks upload
// in batches, restarted on the same database, and the uploads run again:
// every response is stored exactly once with its content, without a false
// integrity finding, on SQLite (integrity_check ok) and PostgreSQL.
func TestCentralSurvivesSIGKILLDuringIngest(t *testing.T) {
	backends(t, func(t *testing.T, database string) {
		bin := proctest.Central(t)
		addr := proctest.FreeAddr(t)
		base := "http://" + addr
		cfg := MustCentralConfigFile(t, addr, database)
		var kiosks []*testKiosk
		for _, k := range MustSetUpOffice(t, bin, cfg, 2) {
			kiosks = append(kiosks, MustNewKiosk(t, base, k[0], k[1]))
		}
		seed := time.Now().UnixNano()
		rng := rand.New(rand.NewPCG(uint64(seed), 0))
		t.Logf("seed %d", seed)
		backoff := upload.Backoff{Base: 5 * time.Millisecond, Max: 50 * time.Millisecond}
		const rounds = 3
		for range rounds {
			var pendingBefore int64
			for _, k := range kiosks {
				k.MustRate(t, 600)
				pendingBefore += k.pending(t)
			}
			p := proctest.Start(t, base, bin, "-config", cfg)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, k := range kiosks {
				wg.Go(func() { k.Up.Run(ctx, backoff) }) // fails when central dies: that is the point
			}
			waitForCondition(t, 60*time.Second, "batches confirmed", func() bool {
				var n int64
				for _, k := range kiosks {
					n += k.pending(t)
				}
				return n < pendingBefore-100
			})
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond) // the random moment of the crash
			p.Kill()
			cancel()
			wg.Wait()
		}
		p := proctest.Start(t, base, bin, "-config", cfg)
		for _, k := range kiosks {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			res, err := k.Up.Run(ctx, backoff)
			cancel()
			if err != nil || res.Pending != 0 {
				t.Fatalf("kiosk %s: final upload %+v: %v", k.ID, res, err)
			}
			t.Logf("kiosk %s: the final run sent %d: %d stored, %d already at central", k.ID, res.Sent, res.Stored, res.Duplicates)
		}
		p.Stop(t)
		if !strings.HasPrefix(database, "postgres") {
			if res, err := sqlite.IntegrityCheckFile(context.Background(), database); err != nil || res != "ok" {
				t.Fatalf("integrity_check = %q, %v", res, err)
			}
		}
		MustVerifyExactlyOnce(t, database, kiosks)
	})
}

// waitForCondition polls cond until it holds or timeout passes.
func waitForCondition(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(timeout); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, bounded by the deadline
	}
}
