package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// The copy is one snapshot even while the group writer commits: its
// responses are 1..n without a hole and their hash chain links, it passes
// integrity_check, a second backup to the same name is refused, and no
// temporary file is left behind.
func TestBackupWhileWritingIsConsistent(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	var wg sync.WaitGroup
	var written atomic.Int64
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.CreateResponse(ctx, goodResponse(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		})
	}
	for deadline := time.Now().Add(30 * time.Second); written.Load() < 200; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d responses written in 30 s", written.Load())
		}
		time.Sleep(time.Millisecond) // polling the count: the backup must start while writers run
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "copy.db")
	err := db.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("backup folder holds %d entries, want only the copy", len(entries))
	}
	if res, err := sqlite.IntegrityCheckFile(ctx, path); err != nil || res != "ok" {
		t.Fatalf("integrity_check of the copy = %q, %v", res, err)
	}
	copyDB, err := sqlite.OpenKiosk(ctx, path, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	n, err := copyDB.CountResponses(ctx)
	if err != nil || n == 0 || n > written.Load() {
		t.Fatalf("the copy holds %d responses (%v); %d were written", n, err, written.Load())
	}
	rs, err := copyDB.PendingResponses(ctx, 0, int(n)+1)
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i, r := range rs {
		if r.Seq != int64(i+1) || r.PrevHash != prev || r.Hash != r.ChainHash(prev) {
			t.Fatalf("copy row %d: seq %d, chain %v: not one snapshot", i, r.Seq, r.Hash == r.ChainHash(prev))
		}
		prev = r.Hash
	}
	if seq, hash, _, err := copyDB.ChainHead(ctx); err != nil || seq != n || hash != prev {
		t.Errorf("the copy's chain head (%d, %v) does not match its last row %d", seq, err, n)
	}
	err = db.Backup(ctx, path)
	if survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("a second backup to an existing file: %v, want a refusal", err)
	}
}

func TestOldestPending(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	db, _ := MustOpenKiosk(t, clock)
	MustAddStaff(t, db, testNIP, "Siti")
	if _, ok, err := db.OldestPending(ctx); ok || err != nil {
		t.Fatalf("empty buffer: ok=%v err=%v", ok, err)
	}
	var ids []string
	for i := range 3 {
		r := goodResponse(fmt.Sprint(i))
		// The kiosk's clock jumps back for the second one: the oldest pending
		// is still the lowest sequence number.
		r.CreatedAt = at.Add(time.Duration([]int{0, -3, 1}[i]) * time.Hour)
		if _, err := db.CreateResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if got, ok, err := db.OldestPending(ctx); !ok || err != nil || !got.Equal(at) {
		t.Errorf("oldest pending = %v %v %v, want the first response's time %v", got, ok, err, at)
	}
	if err := db.MarkSynced(ctx, ids[:1], at); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.OldestPending(ctx); !got.Equal(at.Add(-3 * time.Hour)) {
		t.Errorf("after the first synced: %v", got)
	}
}
