package central_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// integrityEntry is one finding of GET /api/v1/integrity.
type integrityEntry struct {
	Kind       string    `json:"kind"`
	KioskID    string    `json:"kiosk_id"`
	OfficeID   int64     `json:"office_id"`
	Office     string    `json:"office"`
	FromSeq    int64     `json:"from_seq"`
	ToSeq      int64     `json:"to_seq"`
	Detail     string    `json:"detail"`
	DetectedAt time.Time `json:"detected_at"`
	Source     string    `json:"source"`
}

// mustIntegrity reads GET /api/v1/integrity with token, expecting 200.
func mustIntegrity(tb testing.TB, base, token, query string) []integrityEntry {
	tb.Helper()
	req := mustRequest(tb, base+"/api/v1/integrity"+query)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, body := MustDo(tb, http.DefaultClient, req)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /api/v1/integrity%s: %d %s", query, resp.StatusCode, body)
	}
	var out struct {
		Findings []integrityEntry `json:"findings"`
		Count    int              `json:"count"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil || out.Count != len(out.Findings) {
		tb.Fatalf("integrity reply %s: %v", body, err)
	}
	return out.Findings
}

func findEntry(es []integrityEntry, kind string, from, to int64) *integrityEntry {
	for i, e := range es {
		if e.Kind == kind && e.FromSeq == from && e.ToSeq == to {
			return &es[i]
		}
	}
	return nil
}

// tamperedKiosk is a kiosk database connected to central, with its uploader.
type tamperedKiosk struct {
	Path   string
	Kiosk  survey.Kiosk
	DB     *sqlite.KioskDB
	Up     *upload.Uploader
	opts   sqlite.KioskOptions
	upConf upload.Config
}

// mustConnectKiosk registers a kiosk at central and opens its database, signing its chain head.
func mustConnectKiosk(tb testing.TB, rs *reportServer) *tamperedKiosk {
	tb.Helper()
	ctx := context.Background()
	k, secret, err := central.NewKiosk(ctx, rs.Store, rs.Office)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := wire.ParseSecret(secret)
	if err != nil {
		tb.Fatal(err)
	}
	tk := &tamperedKiosk{Path: filepath.Join(tb.TempDir(), "kiosk.db"), Kiosk: k,
		opts:   kioskOptions(rs.Clock.Now, key),
		upConf: upload.Config{BaseURL: rs.URL, KioskID: k.ID, Key: key, Now: rs.Clock.Now, Logger: slog.New(slog.DiscardHandler)}}
	tk.open(tb)
	tb.Cleanup(func() { tk.DB.Close() })
	return tk
}

func (tk *tamperedKiosk) open(tb testing.TB) {
	tb.Helper()
	db, err := sqlite.OpenKiosk(context.Background(), tk.Path, tk.opts)
	if err != nil {
		tb.Fatal(err)
	}
	tk.DB, tk.Up = db, upload.New(db, tk.upConf)
}

// MustSync runs one sync and fails on an error.
func (tk *tamperedKiosk) MustSync(tb testing.TB) upload.Result {
	tb.Helper()
	res, err := tk.Up.SyncOnce(context.Background())
	if err != nil {
		tb.Fatalf("sync: %v", err)
	}
	return res
}

// mustExecFile runs statements on the kiosk's SQLite file directly.
func mustExecFile(tb testing.TB, path string, statements ...string) {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	for _, q := range statements {
		if _, err := raw.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

// mustTamper edits, deletes and inserts rows directly in the kiosk's SQLite
// file, as someone at the office could with a database tool.
func mustTamper(tb testing.TB, path string, fake survey.Response) {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	var hash7, hash10 string
	if err := raw.QueryRow("SELECT hash FROM responses WHERE seq = 7").Scan(&hash7); err != nil {
		tb.Fatal(err)
	}
	if err := raw.QueryRow("SELECT hash FROM responses WHERE seq = 10").Scan(&hash10); err != nil {
		tb.Fatal(err)
	}
	insert := func(r survey.Response, prev string) {
		r.PrevHash = prev
		r.Hash = r.ChainHash(prev) // the chain is recomputed, as a careful forger would
		rt := r.Ratings
		if _, err := raw.Exec(`INSERT INTO responses (seq, id, nip, service, persyaratan, prosedur, waktu, biaya, produk,
			kompetensi, perilaku, pengaduan, sarana, channel, verified, content_hash, created_at, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'x', ?, ?, ?)`, r.Seq, r.ID, r.NIP, r.Service,
			rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], rt[6], rt[7], rt[8], r.Channel, survey.FormatTime(r.CreatedAt), r.PrevHash, r.Hash); err != nil {
			tb.Fatal(err)
		}
	}
	for _, q := range []string{
		"UPDATE responses SET perilaku = 1, kompetensi = 1 WHERE seq = 3", // a good rating made bad
		"DELETE FROM responses WHERE seq IN (5, 6)",                       // bad ratings removed
		"DELETE FROM responses WHERE seq = 8",                             // replaced below
	} {
		if _, err := raw.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	eight := fake
	eight.Seq, eight.ID = 8, uuid.Must(uuid.NewV7()).String()
	insert(eight, hash7)
	eleven := fake
	eleven.Seq, eleven.ID = 11, uuid.Must(uuid.NewV7()).String()
	insert(eleven, hash10)
}

func testTamperedFileFoundAtCentral(t *testing.T, open func(testing.TB, func() time.Time) survey.CentralStore) {
	rs := MustStartReportServer(t, open)
	tk := mustConnectKiosk(t, rs)
	tk.MustSync(t) // the roster arrives
	ctx := context.Background()
	for i := range 10 {
		r := &survey.Response{NIP: nipSiti, Service: "KIA", Channel: survey.ChannelQR, Ratings: all(4)}
		if i == 0 {
			r.Flags = []string{survey.FlagOwnDevice} // Siti rated herself from her counter's device
		}
		if _, err := tk.DB.CreateResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
		rs.Clock.Set(rs.Clock.Now().Add(time.Minute))
	}
	tk.DB.Close()
	mustTamper(t, tk.Path, survey.Response{NIP: nipBudi, Service: "KIA", Channel: survey.ChannelQR, Ratings: all(1),
		CreatedAt: rs.Clock.Now().UTC().Truncate(time.Microsecond)})
	// The self-rating's flag is cleared, so that it would count as a citizen's.
	mustExecFile(t, tk.Path, "UPDATE responses SET flags = '' WHERE seq = 1")
	tk.open(t)
	if res := tk.MustSync(t); res.Stored != 9 || res.Pending != 0 {
		t.Fatalf("sync after tampering: %+v, want the 9 rows left stored (flagged, not dropped)", res)
	}

	viewer := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	got := mustIntegrity(t, rs.URL, viewer, "")
	want := []struct {
		what     string
		kind     string
		from, to int64
		source   string
	}{
		{"flag cleared", survey.FindingChainBreak, 1, 1, "recorded"},
		{"edited row", survey.FindingChainBreak, 3, 3, "recorded"},
		{"deleted rows", survey.FindingGap, 5, 6, "derived"},
		{"row replaced by an insert", survey.FindingChainBreak, 8, 9, "recorded"},
		// The kiosk found it at start: a row past its signed head. It wrote
		// a signed break rather than sign over it, naming the row.
		{"row inserted after the signed head", survey.FindingChainBreak, 11, 11, "recorded"},
	}
	for _, w := range want {
		e := findEntry(got, w.kind, w.from, w.to)
		if e == nil {
			t.Errorf("%s: no %s finding for %d–%d in %+v", w.what, w.kind, w.from, w.to, got)
			continue
		}
		if e.KioskID != tk.Kiosk.ID || e.OfficeID != rs.Office.ID || e.Office != rs.Office.Name || e.Source != w.source || e.Detail == "" ||
			(w.source == "recorded" && e.DetectedAt.IsZero()) {
			t.Errorf("%s: %+v, want kiosk %s of office %q", w.what, *e, tk.Kiosk.ID, rs.Office.Name)
		}
	}
	// The stored rows carry their flags; nothing was dropped.
	for seq, flag := range map[int64]string{1: survey.FlagEdited, 3: survey.FlagEdited, 11: survey.FlagChainBreak} {
		rows, err := tk.DB.ResponsesSince(ctx, time.Time{}, seq-1, 1)
		if err != nil || len(rows) != 1 {
			t.Fatalf("kiosk row %d: %v", seq, err)
		}
		stored, err := rs.Store.ResponseByID(ctx, rows[0].ID)
		if err != nil || !stored.Suspect || !strings.Contains(strings.Join(stored.Flags, ","), flag) {
			t.Errorf("central's row %d: flags %v (%v), want %s", seq, stored.Flags, err, flag)
		}
	}
	// Filters.
	if gaps := mustIntegrity(t, rs.URL, viewer, "?kind=gap"); len(gaps) != 1 || gaps[0].Kind != survey.FindingGap {
		t.Errorf("?kind=gap: %+v", gaps)
	}
	if none := mustIntegrity(t, rs.URL, viewer, "?kiosk=k-none"); len(none) != 0 {
		t.Errorf("?kiosk=k-none: %+v", none)
	}
}

func TestTamperedKioskFileFoundAtCentralSQLite(t *testing.T) {
	testTamperedFileFoundAtCentral(t, openSQLite)
}

func TestTamperedKioskFileFoundAtCentralPostgres(t *testing.T) {
	testTamperedFileFoundAtCentral(t, func(tb testing.TB, now func() time.Time) survey.CentralStore { return pgtest.MustOpen(tb, now) })
}

func TestIntegrityAPITokensAndScope(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	// A gap at the report server's own kiosk: seqs 1–2 never arrived.
	rs.MustIngestRatings(t, nipSiti, "KIA", reportNow.Add(-time.Hour), time.Minute, repeatRatings(3, all(4)), nil)
	ctx := context.Background()
	other := survey.Office{Name: "Dinas Lain"}
	if err := rs.Store.CreateOffice(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if len(mustIntegrity(t, rs.URL, MustCreateToken(t, rs.Store, survey.RoleAdmin, 0), "")) != 0 {
		t.Fatal("findings on a clean chain")
	}
	req := mustRequest(t, rs.URL+"/api/v1/integrity")
	for name, c := range map[string]struct {
		auth string
		want int
	}{
		"no token":      {"", http.StatusUnauthorized},
		"unknown token": {"Bearer nope", http.StatusUnauthorized},
		"basic auth":    {"Basic YWRtaW46eA==", http.StatusUnauthorized},
		"counter token": {"Bearer " + MustCreateToken(t, rs.Store, survey.RoleCounter, 0), http.StatusForbidden},
	} {
		req.Header.Set("Authorization", c.auth)
		resp, body := MustDo(t, http.DefaultClient, req)
		if resp.StatusCode != c.want || !strings.Contains(body, `"message_id"`) {
			t.Errorf("%s: %d %s, want %d with an error body", name, resp.StatusCode, body, c.want)
		}
		secHeaders(t, "integrity "+name, resp)
	}
	// A gap (seqs 4–5 never arrive), seen by a viewer and by this office's head, not by another office's.
	later := (&storetest.Chain{}).Next(6)
	storetest.MustIngest(t, rs.Store, storetest.Request(rs.Kiosk.ID, later[5:], rs.Clock.Now()))
	viewer := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	if got := mustIntegrity(t, rs.URL, viewer, ""); len(got) != 1 || got[0].Kind != survey.FindingGap || got[0].KioskID != rs.Kiosk.ID {
		t.Errorf("viewer sees %+v, want the gap of %s", got, rs.Kiosk.ID)
	}
	if got := mustIntegrity(t, rs.URL, MustCreateToken(t, rs.Store, survey.RoleKepala, rs.Office.ID), ""); len(got) != 1 {
		t.Errorf("this office's head sees %+v", got)
	}
	if got := mustIntegrity(t, rs.URL, MustCreateToken(t, rs.Store, survey.RoleKepala, other.ID), ""); len(got) != 0 {
		t.Errorf("another office's head sees %+v", got)
	}
}
