package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

const testNIP = "196608011988031001"

// MustOpenKiosk opens a kiosk database in a fresh file under t.TempDir().
func MustOpenKiosk(tb testing.TB, now func() time.Time) (*sqlite.KioskDB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "data", "kiosk.db")
	db, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, path
}

// MustAddStaff adds an active PNS staff member.
func MustAddStaff(tb testing.TB, db *sqlite.KioskDB, nip, name string) survey.Staff {
	tb.Helper()
	s := survey.Staff{NIP: nip, Name: name, Unit: "Dafduk", Counter: "1", Active: true}
	if err := db.CreateStaff(context.Background(), &s); err != nil {
		tb.Fatal(err)
	}
	return s
}

func goodResponse(key string) *survey.Response {
	return &survey.Response{NIP: testNIP, Service: "KTPEL_BARU", Channel: survey.ChannelAPI, IdempotencyKey: key,
		Ratings: survey.Ratings{4, 3, 4, 4, 4, 4, 4, 3, 4}}
}

func TestMigrationsFromEmpty(t *testing.T) {
	db, path := MustOpenKiosk(t, nil)
	db.Close()
	// Reopening applies nothing new and keeps the version.
	db2, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	raw, _ := sql.Open("sqlite3", path)
	defer raw.Close()
	var v int
	if err := raw.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || v != sqlite.SchemaVersion("kiosk") {
		t.Errorf("schema version = %d (%v), want %d", v, err, sqlite.SchemaVersion("kiosk"))
	}
	var mode string
	raw.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %s, want wal", mode)
	}
	services, err := db2.FindServices(context.Background(), true)
	if err != nil || len(services) != len(survey.DefaultServices()) {
		t.Errorf("seeded services = %d (%v), want %d", len(services), err, len(survey.DefaultServices()))
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	db, path := MustOpenKiosk(t, nil)
	db.Close()
	raw, _ := sql.Open("sqlite3", path)
	if _, err := raw.Exec("INSERT INTO schema_migrations VALUES (9999, 'future', 'x')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := sqlite.OpenKiosk(context.Background(), path, sqlite.KioskOptions{}); err == nil {
		t.Fatal("opened a database with a newer schema")
	}
}

func TestRefusesMemory(t *testing.T) {
	if _, err := sqlite.OpenKiosk(context.Background(), ":memory:", sqlite.KioskOptions{}); err == nil {
		t.Fatal("opened :memory:")
	}
}

func TestCreateResponse(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 3, 4, 5, 123456789, time.UTC)
	db, _ := MustOpenKiosk(t, func() time.Time { return now })
	MustAddStaff(t, db, testNIP, "Siti")
	r := goodResponse("k1")
	created, err := db.CreateResponse(ctx, r)
	if err != nil || !created {
		t.Fatalf("created=%v err=%v", created, err)
	}
	if r.Seq != 1 || r.ID == "" || r.Hash == "" || r.PrevHash != "" {
		t.Errorf("stored response = %+v", r)
	}
	got, err := db.ResponseByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ratings != r.Ratings || !got.CreatedAt.Equal(now.Truncate(time.Microsecond)) || got.Hash != got.ChainHash("") {
		t.Errorf("read back %+v", got)
	}
	r2 := goodResponse("k2")
	if _, err := db.CreateResponse(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if r2.Seq != 2 || r2.PrevHash != r.Hash {
		t.Errorf("second response seq=%d prev=%s, want 2 and %s", r2.Seq, r2.PrevHash, r.Hash)
	}
}

func TestCreateResponseIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	first := goodResponse("same-key")
	if _, err := db.CreateResponse(ctx, first); err != nil {
		t.Fatal(err)
	}
	again := goodResponse("same-key")
	created, err := db.CreateResponse(ctx, again)
	if err != nil || created || again.ID != first.ID {
		t.Errorf("replay: created=%v err=%v id=%s, want the first id %s", created, err, again.ID, first.ID)
	}
	other := goodResponse("same-key")
	other.Ratings[0] = 1
	if _, err := db.CreateResponse(ctx, other); survey.ErrorCode(err) != survey.ECONFLICT {
		t.Errorf("same key, other content: err = %v, want conflict", err)
	}
	if n, _ := db.CountResponses(ctx); n != 1 {
		t.Errorf("stored %d responses, want 1", n)
	}
}

