package upload_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/ingest"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

func TestNightlyRun(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 50)
		k.MustRate(t, 120)
		res, err := k.Up.Run(context.Background(), fastBackoff)
		if err != nil {
			t.Fatal(err)
		}
		if res.Buffered != 120 || res.Sent != 120 || res.Stored != 120 || res.Pending != 0 {
			t.Errorf("result = %+v", res)
		}
		AssertExactlyOnce(t, store, k)
		// The roster came from central: the kiosk now shows it as managed.
		if v, _, _ := k.DB.Setting(context.Background(), upload.SettingManaged); v != "1" {
			t.Error("the kiosk does not mark its roster as managed by central")
		}
		if s, err := k.DB.StaffByNIP(context.Background(), nip1); err != nil || s.Name != "Siti Aminah" || s.Unit != "Dafduk" {
			t.Errorf("roster not pulled: %+v %v", s, err)
		}
		// The kiosk's receipt and central's reconciliation agree.
		runs, err := k.DB.SyncRuns(context.Background(), 1)
		if err != nil || len(runs) != 1 {
			t.Fatal(runs, err)
		}
		receipts, err := store.FindReceipts(context.Background(), survey.ReceiptFilter{KioskID: k.ID})
		if err != nil || len(receipts) != 1 {
			t.Fatal(receipts, err)
		}
		r, kr := receipts[0], runs[0]
		if r.Sent != kr.Sent || r.Stored != kr.Stored || r.Duplicates != kr.Duplicates || r.Refused != kr.Refused || r.Buffered != kr.Buffered || r.Gaps != 0 {
			t.Errorf("central receipt %+v differs from the kiosk's %+v", r, kr)
		}
		// A second run has nothing to send.
		res, err = k.Up.Run(context.Background(), fastBackoff)
		if err != nil || res.Sent != 0 {
			t.Errorf("second run = %+v, %v", res, err)
		}
	})
}

func TestCentralDownThenUp(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		p := MustStartProxy(t, c.URL)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, p.URL, k0.ID, secret, 20)
		k.MustRate(t, 45)
		p.set(modeRefuse, 0)
		_, err := k.Up.SyncOnce(context.Background())
		if err == nil || isPermanent(err) {
			t.Fatalf("central down: err = %v, want a retryable error", err)
		}
		if !strings.Contains(err.Error(), "cannot be reached") {
			t.Errorf("error %q does not say central cannot be reached", err)
		}
		if st := k.Up.Status(); st.LastError == "" || !st.LastSuccess.IsZero() {
			t.Errorf("status after failure = %+v", st)
		}
		if n, _ := k.DB.CountPending(context.Background()); n != 45 {
			t.Fatalf("pending after a failed run = %d, want 45", n)
		}
		p.set(modePass, 0)
		if _, err := k.Up.Run(context.Background(), fastBackoff); err != nil {
			t.Fatal(err)
		}
		AssertExactlyOnce(t, store, k)
	})
}

func TestCentralRestartedMidBacklog(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 10)
		k.MustRate(t, 60)
		// Stop central after the third batch has been confirmed.
		k.Up.SetProgress(func(sent, total int64) {
			if sent == 30 {
				c.stop()
			}
		})
		if _, err := k.Up.SyncOnce(context.Background()); err == nil {
			t.Fatal("sync succeeded although central stopped")
		}
		// The three confirmed batches are marked; the fourth may have been
		// stored and confirmed while central shut down, but nothing central
		// lacks is marked.
		held, err := store.CountResponses(context.Background(), k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := k.DB.CountPending(context.Background()); n > 30 || n < 60-held {
			t.Errorf("pending after the restart = %d with %d held at central, want at most 30 and at least %d", n, held, 60-held)
		}
		k.Up.SetProgress(nil)
		c.start(t)
		if _, err := k.Up.Run(context.Background(), fastBackoff); err != nil {
			t.Fatal(err)
		}
		AssertExactlyOnce(t, store, k)
	})
}

func TestConnectionCutMidRequest(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		p := MustStartProxy(t, c.URL)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, p.URL, k0.ID, secret, 100)
		k.MustRate(t, 250)
		// The cut falls inside the first batch's body (the roster request before it is small).
		p.set(modeCutRequest, 4000)
		if _, err := k.Up.SyncOnce(context.Background()); err == nil || isPermanent(err) {
			t.Fatalf("cut connection: err = %v, want a retryable error", err)
		}
		if p.cuts.Load() == 0 {
			t.Fatal("the proxy never cut a connection")
		}
		if n, _ := k.DB.CountPending(context.Background()); n != 250 {
			t.Errorf("pending after the cut = %d, want 250", n)
		}
		p.set(modePass, 0)
		if _, err := k.Up.Run(context.Background(), fastBackoff); err != nil {
			t.Fatal(err)
		}
		AssertExactlyOnce(t, store, k)
	})
}

