package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// wib is Asia/Jakarta, for the expected days and nights.
var wib = survey.Jakarta

// ingestFixture is a store with one office, one rostered staff member
// (NIP1, unit Dafduk, counter 1) and one kiosk.
type ingestFixture struct {
	*fixture
	office survey.Office
	kiosk  survey.Kiosk
}

func newIngestFixture(t *testing.T, open Opener) *ingestFixture {
	t.Helper()
	f := newFixture(t, open)
	o := MustCreateOffice(t, f.s, "Disdukcapil Kota Serang")
	MustAddStaff(t, f.s, o.ID, NIP1, "Siti Rahma", "Dafduk", "1")
	return &ingestFixture{fixture: f, office: o, kiosk: MustCreateKiosk(t, f.s, o.ID)}
}

func (f *ingestFixture) ingest(rs []survey.Response, at time.Time) survey.IngestPlan {
	f.t.Helper()
	return MustIngest(f.t, f.s, Request(f.kiosk.ID, rs, at))
}

func (f *ingestFixture) receipts() []survey.Receipt {
	f.t.Helper()
	rs, err := f.s.FindReceipts(f.ctx, survey.ReceiptFilter{KioskID: f.kiosk.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return rs
}

func (f *ingestFixture) findings(kind string) []survey.Finding {
	f.t.Helper()
	fs, err := f.s.FindFindings(f.ctx, survey.FindingFilter{KioskID: f.kiosk.ID, Kind: kind})
	if err != nil {
		f.t.Fatal(err)
	}
	return fs
}

func (f *ingestFixture) count() int64 {
	f.t.Helper()
	n, err := f.s.CountResponses(f.ctx, f.kiosk.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *ingestFixture) response(id string) survey.StoredResponse {
	f.t.Helper()
	r, err := f.s.ResponseByID(f.ctx, id)
	if err != nil {
		f.t.Fatalf("response %s: %v", id, err)
	}
	return r
}

func testIngestCleanChain(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := (&Chain{}).Next(5)
	rs[1].Comment, rs[1].Verified, rs[1].VisitID, rs[1].Channel = "Pelayanan cepat <b>& ramah</b> 👍", true, "v-1", survey.ChannelVisit
	rs[1].Profile = survey.Profile{AgeBand: "60+", Sex: "L", Education: "s1", Occupation: "pns"}
	Rechain(rs, 1, "")
	at := T0.Add(16 * time.Hour) // 02:00 WIB on 27 November
	p := f.ingest(rs, at)
	if p.Counts != (survey.IngestCounts{Sent: 5, Stored: 5}) || len(p.Findings) != 0 {
		t.Fatalf("plan counts %+v, findings %+v", p.Counts, p.Findings)
	}
	if n := f.count(); n != 5 {
		t.Errorf("stored %d, want 5", n)
	}
	for _, want := range rs {
		got := f.response(want.ID)
		if got.Seq != want.Seq || got.NIP != want.NIP || got.Service != want.Service || got.Ratings != want.Ratings ||
			got.Comment != want.Comment || got.Profile != want.Profile || got.Channel != want.Channel ||
			got.Verified != want.Verified || got.VisitID != want.VisitID || !got.CreatedAt.Equal(want.CreatedAt) ||
			got.PrevHash != want.PrevHash || got.Hash != want.Hash {
			t.Errorf("stored response %d = %+v, want %+v", want.Seq, got.Response, want)
		}
		if got.KioskID != f.kiosk.ID || got.OfficeID != f.office.ID || got.Unit != "Dafduk" || got.Counter != "1" ||
			!got.ReceivedAt.Equal(at) || got.Fingerprint != want.Fingerprint() || got.Suspect || got.UnknownStaff || len(got.Flags) != 0 {
			t.Errorf("central fields of %d = %+v", want.Seq, got)
		}
	}
	k, _ := f.s.KioskByID(f.ctx, f.kiosk.ID)
	if k.Head != (survey.KioskHead{Seq: 5, Hash: rs[4].Hash}) || !k.LastSeenAt.Equal(at) || k.ClockSkew != 0 {
		t.Errorf("kiosk after ingest: head %+v, last seen %s, skew %s", k.Head, k.LastSeenAt, k.ClockSkew)
	}
	want := survey.Receipt{KioskID: f.kiosk.ID, OfficeID: f.office.ID, Night: "2026-11-27", Batches: 1, Buffered: 5,
		Sent: 5, Stored: 5, LastAt: at}
	if got := f.receipts(); len(got) != 1 || !sameReceipt(got[0], want) {
		t.Errorf("receipts = %+v, want %+v", got, want)
	}
	if gaps, err := f.s.FindGaps(f.ctx, f.kiosk.ID); err != nil || len(gaps) != 0 {
		t.Errorf("gaps = %+v (%v), want none", gaps, err)
	}
	if fs := f.findings(""); len(fs) != 0 {
		t.Errorf("findings = %+v, want none", fs)
	}
	_, err := f.s.ResponseByID(f.ctx, "01900000-0000-7000-8000-000000000000")
	wantCode(t, err, survey.ENOTFOUND, "unknown response")
	_, err = f.s.ResponseByID(f.ctx, "not-a-uuid")
	wantCode(t, err, survey.ENOTFOUND, "malformed response id")
}

func sameReceipt(got, want survey.Receipt) bool {
	at := got.LastAt
	got.LastAt = want.LastAt
	return got == want && at.Equal(want.LastAt)
}

func testIngestSameBatchTwice(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := (&Chain{}).Next(4)
	req := Request(f.kiosk.ID, rs, T0)
	MustIngest(t, f.s, req)
	req.ReceivedAt = T0.Add(time.Minute)
	p := MustIngest(t, f.s, req)
	if p.Counts != (survey.IngestCounts{Sent: 4, Duplicates: 4}) || len(p.Insert) != 0 {
		t.Errorf("second upload counts %+v, %d inserts; want 4 duplicates", p.Counts, len(p.Insert))
	}
	for _, r := range p.Results {
		if r.Status != survey.StatusDuplicate {
			t.Errorf("result %+v, want duplicate", r)
		}
	}
	if n := f.count(); n != 4 {
		t.Errorf("stored %d, want 4", n)
	}
	got := f.receipts()
	if len(got) != 1 || got[0].Batches != 2 || got[0].Sent != 8 || got[0].Stored != 4 || got[0].Duplicates != 4 || got[0].Refused != 0 {
		t.Errorf("receipts = %+v, want 2 batches, 8 sent, 4 stored, 4 duplicates", got)
	}
	if tl := mustTally(t, f.s, f.office.ID, T0.AddDate(0, 0, -1), T0.AddDate(0, 0, 1)); tl.N != 4 {
		t.Errorf("rollups count %d responses, want 4", tl.N)
	}
}

func testIngestConflict(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	ch := &Chain{}
	rs := ch.Next(3)
	f.ingest(rs, T0)
	changed := rs[1]
	changed.Comment = "diubah setelah diunggah"
	changed.Hash = changed.ChainHash(changed.PrevHash)
	p := f.ingest(append([]survey.Response{changed}, ch.Next(1)...), T0.Add(time.Hour))
	if p.Results[0].Status != survey.StatusRefused || p.Results[0].Reason == "" || p.Results[1].Status != survey.StatusStored {
		t.Errorf("results = %+v, want the changed one refused and the new one stored", p.Results)
	}
	if p.Counts != (survey.IngestCounts{Sent: 2, Stored: 1, Refused: 1}) {
		t.Errorf("counts = %+v", p.Counts)
	}
	first := f.response(rs[1].ID)
	if first.Comment != "" || first.Fingerprint != rs[1].Fingerprint() || first.Hash != rs[1].Hash {
		t.Errorf("the conflicting upload overwrote the first content: %+v", first)
	}
	fs := f.findings(survey.FindingConflict)
	if len(fs) != 1 || fs[0].FromSeq != 2 || fs[0].ToSeq != 2 || fs[0].OfficeID != f.office.ID || !fs[0].DetectedAt.Equal(T0.Add(time.Hour)) {
		t.Errorf("conflict findings = %+v", fs)
	}
	if n := f.count(); n != 4 {
		t.Errorf("stored %d, want 4", n)
	}
	if got := f.receipts(); len(got) != 1 || got[0].Refused != 1 || got[0].Stored != 4 {
		t.Errorf("receipts = %+v, want 4 stored and 1 refused", got)
	}
}

func testIngestEditedRow(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := (&Chain{}).Next(4)
	rs[1].Ratings[0] = rs[1].Ratings[0]%4 + 1 // edited in the kiosk's file, hash left alone
	p := f.ingest(rs, T0)
	if p.Counts.Stored != 4 {
		t.Fatalf("counts = %+v, want all 4 stored", p.Counts)
	}
	edited := f.response(rs[1].ID)
	if !edited.Suspect || !slices.Contains(edited.Flags, survey.FlagEdited) || edited.Ratings != rs[1].Ratings {
		t.Errorf("edited row = suspect %v flags %v ratings %v", edited.Suspect, edited.Flags, edited.Ratings)
	}
	if clean := f.response(rs[2].ID); clean.Suspect {
		t.Errorf("row 3 flagged: %v", clean.Flags)
	}
	fs := f.findings(survey.FindingChainBreak)
	if len(fs) != 1 || fs[0].FromSeq != 2 || fs[0].ToSeq != 2 || fs[0].KioskID != f.kiosk.ID {
		t.Errorf("chain break findings = %+v, want one over 2–2", fs)
	}
}

func testIngestBrokenLink(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := (&Chain{}).Next(5)
	f.ingest(rs[:3], T0)
	// Rows 4 and 5 were rewritten and re-hashed, but row 4 no longer links to the stored row 3.
	rs[3].Ratings[2] = rs[3].Ratings[2]%4 + 1
	Rechain(rs, 3, "")
	rs[3].PrevHash, rs[3].Hash = "forged", rs[3].ChainHash("forged")
	Rechain(rs, 4, "")
	p := f.ingest(rs[3:], T0.Add(time.Hour))
	if p.Counts.Stored != 2 {
		t.Fatalf("counts = %+v, want both stored", p.Counts)
	}
	if r := f.response(rs[3].ID); !r.Suspect || !slices.Contains(r.Flags, survey.FlagChainBreak) {
		t.Errorf("row 4 = suspect %v flags %v, want a chain break", r.Suspect, r.Flags)
	}
	if r := f.response(rs[4].ID); r.Suspect {
		t.Errorf("row 5 flagged %v; it links to row 4", r.Flags)
	}
	fs := f.findings(survey.FindingChainBreak)
	if len(fs) != 1 || fs[0].FromSeq != 3 || fs[0].ToSeq != 4 {
		t.Errorf("chain break findings = %+v, want one over 3–4", fs)
	}
	if k, _ := f.s.KioskByID(f.ctx, f.kiosk.ID); k.Head != (survey.KioskHead{Seq: 5, Hash: rs[4].Hash}) {
		t.Errorf("head = %+v", k.Head)
	}
}

func testIngestHeadAndSkew(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := (&Chain{}).Next(2)
	req := Request(f.kiosk.ID, rs, T0)
	req.Meta.SentAt = T0.Add(-time.Hour)
	req.SkewLimit = 10 * time.Minute
	var seen survey.Kiosk
	req.VerifyHead = func(k survey.Kiosk, h survey.SignedHead) bool {
		seen = k
		return false
	}
	p := MustIngest(t, f.s, req)
	if seen.ID != f.kiosk.ID || !bytes.Equal(seen.PublicKey, f.kiosk.PublicKey) {
		t.Errorf("VerifyHead got kiosk %q with key %x, want %s's key", seen.ID, seen.PublicKey, f.kiosk.ID)
	}
	if p.Skew != -time.Hour || len(f.findings(survey.FindingHeadMismatch)) != 1 || len(f.findings(survey.FindingClockSkew)) != 1 {
		t.Errorf("skew %s, findings %+v; want -1h, a head mismatch and a clock skew", p.Skew, f.findings(""))
	}
	if k, _ := f.s.KioskByID(f.ctx, f.kiosk.ID); k.ClockSkew != -time.Hour {
		t.Errorf("kiosk clock skew = %s, want -1h", k.ClockSkew)
	}
	// An upload without the kiosk's send time leaves the known skew alone.
	req = Request(f.kiosk.ID, nil, T0.Add(time.Minute))
	req.Meta.SentAt = time.Time{}
	MustIngest(t, f.s, req)
	if k, _ := f.s.KioskByID(f.ctx, f.kiosk.ID); k.ClockSkew != -time.Hour || !k.LastSeenAt.Equal(T0.Add(time.Minute)) {
		t.Errorf("after an upload without sent_at: skew %s, last seen %s", k.ClockSkew, k.LastSeenAt)
	}
}

func testUnknownStaff(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	ch := &Chain{NIP: NIPUnknown, Service: "NOPE"}
	rs := ch.Next(2)
	p := f.ingest(rs, T0)
	if p.Counts.Stored != 2 {
		t.Fatalf("counts = %+v, want both stored", p.Counts)
	}
	r := f.response(rs[0].ID)
	if !r.UnknownStaff || !r.Suspect || !slices.Contains(r.Flags, survey.FlagUnknownStaff) ||
		!slices.Contains(r.Flags, survey.FlagUnknownService) || r.Unit != "" {
		t.Errorf("unknown staff row = unknown %v suspect %v flags %v unit %q", r.UnknownStaff, r.Suspect, r.Flags, r.Unit)
	}
}