// TestCreateResponseIdempotentUnderConcurrency sends one idempotency key
// with two contents from many goroutines at once, so that replays and
// conflicts fall in the same commit group as the first submission.
func TestCreateResponseIdempotentUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	const n = 100
	type outcome struct {
		variant int
		created bool
		id      string
		err     error
	}
	out := make(chan outcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	// Other submissions keep the writer busy, so that the key's submissions
	// queue up behind them and share a group.
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := db.CreateResponse(ctx, goodResponse(fmt.Sprintf("other-%d", i))); err != nil {
				t.Error(err)
			}
		}()
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := goodResponse("one-key")
			r.Ratings[0] = int8(1 + i%2)
			created, err := db.CreateResponse(ctx, r)
			out <- outcome{i % 2, created, r.ID, err}
		}()
	}
	close(start)
	wg.Wait()
	close(out)
	var winner *outcome
	var all []outcome
	for o := range out {
		all = append(all, o)
		if o.created {
			if winner != nil {
				t.Fatalf("two submissions of one key were created: %s and %s", winner.id, o.id)
			}
			winner = &o
		}
	}
	if winner == nil {
		t.Fatal("no submission was created")
	}
	for _, o := range all {
		switch {
		case o.created:
		case o.variant == winner.variant && (o.err != nil || o.id != winner.id):
			t.Errorf("replay of the stored content: id %s err %v, want the stored id %s", o.id, o.err, winner.id)
		case o.variant != winner.variant && survey.ErrorCode(o.err) != survey.ECONFLICT:
			t.Errorf("other content under the stored key: err %v, want a conflict", o.err)
		}
	}
	if got, _ := db.CountResponses(ctx); got != 1+2*n {
		t.Errorf("stored %d responses, want %d", got, 1+2*n)
	}
}

