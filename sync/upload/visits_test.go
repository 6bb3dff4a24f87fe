package upload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/ingest"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// mustVisit issues a visit code at the kiosk, as the counter screen does.
func (k *kioskHarness) mustVisit(t *testing.T, nip, service string) survey.Visit {
	t.Helper()
	now := k.DB.Now()
	v := survey.Visit{ID: survey.NewVisitID(), NIP: nip, Service: service, IssuedBy: "test", IssuedAt: now, ExpiresAt: now.Add(2 * time.Hour)}
	if err := k.DB.CreateVisit(context.Background(), &v, survey.MintCap{}); err != nil {
		t.Fatal(err)
	}
	return v
}

// mustRateVisit rates a visit code: a verified response that spends it.
func (k *kioskHarness) mustRateVisit(t *testing.T, v survey.Visit) {
	t.Helper()
	r := survey.Response{NIP: v.NIP, Service: v.Service, VisitID: v.ID, Verified: true, Channel: survey.ChannelVisit,
		Ratings: survey.Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4}}
	if _, err := k.DB.CreateResponseWith(context.Background(), &r, survey.Intake{}); err != nil {
		t.Fatal(err)
	}
	k.ids = append(k.ids, r.ID)
}

// TestVisitTalliesReachCentral: each sync sends the kiosk's visit codes
// issued and rated, central replaces its tallies with each resend, and a
// bad or foreign tally upload is refused without changing anything.
func TestVisitTalliesReachCentral(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		ctx := context.Background()
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 50)
		a := k.mustVisit(t, nip1, "KTPEL_BARU")
		k.mustVisit(t, nip1, "KTPEL_BARU")
		b := k.mustVisit(t, nip2, "KIA")
		k.mustRateVisit(t, a)
		if _, err := k.Up.Run(ctx, fastBackoff); err != nil {
			t.Fatal(err)
		}
		// The day the codes were issued, and the next in case the test runs over midnight WIB.
		wib := time.FixedZone("WIB", 7*3600)
		y, m, d := a.IssuedAt.In(wib).Date()
		today := survey.ReportFilter{OfficeID: c.office.ID, From: time.Date(y, m, d, 0, 0, 0, 0, wib), To: time.Date(y, m, d+2, 0, 0, 0, 0, wib)}
		count := func(edit func(*survey.ReportFilter)) survey.VisitCounts {
			t.Helper()
			f := today
			if edit != nil {
				edit(&f)
			}
			v, err := store.CountVisitTallies(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if got := count(nil); got != (survey.VisitCounts{Issued: 3, Rated: 1}) {
			t.Errorf("central's tallies after the first sync = %+v, want 3 issued, 1 rated", got)
		}
		if got := count(func(f *survey.ReportFilter) { f.NIP = nip1 }); got != (survey.VisitCounts{Issued: 2, Rated: 1}) {
			t.Errorf("Siti's tallies = %+v, want 2 issued, 1 rated", got)
		}
		if day, ok, _ := k.DB.Setting(ctx, upload.SettingVisitsSent); !ok || day < today.From.Format(time.DateOnly) {
			t.Errorf("the kiosk noted %q (%v) as the last day sent, want the day of the sync", day, ok)
		}
		// Budi's visit is rated after the sync: the next sync's resend replaces the tally.
		k.mustRateVisit(t, b)
		if res, err := k.Up.Run(ctx, fastBackoff); err != nil || res.Stored != 1 {
			t.Fatalf("second sync = %+v, %v", res, err)
		}
		if got := count(nil); got != (survey.VisitCounts{Issued: 3, Rated: 2}) {
			t.Errorf("central's tallies after the second sync = %+v, want 3 issued, 2 rated", got)
		}
		AssertExactlyOnce(t, store, k)

		// Refusals: nothing changes at central.
		other, otherSecret := c.MustAddKiosk(t)
		otherKey, err := wire.ParseSecret(otherSecret)
		if err != nil {
			t.Fatal(err)
		}
		day := today.From.Format(time.DateOnly)
		body := func(kioskID string, ts ...survey.VisitTally) []byte {
			b, err := json.Marshal(wire.VisitTallies{KioskID: kioskID, Tallies: ts})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		good := survey.VisitTally{Day: day, NIP: nip1, Service: "KTPEL_BARU", Issued: 90, Rated: 90}
		for _, tc := range []struct {
			what       string
			kioskID    string
			key        []byte
			body       []byte
			status     int
			inResponse string
		}{
			{"rated over issued", k.ID, k.Key, body(k.ID, good, survey.VisitTally{Day: day, NIP: nip2, Service: "KIA", Issued: 1, Rated: 2}), http.StatusBadRequest, `"field":"tallies[1].rated"`},
			{"not a day", k.ID, k.Key, body(k.ID, survey.VisitTally{Day: "kemarin", NIP: nip1, Service: "KIA", Issued: 1}), http.StatusBadRequest, `"field":"tallies[0].day"`},
			{"the same key twice", k.ID, k.Key, body(k.ID, good, good), http.StatusBadRequest, `"field":"tallies[1]"`},
			{"an unknown field", k.ID, k.Key, []byte(`{"kiosk_id":"` + k.ID + `","tallies":[],"extra":1}`), http.StatusBadRequest, `extra`},
			{"no kiosk_id", k.ID, k.Key, body("", good), http.StatusBadRequest, `"field":"kiosk_id"`},
			{"another kiosk's tallies", other.ID, otherKey, body(k.ID, good), http.StatusForbidden, k.ID},
			{"unsigned", k.ID, nil, body(k.ID, good), http.StatusUnauthorized, "credentials"},
		} {
			status, reply := postSignedTo(t, c.URL, wire.PathVisits, tc.kioskID, tc.key, tc.body)
			if status != tc.status || !strings.Contains(string(reply), tc.inResponse) {
				t.Errorf("%s: %d %s, want %d with %s", tc.what, status, reply, tc.status, tc.inResponse)
			}
		}
		if got := count(nil); got != (survey.VisitCounts{Issued: 3, Rated: 2}) {
			t.Errorf("central's tallies after refused uploads = %+v, want them unchanged", got)
		}

		// Only days from the last sent day less the lookback are sent: with
		// that day far ahead, a new code stays at the kiosk; from today, it goes.
		k.mustVisit(t, nip2, "KIA")
		if err := k.DB.SetSetting(ctx, upload.SettingVisitsSent, "2099-01-01"); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Up.Run(ctx, fastBackoff); err != nil {
			t.Fatal(err)
		}
		if got := count(nil); got != (survey.VisitCounts{Issued: 3, Rated: 2}) {
			t.Errorf("tallies outside the lookback were sent: %+v", got)
		}
		if err := k.DB.SetSetting(ctx, upload.SettingVisitsSent, day); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Up.Run(ctx, fastBackoff); err != nil {
			t.Fatal(err)
		}
		if got := count(nil); got != (survey.VisitCounts{Issued: 4, Rated: 2}) {
			t.Errorf("central's tallies after the third sync = %+v, want 4 issued, 2 rated", got)
		}
	})
}

