package storetest

import (
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// anchor reports a head to the store as src and fails the test on error.
func (f *ingestFixture) anchor(src string, h survey.SignedHead, at time.Time, segs ...survey.Segment) survey.AnchorResult {
	f.t.Helper()
	res, err := f.s.AnchorHead(f.ctx, survey.AnchorRequest{KioskID: f.kiosk.ID, Head: h, Source: src, ReceivedAt: at, Segments: segs})
	if err != nil {
		f.t.Fatalf("AnchorHead(%s %d): %v", src, h.Seq, err)
	}
	return res
}

func hasFinding(fs []survey.Finding, kind string, from, to int64) bool {
	for _, x := range fs {
		if x.Kind == kind && x.FromSeq == from && x.ToSeq == to {
			return true
		}
	}
	return false
}

func head(r survey.Response) survey.SignedHead {
	return survey.SignedHead{Seq: r.Seq, Hash: r.Hash, Signature: "test"}
}

// testAnchorHeads: heads heard of outside batches (the kiosk's heartbeat, a
// citizen's phone) are kept as a history; rows or heads that contradict one
// are a fork; central's chain state and receipts answer from what it holds.
func testAnchorHeads(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	ch := &Chain{}
	rs := ch.Next(5)
	f.ingest(rs, T0)
	if res := f.anchor(survey.HeadFromSync, head(rs[4]), T0); res.New || len(res.Findings) != 0 {
		t.Errorf("the batch's own head again: %+v, want already known, no finding", res)
	}
	more := ch.Next(3) // 6–8, not uploaded yet
	if res := f.anchor(survey.HeadFromWitness, head(more[1]), T0.Add(time.Minute)); !res.New || len(res.Findings) != 0 {
		t.Errorf("a witness of 7: %+v, want new and no finding", res)
	}
	st, err := f.s.KioskChainState(f.ctx, f.kiosk.ID, 3)
	if err != nil || st.ReceivedSeq != 5 || st.Head.Seq != 7 || st.Head.Source != survey.HeadFromWitness || st.HeldAfter != 2 || st.Highest() != 7 {
		t.Errorf("KioskChainState = %+v (%v), want 5 held, head 7 witnessed, 2 held after 3", st, err)
	}
	if hs, err := f.s.FindHeads(f.ctx, f.kiosk.ID, 10); err != nil || len(hs) != 2 || hs[0].Seq != 7 || hs[1].Seq != 5 {
		t.Errorf("FindHeads = %+v (%v)", hs, err)
	}
	// Row 7 replaced before upload: it contradicts what the phone delivered.
	forged := append([]survey.Response(nil), more...)
	forged[1].Comment = "diganti"
	Rechain(forged, 1, "")
	p := f.ingest(forged, T0.Add(2*time.Minute))
	if !hasFinding(p.Findings, survey.FindingFork, 7, 7) {
		t.Errorf("a row against a witnessed head: findings %+v, want a fork at 7", p.Findings)
	}
	if r := f.response(forged[1].ID); !r.Suspect || !hasFlag(r.Flags, survey.FlagFork) {
		t.Errorf("the forged row: flags %v", r.Flags)
	}
	if fs := f.findings(survey.FindingFork); len(fs) != 1 || fs[0].KioskID != f.kiosk.ID || fs[0].OfficeID != f.office.ID {
		t.Errorf("recorded forks = %+v", fs)
	}
	// Another hash at a number central holds: a fork at once.
	if res := f.anchor(survey.HeadFromWitness, survey.SignedHead{Seq: 3, Hash: "other"}, T0.Add(3*time.Minute)); !hasFinding(res.Findings, survey.FindingFork, 3, 3) {
		t.Errorf("another head at a stored number: %+v", res.Findings)
	}
	// The kiosk's own head going back, an hour after it reported 8.
	if res := f.anchor(survey.HeadFromSync, head(rs[1]), T0.Add(time.Hour)); !hasFinding(res.Findings, survey.FindingFork, 3, 8) {
		t.Errorf("the kiosk's head going back: %+v", res.Findings)
	}
	// Signatures: a witness that does not verify is refused, the kiosk's own is a finding.
	bad := func(survey.Kiosk, survey.SignedHead) bool { return false }
	_, err = f.s.AnchorHead(f.ctx, survey.AnchorRequest{KioskID: f.kiosk.ID, Head: head(rs[0]), Source: survey.HeadFromWitness, VerifyHead: bad})
	wantCode(t, err, survey.EINVALID, "a witness with a bad signature")
	res, err := f.s.AnchorHead(f.ctx, survey.AnchorRequest{KioskID: f.kiosk.ID, Head: survey.SignedHead{Seq: 99, Hash: "x"}, Source: survey.HeadFromSync, VerifyHead: bad})
	if err != nil || res.New || !hasFinding(res.Findings, survey.FindingHeadMismatch, 99, 99) {
		t.Errorf("the kiosk's report with a bad signature: %+v (%v)", res, err)
	}
	if st, _ := f.s.KioskChainState(f.ctx, f.kiosk.ID, 0); st.Head.Seq == 99 {
		t.Errorf("a head whose signature failed was kept: %+v", st)
	}
	_, err = f.s.AnchorHead(f.ctx, survey.AnchorRequest{KioskID: "k-none", Head: head(rs[0]), Source: survey.HeadFromWitness})
	wantCode(t, err, survey.ENOTFOUND, "an unknown kiosk")
	_, err = f.s.KioskChainState(f.ctx, "k-none", 0)
	wantCode(t, err, survey.ENOTFOUND, "chain state of an unknown kiosk")

	// The kiosk's clock, from its heartbeat.
	res, err = f.s.AnchorHead(f.ctx, survey.AnchorRequest{KioskID: f.kiosk.ID, Head: head(forged[2]), Source: survey.HeadFromSync,
		ReceivedAt: T0.Add(2 * time.Hour), SentAt: T0.Add(time.Hour), SkewLimit: 10 * time.Minute})
	if err != nil || res.Skew != -time.Hour || !hasFinding(res.Findings, survey.FindingClockSkew, 0, 0) {
		t.Errorf("a heartbeat an hour behind: %+v (%v)", res, err)
	}
	if k, _ := f.s.KioskByID(f.ctx, f.kiosk.ID); k.ClockSkew != -time.Hour || !k.LastSeenAt.Equal(T0.Add(2*time.Hour)) {
		t.Errorf("kiosk after the heartbeat: skew %s, last seen %s", k.ClockSkew, k.LastSeenAt)
	}

	// Receipts: received with the right hash prefix, else not.
	code := survey.NewReceiptCode(f.kiosk.ID, 2, rs[1].Hash)
	if at, ok, err := f.s.ReceiptStatus(f.ctx, code); err != nil || !ok || !at.Equal(T0) {
		t.Errorf("ReceiptStatus(%s) = %s %v %v, want received at %s", code, at, ok, err, T0)
	}
	for _, c := range []survey.ReceiptCode{{KioskID: f.kiosk.ID, Seq: 2, Check: "00000000"}, {KioskID: f.kiosk.ID, Seq: 60, Check: rs[1].Hash[:8]},
		{KioskID: "k-none", Seq: 2, Check: rs[1].Hash[:8]}} {
		if _, ok, err := f.s.ReceiptStatus(f.ctx, c); err != nil || ok {
			t.Errorf("ReceiptStatus(%s) = %v %v, want not received", c, ok, err)
		}
	}

	f.revoke()
	_, err = f.s.AnchorHead(f.ctx, survey.AnchorRequest{KioskID: f.kiosk.ID, Head: head(rs[0]), Source: survey.HeadFromWitness})
	wantCode(t, err, survey.EFORBIDDEN, "a revoked kiosk")
}

func (f *ingestFixture) revoke() {
	f.t.Helper()
	if err := f.s.RevokeKiosk(f.ctx, f.kiosk.ID, T0); err != nil {
		f.t.Fatal(err)
	}
}

func hasFlag(flags []string, flag string) bool {
	for _, x := range flags {
		if x == flag {
			return true
		}
	}
	return false
}

// testSegments: a kiosk's break and restore statements are stored once;
// the rows a break could not vouch for are flagged, the rows after a
// segment link to it, and numbers a restore skipped are no one's gap.
func testSegments(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	ch := &Chain{}
	rs := ch.Next(6)
	f.ingest(rs[:4], T0)
	// The kiosk found rows 5–6 past its signed head 4: a break at 7.
	brk := Segment(survey.SegmentBreak, 7, 4, rs[3].Hash)
	res := f.anchor(survey.HeadFromSync, survey.SignedHead{Seq: 7, Hash: brk.Hash}, T0.Add(time.Minute), brk)
	if !hasFinding(res.Findings, survey.FindingChainBreak, 5, 6) || len(res.Findings) != 1 {
		t.Errorf("a break: findings %+v, want a chain break 5–6", res.Findings)
	}
	if again := f.anchor(survey.HeadFromSync, survey.SignedHead{Seq: 7, Hash: brk.Hash}, T0.Add(2*time.Minute), brk); len(again.Findings) != 0 {
		t.Errorf("the same break again: %+v", again.Findings)
	}
	ch.Resume(7, brk.Hash)
	after := ch.Next(2) // 8–9, linked to the segment
	p := f.ingest(append(rs[4:], after...), T0.Add(3*time.Minute))
	if len(p.Findings) != 0 {
		t.Errorf("rows across the break: findings %+v, want none besides the break's own", p.Findings)
	}
	for _, r := range append(rs[4:], after...) {
		if got, want := hasFlag(f.response(r.ID).Flags, survey.FlagChainBreak), r.Seq <= 6; got != want {
			t.Errorf("row %d: flags %v", r.Seq, f.response(r.ID).Flags)
		}
	}
	if gaps, err := f.s.FindGaps(f.ctx, f.kiosk.ID); err != nil || len(gaps) != 0 {
		t.Errorf("gaps = %+v (%v): the segment's number is not a gap", gaps, err)
	}
	other := Segment(survey.SegmentBreak, 7, 3, rs[2].Hash)
	if res := f.anchor(survey.HeadFromSync, survey.SignedHead{Seq: 9, Hash: after[1].Hash}, T0.Add(4*time.Minute), other); !hasFinding(res.Findings, survey.FindingFork, 7, 7) {
		t.Errorf("another segment at 7: %+v", res.Findings)
	}
	badSig := Segment(survey.SegmentBreak, 20, 9, after[1].Hash)
	res, err := f.s.AnchorHead(f.ctx, survey.AnchorRequest{KioskID: f.kiosk.ID, Source: survey.HeadFromSync, Segments: []survey.Segment{badSig},
		VerifySegment: func(survey.Kiosk, survey.Segment) bool { return false }})
	if err != nil || !hasFinding(res.Findings, survey.FindingHeadMismatch, 20, 20) {
		t.Errorf("a segment whose signature fails: %+v (%v)", res, err)
	}

	// Restored from a backup that ended at 9 without asking central: the
	// numbers up to the jump are skipped, and a phone had delivered 12.
	f.anchor(survey.HeadFromWitness, survey.SignedHead{Seq: 12, Hash: "h12"}, T0.Add(5*time.Minute))
	jump := Segment(survey.SegmentRestore, 9+survey.RestoreJump, 9, after[1].Hash)
	res = f.anchor(survey.HeadFromSync, survey.SignedHead{Seq: jump.Seq, Hash: jump.Hash}, T0.Add(6*time.Minute), jump)
	if !hasFinding(res.Findings, survey.FindingFork, 10, 12) {
		t.Errorf("a restore that lost witnessed ratings: %+v, want a fork 10–12", res.Findings)
	}
	ch.Resume(jump.Seq, jump.Hash)
	f.ingest(ch.Next(2), T0.Add(7*time.Minute))
	gaps, err := f.s.FindGaps(f.ctx, f.kiosk.ID)
	if err != nil || len(gaps) != 1 || gaps[0].FromSeq != 10 || gaps[0].ToSeq != 12 {
		t.Errorf("gaps after the jump = %+v (%v), want only the lost 10–12", gaps, err)
	}
	if got := f.receipts(); len(got) == 0 || got[0].Gaps != 3 {
		t.Errorf("receipts = %+v, want 3 missing", got)
	}
	segs, err := f.s.FindSegments(f.ctx, f.kiosk.ID)
	if err != nil || len(segs) != 2 || segs[0].Seq != 7 || segs[0].SkipFrom != 7 || segs[1].SkipFrom != 13 ||
		segs[1].Kind != survey.SegmentRestore || segs[1].KioskID != f.kiosk.ID || segs[1].Hash != jump.Hash || !segs[1].CreatedAt.Equal(T0) {
		t.Errorf("FindSegments = %+v (%v)", segs, err)
	}
	if st, _ := f.s.KioskChainState(f.ctx, f.kiosk.ID, 0); st.SegmentSeq != jump.Seq || st.Highest() != jump.Seq+2 {
		t.Errorf("chain state = %+v", st)
	}
}

// testSegmentsInABatch: an offline file's batch carries the kiosk's
// segments; they are stored before its rows are planned.
func testSegmentsInABatch(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	ch := &Chain{}
	rs := ch.Next(3)
	restore := Segment(survey.SegmentRestore, 4, 3, rs[2].Hash)
	ch.Resume(4, restore.Hash)
	rs = append(rs, ch.Next(2)...)
	req := Request(f.kiosk.ID, rs, T0)
	req.Segments, req.Source = []survey.Segment{restore}, survey.HeadFromFile
	p := MustIngest(t, f.s, req)
	if p.Counts.Stored != 5 || len(p.Findings) != 0 {
		t.Errorf("a file with a restore: %+v findings %+v", p.Counts, p.Findings)
	}
	if gaps, _ := f.s.FindGaps(f.ctx, f.kiosk.ID); len(gaps) != 0 {
		t.Errorf("gaps = %+v", gaps)
	}
	if hs, _ := f.s.FindHeads(f.ctx, f.kiosk.ID, 1); len(hs) != 1 || hs[0].Source != survey.HeadFromFile || hs[0].Seq != 6 {
		t.Errorf("the file's head: %+v", hs)
	}
}

// testKioskRegistration: a kiosk is registered now unless told otherwise;
// a response made before it is flagged clock.
func testKioskRegistration(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	if f.kiosk.RegisteredAt.IsZero() || !f.kiosk.RegisteredAt.Equal(f.kiosk.CreatedAt) {
		t.Errorf("a new kiosk: registered %s, created %s", f.kiosk.RegisteredAt, f.kiosk.CreatedAt)
	}
	pub := f.kiosk.PublicKey
	again := survey.Kiosk{ID: "k-again", OfficeID: f.office.ID, PublicKey: pub, RegisteredUnknown: true}
	if err := f.s.CreateKiosk(f.ctx, &again); err != nil {
		t.Fatal(err)
	}
	dated := survey.Kiosk{ID: "k-dated", OfficeID: f.office.ID, PublicKey: pub, RegisteredAt: T0.AddDate(0, -1, 0)}
	if err := f.s.CreateKiosk(f.ctx, &dated); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]time.Time{"k-again": {}, "k-dated": T0.AddDate(0, -1, 0), f.kiosk.ID: T0} {
		if k, err := f.s.KioskByID(f.ctx, id); err != nil || !k.RegisteredAt.Equal(want) {
			t.Errorf("%s: registered %s (%v), want %s", id, k.RegisteredAt, err, want)
		}
	}
	rs := (&Chain{Start: T0.Add(-2 * time.Hour), Step: time.Hour}).Next(3) // the first two made before the kiosk was registered
	req := Request(f.kiosk.ID, rs, T0.Add(time.Hour))
	req.SkewLimit = 10 * time.Minute
	p := MustIngest(t, f.s, req)
	if !hasFinding(p.Findings, survey.FindingClock, 1, 2) {
		t.Errorf("responses before registration: %+v", p.Findings)
	}
	for _, r := range rs {
		if got := hasFlag(f.response(r.ID).Flags, survey.FlagClock); got != (r.Seq <= 2) {
			t.Errorf("row %d: flags %v", r.Seq, f.response(r.ID).Flags)
		}
	}
}