func TestConnectionCutMidReply(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		cut := &cutReply{target: c.URL, client: &http.Client{}}
		cut.cuts.Store(2)
		srv := httptest.NewServer(cut)
		defer srv.Close()
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, srv.URL, k0.ID, secret, 100)
		k.MustRate(t, 250)
		res, err := k.Up.Run(context.Background(), fastBackoff)
		if err != nil {
			t.Fatal(err)
		}
		if cut.done.Load() != 2 {
			t.Fatalf("%d replies cut, want 2", cut.done.Load())
		}
		// Central stored both cut batches; the kiosk resent them and learnt they were known.
		// Both cuts hit the first batch (its resend too): central stored it once and
		// answered the third delivery "duplicate".
		if res.Duplicates != 100 || res.Stored != 150 {
			t.Errorf("result after lost replies = %+v, want 100 duplicates and 150 stored", res)
		}
		AssertExactlyOnce(t, store, k)
	})
}

func TestErrorEveryOtherRequest(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		flaky := httptest.NewServer(&errorEveryOther{target: c.URL, client: &http.Client{}})
		defer flaky.Close()
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, flaky.URL, k0.ID, secret, 25)
		k.MustRate(t, 130)
		if _, err := k.Up.Run(context.Background(), fastBackoff); err != nil {
			t.Fatal(err)
		}
		AssertExactlyOnce(t, store, k)
	})
}

func TestUploaderKilledMidRun(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 10)
		k.MustRate(t, 80)
		ctx, cancel := context.WithCancel(context.Background())
		k.Up.SetProgress(func(sent, total int64) {
			if sent == 40 {
				cancel() // as if the process died while the next batch is on its way
			}
		})
		if _, err := k.Up.SyncOnce(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		k.Up.SetProgress(nil)
		if _, err := k.Up.Run(context.Background(), fastBackoff); err != nil {
			t.Fatal(err)
		}
		AssertExactlyOnce(t, store, k)
	})
}

func TestSameBatchDeliveredTwice(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 50)
		k.MustRate(t, 30)
		body := mustBatchBody(t, k, k.ID)
		for i, want := range []survey.IngestCounts{{Sent: 30, Stored: 30}, {Sent: 30, Duplicates: 30}} {
			status, reply := postSigned(t, c.URL, k.ID, k.Key, body)
			var r wire.BatchReply
			if status != http.StatusOK || json.Unmarshal(reply, &r) != nil || r.IngestCounts != want {
				t.Fatalf("delivery %d: %d %s, want counts %+v", i+1, status, reply, want)
			}
		}
		if n, _ := store.CountResponses(context.Background(), k.ID); n != 30 {
			t.Errorf("central holds %d, want 30", n)
		}
	})
}