// TestVisitTalliesTravelInOfflineFiles: `kiosk export` carries the visit
// tallies of its days, `central import` saves them (replacing, so importing
// twice changes nothing), and a tally entry signed as a batch, or by another
// kiosk, is refused without saving anything.
func TestVisitTalliesTravelInOfflineFiles(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		ctx := context.Background()
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 50)
		a := k.mustVisit(t, nip1, "KTPEL_BARU")
		k.mustVisit(t, nip2, "KIA")
		k.mustRateVisit(t, a)
		wib := time.FixedZone("WIB", 7*3600)
		y, m, d := a.IssuedAt.In(wib).Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, wib)
		filter := survey.ReportFilter{OfficeID: c.office.ID, From: day, To: day.AddDate(0, 0, 2)}

		// An export from now on holds no response, but the tallies of the
		// whole day (each replaces central's tally of its day).
		var file, withBatch bytes.Buffer
		if n, err := upload.Export(ctx, k.DB, &file, k.ID, k.Key, time.Now(), 20, time.Now()); err != nil || n != 0 {
			t.Fatalf("export from now: %d responses, %v", n, err)
		}
		if n, err := upload.Export(ctx, k.DB, &withBatch, k.ID, k.Key, day, 20, time.Now()); err != nil || n != 1 {
			t.Fatalf("export of the day: %d responses, %v", n, err)
		}
		h := &ingest.Handler{Store: store}
		for i := range 2 {
			res, err := h.ImportFile(ctx, bytes.NewReader(file.Bytes()))
			if err != nil || res.VisitTallies != 2 {
				t.Fatalf("import %d: %+v, %v", i+1, res, err)
			}
			if got, err := store.CountVisitTallies(ctx, filter); err != nil || got != (survey.VisitCounts{Issued: 2, Rated: 1}) {
				t.Fatalf("after import %d central's tallies = %+v (%v), want 2 issued, 1 rated", i+1, got, err)
			}
		}

		// Forged entries: tallies under a batch's signature, and tallies signed by another kiosk.
		lines := strings.Split(strings.TrimSpace(withBatch.String()), "\n")
		var batchEntry, entry wire.FileEntry
		if len(lines) != 3 || json.Unmarshal([]byte(lines[1]), &batchEntry) != nil || len(batchEntry.Batch) == 0 ||
			json.Unmarshal([]byte(lines[2]), &entry) != nil || len(entry.Visits) == 0 {
			t.Fatalf("want a header, a batch and the visit tallies:\n%s", withBatch.String())
		}
		inflated := bytes.Replace(entry.Visits, []byte(`"issued":1`), []byte(`"issued":90`), 1)
		other, otherSecret := c.MustAddKiosk(t)
		otherKey, err := wire.ParseSecret(otherSecret)
		if err != nil {
			t.Fatal(err)
		}
		var foreign bytes.Buffer
		fw, err := wire.NewFileWriter(&foreign, other.ID, otherKey, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var tallies wire.VisitTallies
		if err := json.Unmarshal(inflated, &tallies); err != nil {
			t.Fatal(err)
		}
		if err := fw.WriteVisits(tallies); err != nil || fw.Flush() != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			what, file, want string
		}{
			{"an edited tally", lines[0] + "\n" + mustJSON(t, wire.FileEntry{Signature: entry.Signature, Visits: inflated}) + "\n", "signature"},
			{"a batch's signature on tallies", lines[0] + "\n" + mustJSON(t, wire.FileEntry{Signature: batchEntry.Signature, Visits: entry.Visits}) + "\n", "signature"},
			{"another kiosk's tallies", foreign.String(), k.ID},
			{"both kinds in one entry", lines[0] + "\n" + mustJSON(t, wire.FileEntry{Signature: entry.Signature, Batch: batchEntry.Batch, Visits: entry.Visits}) + "\n", "not a batch or visit-tally entry"},
		} {
			if _, err := h.ImportFile(ctx, strings.NewReader(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want one that mentions %q", tc.what, err, tc.want)
			}
		}
		if got, err := store.CountVisitTallies(ctx, filter); err != nil || got != (survey.VisitCounts{Issued: 2, Rated: 1}) {
			t.Errorf("after the refused files central's tallies = %+v (%v), want them unchanged", got, err)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestKioskGamingFlagsReachCentral: a verified rating the kiosk flagged
// code_contested and own_device (a visit code another phone tried to open,
// opened on the staff member's own counter device) reaches central with its
// flags as the kiosk hashed them: stored, suspect, verified, and no edit or
// chain finding.
func TestKioskGamingFlagsReachCentral(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T) survey.CentralStore) {
		ctx := context.Background()
		store := open(t)
		c := MustStartCentral(t, store)
		k0, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, k0.ID, secret, 50)
		if err := k.DB.RegisterCounterDevice(ctx, nip1, []string{"counter-pc"}); err != nil {
			t.Fatal(err)
		}
		v := k.mustVisit(t, nip1, "KTPEL_BARU")
		own := survey.VisitClaimant{Device: survey.VisitClaim{Kind: survey.ClaimDevice, Hash: "staff"}, Pseudonyms: []string{"counter-pc"}}
		if _, err := k.DB.OpenVisit(ctx, v.ID, own, k.DB.Now()); err != nil {
			t.Fatal(err)
		}
		rival := survey.VisitClaimant{Device: survey.VisitClaim{Kind: survey.ClaimDevice, Hash: "rival"}}
		if _, err := k.DB.OpenVisit(ctx, v.ID, rival, k.DB.Now()); survey.ErrorCode(err) != survey.ECONFLICT {
			t.Fatalf("another device: %v", err)
		}
		r := survey.Response{NIP: v.NIP, Service: v.Service, VisitID: v.ID, Channel: survey.ChannelVisit, Ratings: survey.Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4}}
		if _, err := k.DB.CreateResponseWith(ctx, &r, survey.Intake{Claimant: &own}); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Up.Run(ctx, fastBackoff); err != nil {
			t.Fatal(err)
		}
		got, err := store.ResponseByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{survey.FlagCodeContested, survey.FlagOwnDevice}
		if strings.Join(got.Flags, ",") != strings.Join(want, ",") || !got.Suspect || !got.Verified || got.Channel != survey.ChannelVisit {
			t.Errorf("central holds flags %v suspect %v verified %v channel %s; want %v, suspect, verified, visit",
				got.Flags, got.Suspect, got.Verified, got.Channel, want)
		}
		findings, err := store.FindFindings(ctx, survey.FindingFilter{KioskID: k.ID})
		if err != nil || len(findings) != 0 {
			t.Errorf("findings %+v (%v), want none: the flags are part of the hashed content", findings, err)
		}
	})
}
