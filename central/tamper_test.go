package central_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

type openStore func(testing.TB, func() time.Time) survey.CentralStore

func openPostgres(tb testing.TB, now func() time.Time) survey.CentralStore {
	return pgtest.MustOpen(tb, now)
}

// kioskOptions opens a kiosk database as cmd/kiosk does once connected: it
// signs its head and will not sign over a head it cannot verify.
func kioskOptions(now func() time.Time, key ed25519.PrivateKey) sqlite.KioskOptions {
	ck := wire.ChainKey{Key: key}
	return sqlite.KioskOptions{Now: now, SignHead: ck.SignHead, VerifyHead: ck.VerifyHead, SignSegment: ck.SignSegment}
}

// mustRate stores n ratings of Siti at the kiosk, a minute apart, and returns them.
func (tk *tamperedKiosk) mustRate(tb testing.TB, rs *reportServer, n int, ratings survey.Ratings) []survey.Response {
	tb.Helper()
	var out []survey.Response
	for range n {
		r := survey.Response{NIP: nipSiti, Service: "KIA", Channel: survey.ChannelQR, Ratings: ratings}
		if _, err := tk.DB.CreateResponse(context.Background(), &r); err != nil {
			tb.Fatal(err)
		}
		out = append(out, r)
		rs.Clock.Set(rs.Clock.Now().Add(time.Minute))
	}
	return out
}

// mustFindings reads the kiosk's recorded findings and the derived gaps.
func mustFindings(tb testing.TB, rs *reportServer, kioskID string) []survey.Finding {
	tb.Helper()
	fs, err := rs.Store.FindFindings(context.Background(), survey.FindingFilter{KioskID: kioskID})
	if err != nil {
		tb.Fatal(err)
	}
	gaps, err := rs.Store.FindGaps(context.Background(), kioskID)
	if err != nil {
		tb.Fatal(err)
	}
	return append(fs, gaps...)
}

func hasFinding(fs []survey.Finding, kind string, from, to int64) bool {
	for _, f := range fs {
		if f.Kind == kind && f.FromSeq == from && f.ToSeq == to {
			return true
		}
	}
	return false
}

// forge does to the kiosk's file, with a database tool and without the
// kiosk's secret, what an office that wants a bad rating gone would do: it
// deletes the pending bad rating at del, makes the one before it good,
// renumbers the later rows down, recomputes the whole chain from the last
// row central has and points the head at the new last row, keeping the
// head's old signature (it cannot make a new one).
func forge(tb testing.TB, path string, rows []survey.Response, del int64) {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	var kept []survey.Response
	for _, r := range rows {
		switch {
		case r.Seq == del:
			continue
		case r.Seq == del-1:
			r.Ratings = all(4)
		case r.Seq > del:
			r.Seq--
		}
		kept = append(kept, r)
	}
	prev := rows[0].PrevHash
	for i := range kept {
		kept[i].PrevHash, kept[i].Hash = prev, kept[i].ChainHash(prev)
		prev = kept[i].Hash
	}
	mustExec := func(q string, args ...any) {
		tb.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	mustExec("DELETE FROM responses WHERE seq >= ?", rows[0].Seq)
	for _, r := range kept {
		rt := r.Ratings
		mustExec(`INSERT INTO responses (seq, id, nip, service, persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku,
			pengaduan, sarana, channel, verified, content_hash, created_at, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'x', ?, ?, ?)`, r.Seq, r.ID, r.NIP, r.Service,
			rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], rt[6], rt[7], rt[8], r.Channel, survey.FormatTime(r.CreatedAt), r.PrevHash, r.Hash)
	}
	last := kept[len(kept)-1]
	mustExec("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", last.Seq, last.Hash)
}

