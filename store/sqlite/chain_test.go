package sqlite_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/store/sqlite/sqlitetest"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// mustOpenSigned opens a kiosk database at path as a connected kiosk does:
// it signs its head and verifies it before extending the chain.
func mustOpenSigned(tb testing.TB, path string, key ed25519.PrivateKey, segs *[]survey.Segment) *sqlite.KioskDB {
	tb.Helper()
	ck := wire.ChainKey{Key: key}
	db, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{SignHead: ck.SignHead, VerifyHead: ck.VerifyHead,
		SignSegment: ck.SignSegment, OnSegment: func(s survey.Segment) {
			if segs != nil {
				*segs = append(*segs, s)
			}
		}})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func mustKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

func mustRateN(tb testing.TB, db *sqlite.KioskDB, n int) []survey.Response {
	tb.Helper()
	var out []survey.Response
	for range n {
		r := goodResponse("")
		if _, err := db.CreateResponse(context.Background(), r); err != nil {
			tb.Fatal(err)
		}
		out = append(out, *r)
	}
	return out
}

func mustExecOn(tb testing.TB, path string, qs ...string) {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	for _, q := range qs {
		if _, err := raw.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

// The writer never signs a chain it cannot verify. Whatever is wrong with
// the stored head (a signature that fails, rows past it, a last row that
// does not match it), at start or between two of its own commits, it writes
// one signed break naming the last entry it can vouch for, and the ratings
// after it link to the break. A sound file gets none.
func TestWriterBreaksRatherThanSignsOverAnUnverifiedHead(t *testing.T) {
	key := mustKey(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		tamper  func(path string, rs []survey.Response)
		running bool // tampered while the kiosk runs
		prev    int64
		found   int64
	}{
		// Without a valid signature nothing in the file is vouched for (the
		// kiosk never synced here: central acknowledged no head).
		{"a head signature cleared", func(path string, _ []survey.Response) {
			mustExecOn(t, path, "UPDATE chain_head SET signature = ''")
		}, false, 0, 5},
		{"a row appended past the signed head", func(path string, rs []survey.Response) {
			mustExecOn(t, path, `INSERT INTO responses (seq, id, nip, service, persyaratan, prosedur, waktu, biaya, produk,
				kompetensi, perilaku, pengaduan, sarana, channel, content_hash, created_at, prev_hash, hash)
				SELECT 6, 'fake', nip, service, 1, 1, 1, 1, 1, 1, 1, 1, 1, channel, 'x', created_at, hash, 'h6' FROM responses WHERE seq = 5`)
		}, false, 5, 6},
		{"the last row rewritten, head moved with its old signature", func(path string, rs []survey.Response) {
			mustExecOn(t, path, "UPDATE responses SET hash = 'rewritten', perilaku = 1 WHERE seq = 5",
				"UPDATE chain_head SET hash = 'rewritten'")
		}, false, 0, 5},
		{"a row appended while the kiosk runs", func(path string, rs []survey.Response) {
			mustExecOn(t, path, `INSERT INTO responses (seq, id, nip, service, persyaratan, prosedur, waktu, biaya, produk,
				kompetensi, perilaku, pengaduan, sarana, channel, content_hash, created_at, prev_hash, hash)
				SELECT 6, 'fake', nip, service, 1, 1, 1, 1, 1, 1, 1, 1, 1, channel, 'x', created_at, hash, 'h6' FROM responses WHERE seq = 5`)
		}, true, 5, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.db")
			var segs []survey.Segment
			db := mustOpenSigned(t, path, key, &segs)
			MustAddStaff(t, db, testNIP, "Siti")
			rs := mustRateN(t, db, 5)
			if !tc.running {
				db.Close()
			}
			tc.tamper(path, rs)
			if !tc.running {
				db = mustOpenSigned(t, path, key, &segs)
			}
			defer db.Close()
			after := mustRateN(t, db, 2)
			if len(segs) != 1 {
				t.Fatalf("segments written: %+v, want one break", segs)
			}
			s := segs[0]
			if s.Kind != survey.SegmentBreak || s.PrevSeq != tc.prev || s.FoundSeq != tc.found || s.Seq != tc.found+1 ||
				!wire.VerifySegment(key.Public().(ed25519.PublicKey), s) || s.Reason == "" {
				t.Errorf("break %+v, want one at %d vouching for %d, signed", s, tc.found+1, tc.prev)
			}
			if after[0].Seq != s.Seq+1 || after[0].PrevHash != s.Hash || after[1].PrevHash != after[0].Hash {
				t.Errorf("the ratings after the break: %d linked to %s…, want %d linked to the break", after[0].Seq, after[0].PrevHash[:8], s.Seq+1)
			}
			seq, hash, sig, err := db.ChainHead(ctx)
			if err != nil || seq != after[1].Seq || hash != after[1].Hash || !wire.VerifyHead(key.Public().(ed25519.PublicKey), survey.SignedHead{Seq: seq, Hash: hash, Signature: sig}) {
				t.Errorf("head %d %s… (%v), want the last rating's, signed", seq, hash, err)
			}
			if stored, _ := db.Segments(ctx); len(stored) != 1 || stored[0] != s {
				t.Errorf("stored segments %+v", stored)
			}
			// Verified now: reopening and rating again writes no second break.
			db.Close()
			db = mustOpenSigned(t, path, key, &segs)
			mustRateN(t, db, 1)
			if len(segs) != 1 {
				t.Errorf("a sound chain got another segment: %+v", segs[1:])
			}
		})
	}
	// The head central acknowledged is what the writer vouches for when the
	// stored one does not verify.
	path := filepath.Join(t.TempDir(), "kiosk.db")
	var segs []survey.Segment
	db := mustOpenSigned(t, path, key, &segs)
	MustAddStaff(t, db, testNIP, "Siti")
	rs := mustRateN(t, db, 6)
	if err := db.SetCentralHead(ctx, 3, rs[2].Hash); err != nil {
		t.Fatal(err)
	}
	db.Close()
	mustExecOn(t, path, "UPDATE responses SET hash = 'x' WHERE seq = 6", "UPDATE chain_head SET hash = 'x', signature = ''")
	db = mustOpenSigned(t, path, key, &segs)
	defer db.Close()
	if len(segs) != 1 || segs[0].PrevSeq != 3 || segs[0].PrevHash != rs[2].Hash {
		t.Errorf("break %+v, want it to vouch for the head central acknowledged (3)", segs)
	}
}

// A file restored from a backup continues above what central holds or
// heard of, or, without central, a RestoreJump above its own last entry;
// the mark `kiosk backup` puts in its copies is gone afterwards, and the
// restore's status says what central holds.
func TestRebaseAfterARestore(t *testing.T) {
	key := mustKey(t)
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "kiosk.db")
	db := mustOpenSigned(t, live, key, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	mustRateN(t, db, 4)
	for _, name := range []string{"a.db", "b.db"} {
		if err := db.Backup(ctx, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if _, restored, err := db.RestoredFrom(ctx); err != nil || restored {
		t.Fatalf("the live file is marked restored (%v): only copies are", err)
	}
	if s, err := db.Rebase(ctx, 9, true, 5, "test"); err != nil || s == nil || s.Seq != 10 {
		t.Errorf("a live file behind central (9): %+v %v, want a restore at 10", s, err)
	}
	db.Close()

	a := mustOpenSigned(t, filepath.Join(dir, "a.db"), key, nil)
	defer a.Close()
	taken, restored, err := a.RestoredFrom(ctx)
	if err != nil || !restored || taken.IsZero() {
		t.Fatalf("a backup copy opened: restored %v at %v (%v)", restored, taken, err)
	}
	s, err := a.Rebase(ctx, 30, true, 26, "restored from a backup")
	if err != nil || s == nil || s.Kind != survey.SegmentRestore || s.Seq != 31 || s.PrevSeq != 4 || s.CentralSeq != 30 ||
		!wire.VerifySegment(key.Public().(ed25519.PublicKey), *s) {
		t.Fatalf("rebase above central's 30: %+v (%v)", s, err)
	}
	if r := mustRateN(t, a, 1)[0]; r.Seq != 32 || r.PrevHash != s.Hash {
		t.Errorf("the next rating: seq %d, want 32 after the restore", r.Seq)
	}
	if _, restored, _ := a.RestoredFrom(ctx); restored {
		t.Error("still marked restored after the rebase")
	}
	if st, ok, err := a.Restore(ctx); err != nil || !ok || st.FileSeq != 4 || st.HeldAtCentral != 26 || st.NextSeq != 31 || !st.CentralAsked {
		t.Errorf("restore status %+v (%v %v)", st, ok, err)
	}
	if again, err := a.Rebase(ctx, 30, true, 0, "again"); err != nil || again != nil {
		t.Errorf("a second rebase: %+v %v, want nothing to do", again, err)
	}

	b := mustOpenSigned(t, filepath.Join(dir, "b.db"), key, nil)
	defer b.Close()
	s, err = b.Rebase(ctx, 0, false, 0, "central not reached")
	if err != nil || s == nil || s.Seq != 4+survey.RestoreJump || s.CentralSeq != 0 {
		t.Errorf("rebase without central: %+v (%v), want a jump to %d", s, err, 4+survey.RestoreJump)
	}
	if st, _, _ := b.Restore(ctx); st.CentralAsked || st.NextSeq != 4+survey.RestoreJump {
		t.Errorf("restore status without central: %+v", st)
	}
}

// SQLite's quick_check on the file as it is on disk: garbage written into
// pages of a real database file is found (with the page named), and a
// sound file says ok. /healthz relies on Damage.
func TestQuickCheckFindsCorruptedPages(t *testing.T) {
	ctx := context.Background()
	db, path := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	for i := range 300 {
		r := goodResponse(fmt.Sprintf("k%d", i))
		r.Comment = strings.Repeat("pelayanan baik ", 10)
		if _, err := db.CreateResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := db.CheckIntegrity(ctx); err != nil || res != "ok" || db.Damage() != "" {
		t.Fatalf("a sound file: %q %v, damage %q", res, err, db.Damage())
	}
	sqlitetest.CorruptPages(t, path)
	res, err := db.CheckIntegrity(ctx)
	if err != nil || res == "ok" || db.Damage() != res {
		t.Fatalf("a file with garbage pages: %q %v, damage %q", res, err, db.Damage())
	}
	t.Logf("quick_check: %s", res)
	if res, err := sqlite.QuickCheckFile(ctx, path); err != nil || res == "ok" {
		t.Errorf("QuickCheckFile: %q %v", res, err)
	}
}

// The write-ahead log stays bounded: while ratings arrive it is
// checkpointed every 4 MiB and reused; a reader held open for long (a
// large export) lets it grow, and the next checkpoint after it ends
// truncates it back to the 4 MiB limit rather than keeping the largest
// size it reached. Logs the disk used per rating (docs/operations.md).
func TestWriteAheadLogStaysBounded(t *testing.T) {
	ctx := context.Background()
	db, path := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	written := 0
	rate := func(n int) (maxWAL int64) {
		const writers = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() {
				for i := w; i < n; i += writers {
					r := goodResponse(fmt.Sprintf("w%d-%d", written, i))
					r.Comment = "Petugas ramah dan cepat, terima kasih." // a typical short comment
					r.Profile = survey.Profile{AgeBand: "30-39", Sex: "P", Education: "s1", Occupation: "swasta"}
					if _, err := db.CreateResponse(ctx, r); err != nil {
						errs <- err
						return
					}
					if i%250 == 0 {
						mu.Lock()
						maxWAL = max(maxWAL, walSize())
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		written += n
		return max(maxWAL, walSize())
	}
	const n = 12000
	steady := rate(n)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d ratings: database %d bytes (%d per rating); write-ahead log at most %d bytes while writing", n, fi.Size(), fi.Size()/n, steady)
	if steady > 6<<20 {
		t.Errorf("the write-ahead log grew to %d bytes while ratings arrived, want it near 4 MiB", steady)
	}
	if per := fi.Size() / n; per > 1024 {
		t.Errorf("%d bytes per rating, more than the 1 KiB docs/operations.md plans for", per)
	}

	// A reader holding one snapshot keeps the log from being reset.
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	reader, err := raw.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var count int
	if err := reader.QueryRow("SELECT COUNT(*) FROM responses").Scan(&count); err != nil {
		t.Fatal(err)
	}
	held := rate(6000)
	reader.Rollback()
	rate(2000) // checkpoints complete again
	after := walSize()
	t.Logf("with a reader held open the log grew to %d bytes; after it ended, %d", held, after)
	if held <= 4<<20 {
		t.Errorf("the log did not grow past 4 MiB with a reader held (%d): the test does not show the truncation", held)
	}
	if after > 4<<20+1<<20 {
		t.Errorf("the log stayed at %d bytes after the reader ended, want it truncated to about 4 MiB", after)
	}
}