// mustBatchBody builds the batch the kiosk would send for its pending responses, naming kioskID.
func mustBatchBody(t *testing.T, k *kioskHarness, kioskID string) []byte {
	t.Helper()
	rs, err := k.DB.PendingResponses(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].KioskID, rs[i].IdempotencyKey = kioskID, ""
	}
	b, err := json.Marshal(wire.Batch{KioskID: kioskID, BatchMeta: survey.BatchMeta{BatchID: "b1", SentAt: time.Now().UTC()}, Responses: rs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postSigned sends body to the batch endpoint signed with key as kioskID.
func postSigned(t *testing.T, url, kioskID string, key []byte, body []byte) (int, []byte) {
	t.Helper()
	return postSignedTo(t, url, wire.PathBatches, kioskID, key, body)
}

// postSignedTo sends body to path signed with key as kioskID (unsigned when key is nil).
func postSignedTo(t *testing.T, url, path, kioskID string, key []byte, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
	if key != nil {
		ts, sig := wire.SignRequest(key, http.MethodPost, path, body, time.Now())
		req.Header.Set(wire.HeaderKiosk, kioskID)
		req.Header.Set(wire.HeaderTimestamp, ts)
		req.Header.Set(wire.HeaderSignature, sig)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestCredentialsRefused(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		kA, secretA := c.MustAddKiosk(t)
		kB, secretB := c.MustAddKiosk(t)
		a := MustNewKiosk(t, c.URL, kA.ID, secretA, 50)
		a.MustRate(t, 5)
		b := MustNewKiosk(t, c.URL, kB.ID, secretB, 50)
		other := survey.Office{Name: "Dinas Lain"}
		if err := store.CreateOffice(context.Background(), &other); err != nil {
			t.Fatal(err)
		}
		body := mustBatchBody(t, a, a.ID)
		otherSecret, _, _ := wire.NewKioskKey()
		otherKey, _ := wire.ParseSecret(otherSecret)

		tampered := bytes.Replace(body, []byte(`"persyaratan":4`), []byte(`"persyaratan":1`), 1)
		check := func(name string, want int, status int, reply []byte) {
			t.Helper()
			if status != want || !bytes.Contains(reply, []byte(`"message"`)) {
				t.Errorf("%s: %d %s, want %d with a message", name, status, reply, want)
			}
		}
		st, rp := postSigned(t, c.URL, a.ID, nil, body)
		check("missing credentials", http.StatusUnauthorized, st, rp)
		st, rp = postSigned(t, c.URL, a.ID, otherKey, body)
		check("wrong secret", http.StatusUnauthorized, st, rp)
		st, rp = postSigned(t, c.URL, "k-unknown", a.Key, body)
		check("unknown kiosk", http.StatusUnauthorized, st, rp)
		// A tampered body no longer matches the signature made over the original.
		req, _ := http.NewRequest(http.MethodPost, c.URL+wire.PathBatches, bytes.NewReader(tampered))
		ts, sig := wire.SignRequest(a.Key, http.MethodPost, wire.PathBatches, body, time.Now())
		req.Header.Set(wire.HeaderKiosk, a.ID)
		req.Header.Set(wire.HeaderTimestamp, ts)
		req.Header.Set(wire.HeaderSignature, sig)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("tampered body: %v %v", resp.Status, err)
		} else {
			resp.Body.Close()
		}
		// Kiosk B replays kiosk A's batch, signed with B's own key: another kiosk's data.
		st, rp = postSigned(t, c.URL, b.ID, b.Key, body)
		check("batch for another kiosk", http.StatusForbidden, st, rp)
		// B names itself in the batch but carries A's responses.
		st, rp = postSigned(t, c.URL, b.ID, b.Key, bytes.ReplaceAll(body, []byte(`"kiosk_id":"`+a.ID+`","office`), []byte(`"kiosk_id":"`+b.ID+`","office`)))
		if st != http.StatusForbidden {
			var wb wire.Batch
			json.Unmarshal(body, &wb)
			wb.KioskID = b.ID
			nb, _ := json.Marshal(wb)
			st, rp = postSigned(t, c.URL, b.ID, b.Key, nb)
		}
		check("responses of another kiosk", http.StatusForbidden, st, rp)
		// A batch naming another office.
		var wb wire.Batch
		json.Unmarshal(body, &wb)
		wb.Office = other.Name
		nb, _ := json.Marshal(wb)
		st, rp = postSigned(t, c.URL, a.ID, a.Key, nb)
		check("another office", http.StatusForbidden, st, rp)
		// A stale timestamp.
		req, _ = http.NewRequest(http.MethodPost, c.URL+wire.PathBatches, bytes.NewReader(body))
		ts, sig = wire.SignRequest(a.Key, http.MethodPost, wire.PathBatches, body, time.Now().Add(-10*time.Minute))
		req.Header.Set(wire.HeaderKiosk, a.ID)
		req.Header.Set(wire.HeaderTimestamp, ts)
		req.Header.Set(wire.HeaderSignature, sig)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("stale timestamp: %v %v", resp.Status, err)
		} else {
			resp.Body.Close()
		}
		// Malformed batch: 400 naming what is wrong.
		st, rp = postSigned(t, c.URL, a.ID, a.Key, []byte(`{"kiosk_id": 5}`))
		if st != http.StatusBadRequest || !bytes.Contains(rp, []byte(`"field":"kiosk_id"`)) {
			t.Errorf("malformed batch: %d %s", st, rp)
		}
		if n, _ := store.CountResponses(context.Background(), ""); n != 0 {
			t.Errorf("refused requests stored %d responses", n)
		}
		// The uploader reports a wrong secret as needing a person, not a retry.
		wrong := MustNewKiosk(t, c.URL, a.ID, otherSecret, 50)
		if _, err := wrong.Up.Run(context.Background(), fastBackoff); !isPermanent(err) || !strings.Contains(err.Error(), "secret") {
			t.Errorf("wrong secret: err = %v, want a permanent error naming the secret", err)
		}
		// Revoked: every request refused, and the uploader stops.
		if err := store.RevokeKiosk(context.Background(), a.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		st, rp = postSigned(t, c.URL, a.ID, a.Key, body)
		check("revoked kiosk", http.StatusForbidden, st, rp)
		if _, err := a.Up.Run(context.Background(), fastBackoff); !isPermanent(err) || !strings.Contains(err.Error(), "revoked") {
			t.Errorf("revoked: err = %v, want a permanent error saying revoked", err)
		}
		if n, _ := a.DB.CountPending(context.Background()); n != 5 {
			t.Errorf("the revoked kiosk's pending = %d, want 5 (kept, not lost)", n)
		}
	})
}

func TestFiftyKiosksAtOnce(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		kiosks := make([]*kioskHarness, 50)
		for i := range kiosks {
			k0, secret := c.MustAddKiosk(t)
			kiosks[i] = MustNewKiosk(t, c.URL, k0.ID, secret, 15)
			kiosks[i].MustRate(t, 40)
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(kiosks))
		for _, k := range kiosks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := k.Up.Run(context.Background(), fastBackoff)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		AssertExactlyOnce(t, store, kiosks...)
	})
}