// With the kiosk's database file alone, an office deletes a pending bad
// rating, rewrites the chain after it and points the head at the new end.
// Before, one ordinary rating afterwards made the kiosk sign the forged
// head and central saw a consistent chain. Now the kiosk verifies the head
// before it extends the chain, writes a signed break instead, and central
// reports a chain_break naming the rows after the last head central had
// acknowledged; the rows are flagged, the later honest rating is not.
func testForgedChain(t *testing.T, open openStore, laterRating bool) {
	rs := MustStartReportServer(t, open)
	tk := mustConnectKiosk(t, rs)
	tk.MustSync(t)
	ctx := context.Background()
	tk.mustRate(t, rs, 10, all(4))
	tk.MustSync(t) // central holds 1–10 and acknowledged head 10
	pending := tk.mustRate(t, rs, 2, all(4))
	pending = append(pending, tk.mustRate(t, rs, 1, all(1))...) // 13: Siti's bad rating
	pending = append(pending, tk.mustRate(t, rs, 2, all(3))...)
	tk.DB.Close()
	forge(t, tk.Path, pending, 13)

	tk.open(t)
	var honest []survey.Response
	if laterRating {
		honest = tk.mustRate(t, rs, 1, all(2))
	}
	res := tk.MustSync(t)
	if res.Stored != int64(4+len(honest)) {
		t.Errorf("sync: %+v, want the 4 forged rows and the honest one stored (flagged, not dropped)", res)
	}
	segs, err := tk.DB.Segments(ctx)
	if err != nil || len(segs) != 1 || segs[0].Kind != survey.SegmentBreak || segs[0].PrevSeq != 10 || segs[0].Seq != 15 {
		t.Fatalf("kiosk segments = %+v (%v), want one break at 15 vouching up to 10", segs, err)
	}
	fs := mustFindings(t, rs, tk.Kiosk.ID)
	if !hasFinding(fs, survey.FindingChainBreak, 11, 14) {
		t.Errorf("findings = %+v, want a chain_break 11–14", fs)
	}
	for _, f := range fs {
		if f.Kind == survey.FindingGap || f.Kind == survey.FindingSeqReuse || f.Kind == survey.FindingFork {
			t.Errorf("unexpected finding %+v", f)
		}
	}
	for seq := int64(11); seq <= 14; seq++ {
		rows, err := tk.DB.ResponsesSince(ctx, time.Time{}, seq-1, 1)
		if err != nil || len(rows) != 1 {
			t.Fatalf("kiosk row %d: %v", seq, err)
		}
		if r, err := rs.Store.ResponseByID(ctx, rows[0].ID); err != nil || !r.Suspect || !strings.Contains(survey.FlagsString(r.Flags), survey.FlagChainBreak) {
			t.Errorf("central's row %d: %v %v, want flagged chain_break", seq, r.Flags, err)
		}
	}
	for _, h := range honest {
		r, err := tk.DB.ResponseByID(ctx, h.ID)
		if err != nil || r.Seq != 16 || r.PrevHash != segs[0].Hash {
			t.Fatalf("the honest rating after the break: seq %d prev %s… (%v), want 16 linked to the break", r.Seq, r.PrevHash, err)
		}
		if c, err := rs.Store.ResponseByID(ctx, h.ID); err != nil || c.Suspect {
			t.Errorf("the honest rating at central: %+v (%v), want clean", c.Flags, err)
		}
	}
}

func TestForgedChainThenARatingSQLite(t *testing.T) { testForgedChain(t, openSQLite, true) }
func TestForgedChainThenARatingPostgres(t *testing.T) {
	testForgedChain(t, openPostgres, true)
}
func TestForgedChainAloneSQLite(t *testing.T)   { testForgedChain(t, openSQLite, false) }
func TestForgedChainAlonePostgres(t *testing.T) { testForgedChain(t, openPostgres, false) }

// mustWitness makes the request a citizen's phone makes from the thank-you
// page: the kiosk's current signed head, to central's beacon.
func mustWitness(tb testing.TB, rs *reportServer, tk *tamperedKiosk) survey.SignedHead {
	tb.Helper()
	seq, hash, sig, err := tk.DB.ChainHead(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	q := url.Values{wire.WitnessKiosk: {tk.Kiosk.ID}, wire.WitnessSeq: {strconv.FormatInt(seq, 10)}, wire.WitnessHash: {hash}, wire.WitnessSignature: {sig}}
	resp, body := MustDo(tb, http.DefaultClient, mustRequest(tb, rs.URL+wire.PathWitness+"?"+q.Encode()))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/gif" {
		tb.Fatalf("witness: %d %s", resp.StatusCode, body)
	}
	return survey.SignedHead{Seq: seq, Hash: hash, Signature: sig}
}

