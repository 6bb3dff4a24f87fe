package upload_test

import (
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// TestBatchBufferedIsThePendingCount checks each batch's buffered against the
// kiosk's true pending count when central receives it, over a run in which
// responses are written between batches and central refuses one: the
// uploader counts once and follows the changes rather than counting each time.
// A batch is built while the one before it is at central, so its count may
// still include that batch (at most BatchSize more), never fewer than pending.
func TestBatchBufferedIsThePendingCount(t *testing.T) {
	ctx := context.Background()
	key := mustKey(t)
	db, err := sqlite.OpenKiosk(ctx, filepath.Join(t.TempDir(), "kiosk.db"), sqlite.KioskOptions{
		SignHead: func(seq int64, hash string) string { return wire.SignHead(key, seq, hash) }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k := &kioskHarness{ID: "k-pending", DB: db, Key: key}
	for _, s := range []survey.Staff{{NIP: nip1, Name: "Siti", Active: true}, {NIP: nip2, Name: "Budi", Active: true}} {
		if err := db.CreateStaff(ctx, &s); err != nil {
			t.Fatal(err)
		}
	}
	k.MustRate(t, 25)

	var written atomic.Int32 // ratings written during the upload
	var mu sync.Mutex
	var batches []int64 // buffered of each batch
	central := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(wire.HeaderTime, time.Now().UTC().Format(time.RFC3339))
		if r.Method == http.MethodGet {
			json.NewEncoder(w).Encode(wire.Config{Office: officeName, Services: survey.DefaultServices(),
				Staff: []wire.ConfigStaff{{Staff: survey.Staff{NIP: nip1, Name: "Siti", Active: true}},
					{Staff: survey.Staff{NIP: nip2, Name: "Budi", Active: true}}}})
			return
		}
		if r.URL.Path == wire.PathHead {
			w.Write([]byte(`{}`)) // the head report before the batches
			return
		}
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var b wire.Batch
		if err := json.NewDecoder(zr).Decode(&b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		pending, err := db.CountPending(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		mu.Lock()
		batches = append(batches, b.Buffered)
		// The count is taken as the batch is read, one batch ahead: then the
		// batch before may be at central and the one before that being
		// marked, and ratings written since are not in it.
		late := int64(written.Load())
		if b.Buffered < pending-late || b.Buffered > pending+20 {
			t.Errorf("batch %d: buffered %d, but %d responses are pending (two batches of 10 may be unconfirmed, %d written since)",
				len(batches), b.Buffered, pending, late)
		}
		second := len(batches) == 2
		mu.Unlock()
		reply := wire.BatchReply{BatchID: b.BatchID, ReceivedAt: time.Now()}
		for i, resp := range b.Responses {
			status := survey.StatusStored
			if second && i == 0 {
				status = survey.StatusRefused
			}
			reply.Results = append(reply.Results, survey.ItemResult{ID: resp.ID, Seq: resp.Seq, Status: status, Reason: "test"})
		}
		json.NewEncoder(w).Encode(reply)
	}))
	defer central.Close()

	up := upload.New(db, upload.Config{BaseURL: central.URL, KioskID: k.ID, Key: key, BatchSize: 10, Logger: quietLog,
		Progress: func(sent, total int64) {
			if written.Load() < 6 { // new ratings arrive while the upload runs
				written.Add(3) // counted first: central may see them at once
				k.MustRate(t, 3)
			}
		}})
	if _, err := up.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(batches) < 4 || batches[0] != 25 {
		t.Errorf("batches' buffered = %v, want at least 4 batches starting at 25", batches)
	}
	if p, err := db.CountPending(ctx); err != nil || p != 0 {
		t.Errorf("%d still pending (%v)", p, err)
	}
	if n, err := db.CountRefused(ctx); err != nil || n != 1 {
		t.Errorf("%d refused (%v), want 1", n, err)
	}
}

func mustKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	secret, _, err := wire.NewKioskKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := wire.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