func TestOfflineFileThenSync(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 20)
		k.MustRate(t, 55)
		path := filepath.Join(t.TempDir(), "batch.skm")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		n, err := upload.Export(context.Background(), k.DB, f, k.ID, k.Key, time.Now().Add(-time.Hour), 20, time.Now())
		f.Close()
		if err != nil || n != 55 {
			t.Fatalf("exported %d, %v", n, err)
		}
		h := &ingest.Handler{Store: store}
		for i, want := range []int64{55, 0} { // the same file twice stores once
			f, _ := os.Open(path)
			res, err := h.ImportFile(context.Background(), f)
			f.Close()
			if err != nil || res.Stored != want || res.Batches != 3 {
				t.Fatalf("import %d: %+v, %v", i+1, res, err)
			}
		}
		// A file altered on the way is refused.
		data, _ := os.ReadFile(path)
		altered := bytes.Replace(data, []byte(`"persyaratan":4`), []byte(`"persyaratan":1`), 1)
		if _, err := h.ImportFile(context.Background(), bytes.NewReader(altered)); err == nil || !strings.Contains(err.Error(), "signature") {
			t.Errorf("altered file: err = %v", err)
		}
		// The link comes back: the sync finds everything already there.
		res, err := k.Up.Run(context.Background(), fastBackoff)
		if err != nil || res.Duplicates != 55 || res.Stored != 0 {
			t.Errorf("sync after import = %+v, %v", res, err)
		}
		AssertExactlyOnce(t, store, k)
	})
}

func TestRetentionKeepsUnsynced(t *testing.T) {
	ctx := context.Background()
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		// One clock for kiosk and central, so that signatures stay within the window.
		var clock atomic.Int64 // read by central's handlers too
		clock.Store(time.Now().UnixNano())
		now := func() time.Time { return time.Unix(0, clock.Load()) }
		st := open(t)
		c := MustStartCentralAt(t, st, now)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 50)
		k.MustRate(t, 10)
		up := upload.New(k.DB, upload.Config{BaseURL: c.URL, KioskID: k.ID, Key: k.Key, BatchSize: 50, Logger: quietLog,
			Retention: 90 * 24 * time.Hour, Now: now})
		if _, err := up.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		k.MustRate(t, 3) // never synced: must survive any retention
		clock.Add(int64(91 * 24 * time.Hour))
		// Central is unreachable now, but retention only runs after a successful upload;
		// run against a dead address to prove nothing is deleted then.
		dead, _ := net.Listen("tcp", "127.0.0.1:0")
		deadURL := "http://" + dead.Addr().String()
		dead.Close()
		upDead := upload.New(k.DB, upload.Config{BaseURL: deadURL, KioskID: k.ID, Key: k.Key, Logger: quietLog,
			Retention: 90 * 24 * time.Hour, Now: now})
		if _, err := upDead.SyncOnce(ctx); err == nil {
			t.Fatal("sync to a dead address succeeded")
		}
		if n, _ := k.DB.CountResponses(ctx); n != 13 {
			t.Fatalf("after a failed run the kiosk holds %d, want 13", n)
		}
		if _, err := up.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		// The 10 synced 91 days ago are gone; the 3 just synced stay.
		if n, _ := k.DB.CountResponses(ctx); n != 3 {
			t.Errorf("after retention the kiosk holds %d, want 3", n)
		}
		if n, _ := st.CountResponses(ctx, k.ID); n != 13 {
			t.Errorf("central holds %d, want 13", n)
		}
	})
}

func TestClearedHeadSignatureReported(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 50)
		k.MustRate(t, 4)
		if _, err := k.Up.Run(context.Background(), fastBackoff); err != nil {
			t.Fatal(err)
		}
		k.MustRate(t, 2)
		// Someone with the file but not the secret rewrites the head and clears its signature.
		raw, err := sql.Open("sqlite3", k.path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec("UPDATE chain_head SET signature = ''"); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Up.Run(context.Background(), fastBackoff); err != nil {
			t.Fatal(err)
		}
		fs, err := store.FindFindings(context.Background(), survey.FindingFilter{KioskID: k.ID, Kind: survey.FindingHeadMismatch})
		if err != nil || len(fs) == 0 {
			t.Fatalf("head_mismatch findings = %+v, %v; want one for the cleared signature", fs, err)
		}
	})
}