// Copying a morning backup over the kiosk's database (to make the day's
// bad ratings go away) is seen at central for every rating central or a
// citizen's phone had heard of: the heartbeat had anchored the head, each
// thank-you page a witness. Even with the backup's mark removed, the
// kiosk learns at its next contact that central knew of more, continues
// above it, and central names the lost range as a fork; the ratings the
// kiosk took with reused numbers before that contradict the witnesses.
func testBackupCopiedOver(t *testing.T, open openStore) {
	rs := MustStartReportServer(t, open)
	tk := mustConnectKiosk(t, rs)
	tk.MustSync(t)
	ctx := context.Background()
	tk.mustRate(t, rs, 10, all(4))
	tk.MustSync(t)
	backup := tk.Path + ".morning"
	if err := tk.DB.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for range 6 { // the day's ratings, each witnessed by the citizen's phone
		tk.mustRate(t, rs, 1, all(1))
		mustWitness(t, rs, tk)
	}
	if err := tk.Up.Exchange(ctx); err != nil { // a heartbeat
		t.Fatal(err)
	}
	tk.DB.Close()
	mustReplaceFile(t, backup, tk.Path)
	mustExecFile(t, tk.Path, "DELETE FROM settings WHERE key = 'backup_taken_at'") // a careful office removes the mark

	tk.open(t)
	fresh := tk.mustRate(t, rs, 2, all(4)) // numbered 11 and 12 again: the kiosk does not know yet
	for _, r := range fresh {
		if r.Seq != 11 && r.Seq != 12 {
			t.Fatalf("the test needs the numbers reused: seq %d", r.Seq)
		}
	}
	tk.MustSync(t)
	fs := mustFindings(t, rs, tk.Kiosk.ID)
	if !hasFinding(fs, survey.FindingFork, 11, 12) {
		t.Errorf("findings = %+v, want a fork at 11–12 (rows against witnessed heads)", fs)
	}
	if !hasFinding(fs, survey.FindingFork, 13, 16) {
		t.Errorf("findings = %+v, want a fork 13–16 (witnessed ratings the copied file lost)", fs)
	}
	// From then on the kiosk numbers above everything central heard of.
	later := tk.mustRate(t, rs, 1, all(4))
	tk.MustSync(t)
	if later[0].Seq != 18 {
		t.Errorf("the next rating is %d, want 18 (after the restore segment at 17)", later[0].Seq)
	}
	if r, err := rs.Store.ResponseByID(ctx, later[0].ID); err != nil || r.Suspect {
		t.Errorf("the rating after the restore: %v %v, want clean", r.Flags, err)
	}
}

func TestBackupCopiedOverSQLite(t *testing.T)   { testBackupCopiedOver(t, openSQLite) }
func TestBackupCopiedOverPostgres(t *testing.T) { testBackupCopiedOver(t, openPostgres) }

// mustReplaceFile puts src in place of dst, as a copy with a file manager
// would, and removes dst's -wal and -shm.
func mustReplaceFile(tb testing.TB, src, dst string) {
	tb.Helper()
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := removeIfExists(dst + suffix); err != nil {
			tb.Fatal(err)
		}
	}
	if err := copyFileOver(src, dst); err != nil {
		tb.Fatal(err)
	}
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func copyFileOver(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o640)
}

// Central's public witness beacon: a head whose signature does not verify
// is refused (400), an unknown kiosk is 404, a client address past
// [witness] requests_per_minute gets 429; with [witness] enabled = false
// neither the beacon nor the receipt page exists.
func TestWitnessBeaconRefusalsAndLimit(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite, func(c *central.Config) { c.Witness.RequestsPerMinute = 3 })
	tk := mustConnectKiosk(t, rs)
	tk.MustSync(t)
	tk.mustRate(t, rs, 1, all(4))
	head := mustWitness(t, rs, tk) // 1 of 3
	get := func(q url.Values) int {
		resp, _ := MustDo(t, http.DefaultClient, mustRequest(t, rs.URL+wire.PathWitness+"?"+q.Encode()))
		return resp.StatusCode
	}
	q := url.Values{wire.WitnessKiosk: {tk.Kiosk.ID}, wire.WitnessSeq: {strconv.FormatInt(head.Seq, 10)}, wire.WitnessHash: {head.Hash},
		wire.WitnessSignature: {"AAAA" + head.Signature[4:]}}
	if code := get(q); code != http.StatusBadRequest {
		t.Errorf("a head whose signature does not verify: %d, want 400", code)
	}
	q.Set(wire.WitnessKiosk, "k-unknown1")
	if code := get(q); code != http.StatusNotFound {
		t.Errorf("an unknown kiosk: %d, want 404", code)
	}
	if code := get(q); code != http.StatusTooManyRequests {
		t.Errorf("the fourth request in a minute: %d, want 429", code)
	}
	heads, err := rs.Store.FindHeads(context.Background(), tk.Kiosk.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heads {
		if h.Source == survey.HeadFromWitness && h.Hash != head.Hash {
			t.Errorf("a refused witness was kept: %+v", h)
		}
	}

	off := MustStartReportServer(t, openSQLite, func(c *central.Config) { c.Witness.Enabled = false })
	for _, path := range []string{wire.PathWitness + "?" + q.Encode(), wire.PathReceipt} {
		if resp, _ := MustDo(t, http.DefaultClient, mustRequest(t, off.URL+path)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with the witness off: %d, want 404", path, resp.StatusCode)
		}
	}
}
