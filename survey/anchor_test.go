package survey

import (
	"testing"
	"time"
)

func hasFinding(fs []Finding, kind string, from, to int64) bool {
	for _, f := range fs {
		if f.Kind == kind && f.FromSeq == from && f.ToSeq == to {
			return true
		}
	}
	return false
}

// segment returns a break or restore at seq following prev (chained to prevHash).
func segment(kind string, seq, prev int64, prevHash string) Segment {
	s := Segment{Seq: seq, Kind: kind, PrevSeq: prev, PrevHash: prevHash, FoundSeq: seq - 1, FoundHash: "f",
		Reason: "test", CreatedAt: ingestNow}
	s.Hash = s.ComputeHash()
	return s
}

func TestSegmentHashCoversEveryField(t *testing.T) {
	s := segment(SegmentBreak, 12, 10, "abc")
	if err := s.Check(); err != nil {
		t.Fatalf("a well-formed segment: %v", err)
	}
	for name, edit := range map[string]func(*Segment){
		"kind":        func(s *Segment) { s.Kind = SegmentRestore },
		"prev_seq":    func(s *Segment) { s.PrevSeq = 9 },
		"prev_hash":   func(s *Segment) { s.PrevHash = "abd" },
		"found_seq":   func(s *Segment) { s.FoundSeq = 3 },
		"found_hash":  func(s *Segment) { s.FoundHash = "g" },
		"central_seq": func(s *Segment) { s.CentralSeq = 1 },
		"reason":      func(s *Segment) { s.Reason = "other" },
		"created_at":  func(s *Segment) { s.CreatedAt = s.CreatedAt.Add(time.Microsecond) },
		"seq":         func(s *Segment) { s.Seq = 13 },
	} {
		c := s
		edit(&c)
		if c.Check() == nil {
			t.Errorf("%s changed, hash kept: the segment still checks", name)
		}
	}
	bad := segment("other", 12, 10, "")
	if ErrorCode(bad.Check()) != EINVALID {
		t.Errorf("an unknown kind checks")
	}
	if bad := segment(SegmentBreak, 10, 10, ""); bad.Check() == nil {
		t.Errorf("a segment not above its prev_seq checks")
	}
}

func TestPlanHeadForks(t *testing.T) {
	k := Kiosk{ID: "k1", OfficeID: 7}
	at := ingestNow
	for _, tc := range []struct {
		what string
		in   HeadInput
		want []Finding
	}{
		{"a new head above everything", HeadInput{Head: SignedHead{Seq: 9, Hash: "h9"}, Source: HeadFromSync,
			HighestSync: AnchoredHead{Seq: 8, Hash: "h8", ReceivedAt: at.Add(-time.Hour)}}, nil},
		{"the same head again", HeadInput{Head: SignedHead{Seq: 9, Hash: "h9"}, Source: HeadFromWitness,
			AtSeq: []AnchoredHead{{Seq: 9, Hash: "h9", Source: HeadFromSync}}}, nil},
		{"another hash at a number central knew", HeadInput{Head: SignedHead{Seq: 9, Hash: "x9"}, Source: HeadFromWitness,
			AtSeq: []AnchoredHead{{Seq: 9, Hash: "h9", Source: "row"}}}, []Finding{{Kind: FindingFork, FromSeq: 9, ToSeq: 9}}},
		{"the kiosk's head went back", HeadInput{Head: SignedHead{Seq: 5, Hash: "h5"}, Source: HeadFromSync,
			HighestSync: AnchoredHead{Seq: 9, Hash: "h9", ReceivedAt: at.Add(-time.Hour)}}, []Finding{{Kind: FindingFork, FromSeq: 6, ToSeq: 9}}},
		{"a heartbeat and a batch crossing", HeadInput{Head: SignedHead{Seq: 5, Hash: "h5"}, Source: HeadFromSync,
			HighestSync: AnchoredHead{Seq: 9, Hash: "h9", ReceivedAt: at.Add(-time.Minute)}}, nil},
		{"a late witness of an older head", HeadInput{Head: SignedHead{Seq: 5, Hash: "h5"}, Source: HeadFromWitness,
			HighestSync: AnchoredHead{Seq: 9, Hash: "h9", ReceivedAt: at.Add(-time.Hour)}}, nil},
	} {
		tc.in.Kiosk, tc.in.ReceivedAt = k, at
		got := PlanHead(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.what, got, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !hasFinding(got, w.Kind, w.FromSeq, w.ToSeq) || got[0].KioskID != "k1" || got[0].OfficeID != 7 || !got[0].DetectedAt.Equal(at) {
				t.Errorf("%s: %+v, want %s %d–%d of k1", tc.what, got, w.Kind, w.FromSeq, w.ToSeq)
			}
		}
	}
}