func TestCreateResponseRefusals(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	inactive := MustAddStaff(t, db, "198512252010122003", "Budi")
	if err := db.SetStaffActive(ctx, inactive.NIP, false); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		mutate func(*survey.Response)
		code   string
		field  string
	}{
		"unknown staff":   {func(r *survey.Response) { r.NIP = "199001012015031001" }, survey.ENOTFOUND, "nip"},
		"inactive staff":  {func(r *survey.Response) { r.NIP = inactive.NIP }, survey.ENOTFOUND, "nip"},
		"unknown service": {func(r *survey.Response) { r.Service = "SIM" }, survey.EINVALID, "service"},
		"missing element": {func(r *survey.Response) { r.Ratings[8] = 0 }, survey.EINVALID, "ratings.sarana"},
		"bad comment":     {func(r *survey.Response) { r.Comment = "\xff" }, survey.EINVALID, "comment"},
	} {
		r := goodResponse("")
		tc.mutate(r)
		_, err := db.CreateResponse(ctx, r)
		if e := survey.AsError(err); e == nil || e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: err = %v, want %s on %s", name, err, tc.code, tc.field)
		}
	}
	if n, _ := db.CountResponses(ctx); n != 0 {
		t.Errorf("stored %d responses after refusals", n)
	}
	// A refusal inside a group does not affect the others in it.
	if _, err := db.CreateResponse(ctx, goodResponse("")); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentResponsesGetDistinctSequence(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.CreateResponse(ctx, goodResponse(fmt.Sprintf("k%d", i%150))) // 50 replays
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rs, err := db.PendingResponses(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 150 {
		t.Fatalf("stored %d, want 150", len(rs))
	}
	prev := ""
	for i, r := range rs {
		if r.Seq != int64(i+1) || r.PrevHash != prev || r.Hash != r.ChainHash(prev) {
			t.Fatalf("row %d: seq %d, chain broken", i, r.Seq)
		}
		prev = r.Hash
	}
	// The write counters count stored responses only, not the 50 replays.
	if st := db.WriteStats(); st.Responses != 150 || st.Commits < 1 || st.Commits > 150 || st.Commit <= 0 || st.Busy < st.Commit {
		t.Errorf("write stats %+v: want 150 responses in 1 to 150 commits, and 0 < commit time <= busy time", st)
	}
}

func TestSequenceSurvivesRetention(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db, _ := MustOpenKiosk(t, func() time.Time { return now })
	MustAddStaff(t, db, testNIP, "Siti")
	var ids []string
	for range 3 {
		r := goodResponse("")
		if _, err := db.CreateResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if err := db.MarkSynced(ctx, ids[:2], now); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteSyncedBefore(ctx, now.Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("deleted %d (%v), want 2", n, err)
	}
	if n, _ := db.CountPending(ctx); n != 1 {
		t.Errorf("pending = %d, want 1 (the unsynced one survives)", n)
	}
	if err := db.MarkSynced(ctx, ids[2:], now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteSyncedBefore(ctx, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := goodResponse("")
	if _, err := db.CreateResponse(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.Seq != 4 {
		t.Errorf("after deleting every row the next seq = %d, want 4", r.Seq)
	}
}

// ResendAfter makes pending again what central had confirmed above a
// sequence number, never what central refused, and leaves the rest alone.
func TestResendAfter(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db, _ := MustOpenKiosk(t, func() time.Time { return now })
	MustAddStaff(t, db, testNIP, "Siti")
	var ids []string
	for range 6 {
		r := goodResponse("")
		if _, err := db.CreateResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	// Seqs 1–4 confirmed, 5 refused, 6 still pending.
	if err := db.MarkSynced(ctx, ids[:4], now); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRefused(ctx, ids[4:5], "conflict", now); err != nil {
		t.Fatal(err)
	}
	if n, err := db.ResendAfter(ctx, 2); err != nil || n != 2 {
		t.Fatalf("ResendAfter(2) = %d (%v), want 2 (seqs 3 and 4)", n, err)
	}
	pending, err := db.PendingResponses(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, r := range pending {
		seqs = append(seqs, r.Seq)
	}
	if fmt.Sprint(seqs) != "[3 4 6]" {
		t.Errorf("pending seqs = %v, want [3 4 6]: the refused one stays refused", seqs)
	}
	if n, _ := db.CountRefused(ctx); n != 1 {
		t.Errorf("refused = %d, want 1", n)
	}
	if n, err := db.ResendAfter(ctx, 6); err != nil || n != 0 {
		t.Errorf("ResendAfter(6) = %d (%v), want 0", n, err)
	}
}

func TestImportStaffAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	res, err := db.ImportStaff(ctx, []survey.Staff{
		{NIP: testNIP, Name: "Siti Aminah", Active: true},
		{NIP: "198512252010122003", Name: "Budi", Active: true},
	})
	if err != nil || res.Added != 1 || res.Updated != 1 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	s, _ := db.StaffByNIP(ctx, testNIP)
	if s.Name != "Siti Aminah" || len(s.Code) != 8 {
		t.Errorf("updated staff = %+v", s)
	}
	_, err = db.ImportStaff(ctx, []survey.Staff{{NIP: "199001012015031001", Name: "X", Active: true}, {NIP: "bad", Name: "Y"}})
	if err == nil {
		t.Fatal("import with a bad row succeeded")
	}
	if _, err := db.StaffByNIP(ctx, "199001012015031001"); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Error("a good row of a refused import was stored")
	}
	res, err = db.ReplaceRoster(ctx, []survey.Staff{{NIP: "198512252010122003", Name: "Budi", Active: true}})
	if err != nil || res.Deactivated != 1 {
		t.Errorf("replace = %+v, %v", res, err)
	}
	if s, _ := db.StaffByNIP(ctx, testNIP); s.Active {
		t.Error("staff missing from the replaced roster is still active")
	}
}

func TestSummarize(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenKiosk(t, nil)
	MustAddStaff(t, db, testNIP, "Siti")
	for range 2 {
		if _, err := db.CreateResponse(ctx, goodResponse("")); err != nil {
			t.Fatal(err)
		}
	}
	s, err := db.Summarize(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if s.Office.N != 2 || s.ByStaff[testNIP] != 2 || s.Office.Sum[1] != 6 || s.Office.Dist[1][2] != 2 {
		t.Errorf("summary = %+v", s)
	}
}