func TestPlanSegment(t *testing.T) {
	k := Kiosk{ID: "k1", OfficeID: 7}
	brk := segment(SegmentBreak, 12, 10, "h10")
	restore := segment(SegmentRestore, 151, 100, "h100")
	for _, tc := range []struct {
		what     string
		in       SegmentInput
		store    bool
		skipFrom int64
		want     []Finding
	}{
		{"a break names what the kiosk cannot vouch for", SegmentInput{Segment: brk, Highest: 11}, true, 12,
			[]Finding{{Kind: FindingChainBreak, FromSeq: 11, ToSeq: 11}}},
		{"a break right after the last good entry", SegmentInput{Segment: segment(SegmentBreak, 11, 10, "h10")}, true, 11, nil},
		{"a restore when central holds every rating after the backup", SegmentInput{Segment: restore, Highest: 150, HeldBetween: 50}, true, 151, nil},
		{"a restore that lost witnessed ratings", SegmentInput{Segment: restore, Highest: 150, HeldBetween: 40}, true, 151,
			[]Finding{{Kind: FindingFork, FromSeq: 101, ToSeq: 150}}},
		{"a restore without central: the jump is skipped", SegmentInput{Segment: segment(SegmentRestore, 100+RestoreJump, 100, "h100"), Highest: 100}, true, 101, nil},
		{"a jump after central heard of more", SegmentInput{Segment: segment(SegmentRestore, 100+RestoreJump, 100, "h100"), Highest: 120, HeldBetween: 20}, true, 121, nil},
		{"the same segment again", SegmentInput{Segment: brk, Stored: &StoredSegment{Segment: brk}}, false, 0, nil},
		{"another segment at the same number", SegmentInput{Segment: brk, Stored: &StoredSegment{Segment: segment(SegmentBreak, 12, 9, "h9")}}, false, 0,
			[]Finding{{Kind: FindingFork, FromSeq: 12, ToSeq: 12}}},
		{"a response holds the number", SegmentInput{Segment: segment(SegmentBreak, 11, 10, "h10"), RowAtSeq: "r11"}, true, 11,
			[]Finding{{Kind: FindingSeqReuse, FromSeq: 11, ToSeq: 11}}},
	} {
		tc.in.Kiosk, tc.in.ReceivedAt = k, ingestNow
		p := PlanSegment(tc.in)
		if p.Store != tc.store || p.SkipFrom != tc.skipFrom || len(p.Findings) != len(tc.want) {
			t.Errorf("%s: %+v, want store %v, skip from %d, findings %+v", tc.what, p, tc.store, tc.skipFrom, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !hasFinding(p.Findings, w.Kind, w.FromSeq, w.ToSeq) || p.Findings[0].KioskID != "k1" {
				t.Errorf("%s: %+v, want %s %d–%d", tc.what, p.Findings, w.Kind, w.FromSeq, w.ToSeq)
			}
		}
	}
}

// A break: the rows the kiosk could not vouch for are flagged; the rating
// after the segment links to it and raises nothing.
func TestPlanIngestAcrossASegment(t *testing.T) {
	rs := chain(4)
	brk := segment(SegmentBreak, 5, 2, rs[1].Hash)
	next := Response{ID: "01900000-0000-7000-8000-000000000099", Seq: 6, NIP: rs[0].NIP, Service: "KIA",
		Ratings: rs[0].Ratings, Channel: ChannelQR, CreatedAt: ingestNow.Add(time.Hour)}
	next.PrevHash, next.Hash = brk.Hash, next.ChainHash(brk.Hash)
	in := planInput(append(rs, next))
	in.Segments = []StoredSegment{{Segment: brk, SkipFrom: 5}}
	in.Meta.Head = SignedHead{Seq: 6, Hash: next.Hash}
	p := PlanIngest(in)
	for _, r := range p.Insert {
		if got, want := hasFlagString(r.Flags, FlagChainBreak), r.Seq == 3 || r.Seq == 4; got != want {
			t.Errorf("seq %d: flags %v", r.Seq, r.Flags)
		}
	}
	if len(p.Findings) != 0 {
		t.Errorf("findings %+v: the segment's own finding names the range", p.Findings)
	}
	// A response with the segment's number is a reused number.
	clash := rs[0]
	clash.ID, clash.Seq = "01900000-0000-7000-8000-000000000098", 5
	clash.PrevHash = rs[3].Hash
	clash.Hash = clash.ChainHash(clash.PrevHash)
	in = planInput([]Response{clash})
	in.Segments = []StoredSegment{{Segment: brk}}
	if p := PlanIngest(in); !hasFinding(p.Findings, FindingSeqReuse, 5, 5) {
		t.Errorf("a response at the segment's number: %+v", p.Findings)
	}
}

func TestPlanIngestForksOnAnchoredHeads(t *testing.T) {
	rs := chain(5)
	in := planInput(rs)
	in.Anchored = map[int64][]AnchoredHead{
		3: {{Seq: 3, Hash: "witnessed-other", Source: HeadFromWitness, ReceivedAt: ingestNow.Add(-time.Hour)}},
		4: {{Seq: 4, Hash: rs[3].Hash, Source: HeadFromWitness}},
	}
	p := PlanIngest(in)
	if !hasFinding(p.Findings, FindingFork, 3, 3) || len(p.Findings) != 1 {
		t.Errorf("findings %+v, want one fork at 3", p.Findings)
	}
	for _, r := range p.Insert {
		if got := hasFlagString(r.Flags, FlagFork); got != (r.Seq == 3) || got != r.Suspect {
			t.Errorf("seq %d: flags %v suspect %v", r.Seq, r.Flags, r.Suspect)
		}
	}
	// The batch's head going back below what the kiosk reported an hour ago.
	in = planInput(rs)
	in.Meta.Head = SignedHead{Seq: 5, Hash: rs[4].Hash}
	in.HighestSync = AnchoredHead{Seq: 40, Hash: "h40", Source: HeadFromSync, ReceivedAt: ingestNow.Add(-time.Hour)}
	if p := PlanIngest(in); !hasFinding(p.Findings, FindingFork, 6, 40) {
		t.Errorf("head going back: %+v", p.Findings)
	}
	in.Source = HeadFromFile // an offline file is as old as it is
	if p := PlanIngest(in); len(p.Findings) != 0 {
		t.Errorf("a file's old head: %+v", p.Findings)
	}
}

func TestPlanIngestFlagsDoubtfulTimes(t *testing.T) {
	registered := ingestNow.Add(-48 * time.Hour)
	for _, tc := range []struct {
		what    string
		created time.Time
		sentAt  time.Time
		limit   time.Duration
		want    bool
	}{
		{"an ordinary rating", ingestNow.Add(-3 * time.Hour), ingestNow, 10 * time.Minute, false},
		{"within the limit after sending", ingestNow.Add(5 * time.Minute), ingestNow, 10 * time.Minute, false},
		{"after its batch was sent", ingestNow.Add(-time.Hour), ingestNow.Add(-2 * time.Hour), 10 * time.Minute, true},
		{"after central received it", ingestNow.Add(time.Hour), ingestNow.Add(2 * time.Hour), 10 * time.Minute, true},
		{"before the kiosk was registered", registered.Add(-time.Hour), ingestNow, 10 * time.Minute, true},
		{"limit 0 turns the checks off", registered.Add(-time.Hour), ingestNow, 0, false},
	} {
		rs := chain(1)
		rs[0].CreatedAt = tc.created
		rs[0].Hash = rs[0].ChainHash("")
		in := planInput(rs)
		in.Kiosk.RegisteredAt, in.Meta.SentAt, in.SkewLimit = registered, tc.sentAt, tc.limit
		in.Kiosk.ClockSkew = in.Meta.SentAt.Sub(ingestNow) // no clock_skew finding besides
		p := PlanIngest(in)
		if got := hasFlagString(p.Insert[0].Flags, FlagClock); got != tc.want || hasFinding(p.Findings, FindingClock, 1, 1) != tc.want {
			t.Errorf("%s: flags %v, findings %+v, want clock %v", tc.what, p.Insert[0].Flags, p.Findings, tc.want)
		}
		if tc.want && !p.Insert[0].Suspect {
			t.Errorf("%s: a clock-flagged response is not suspect, so reports cannot leave it out", tc.what)
		}
	}
	// Without a known registration time (registered again), only the other rules apply.
	rs := chain(1)
	rs[0].CreatedAt = registered.Add(-time.Hour)
	rs[0].Hash = rs[0].ChainHash("")
	in := planInput(rs)
	in.Meta.SentAt, in.SkewLimit = ingestNow, 10*time.Minute
	if p := PlanIngest(in); len(p.Insert[0].Flags) != 0 {
		t.Errorf("unknown registration: flags %v", p.Insert[0].Flags)
	}
}

func TestSubtractRangesAndSkipGaps(t *testing.T) {
	got := SubtractRanges(SeqRange{1, 100}, []SeqRange{{10, 20}, {15, 30}, {95, 200}, {300, 400}})
	want := []SeqRange{{1, 9}, {31, 94}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("SubtractRanges = %v, want %v", got, want)
	}
	gaps := []Finding{{Kind: FindingGap, KioskID: "k1", FromSeq: 101, ToSeq: 1_000_100}, {Kind: FindingGap, KioskID: "k2", FromSeq: 3, ToSeq: 4}}
	out := SkipGaps(gaps, map[string][]SeqRange{"k1": {{141, 1_000_100}}})
	if len(out) != 2 || out[0].FromSeq != 101 || out[0].ToSeq != 140 || out[1].KioskID != "k2" || CountGaps(out) != 42 {
		t.Errorf("SkipGaps = %+v", out)
	}
}

func TestReceiptCode(t *testing.T) {
	c := NewReceiptCode("k-7h3k9m2p4q", 1240, "5e7a1c9bffff")
	if s := c.String(); s != "k-7h3k9m2p4q-1240-5e7a1c9b" {
		t.Fatalf("String = %q", s)
	}
	for _, in := range []string{"k-7h3k9m2p4q-1240-5e7a1c9b", "  K-7H3K9M2P4Q-1240-5E7A1C9B \n"} {
		if got, err := ParseReceiptCode(in); err != nil || got != c {
			t.Errorf("ParseReceiptCode(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "k-7h3k9m2p4q-1240", "k-7h3k9m2p4q-0-5e7a1c9b", "k-7h3k9m2p4q-1240-5e7a1c9", "x-7h3k-1-5e7a1c9b",
		"k-7h3k9m2p4q-99999999999999999999-5e7a1c9b", "k-a-1-5e7a1c9b'; DROP TABLE responses"} {
		if _, err := ParseReceiptCode(bad); ErrorCode(err) != EINVALID {
			t.Errorf("ParseReceiptCode(%q): %v, want invalid", bad, err)
		}
	}
}
