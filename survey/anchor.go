package survey

import (
	"context"
	"fmt"
	"time"
)

// Sources of a head central heard of.
const (
	HeadFromSync    = "sync"    // the kiosk's own report: a sync attempt, a heartbeat or a batch
	HeadFromWitness = "witness" // a citizen's phone delivered it from the thank-you page
	HeadFromFile    = "file"    // an offline batch file (`central import`)
)

// AnchorGrace is how long a head the kiosk reported may stand above a lower
// one it reports later before that counts as its head going backwards: a
// heartbeat and a batch of the same kiosk may cross on the network.
const AnchorGrace = 10 * time.Minute

// AnchoredHead is a signed chain head central heard of, and from where.
type AnchoredHead struct {
	Seq        int64     `json:"seq"`
	Hash       string    `json:"hash"`
	Source     string    `json:"source"`
	ReceivedAt time.Time `json:"received_at"`
}

// ChainState is what central knows of a kiosk's chain: what a kiosk asks
// before it reports its head, so that a kiosk restored from a backup learns
// that it is behind.
type ChainState struct {
	// ReceivedSeq is the highest sequence number central holds from the kiosk.
	ReceivedSeq int64 `json:"received_seq"`
	// Head is the highest head central heard of (zero when none).
	Head AnchoredHead `json:"head"`
	// SegmentSeq is the highest sequence number of the kiosk's segments.
	SegmentSeq int64 `json:"segment_seq"`
	// HeldAfter counts the sequence numbers above the one asked about that
	// central holds: what a restored kiosk shows as "held at central".
	HeldAfter int64 `json:"held_after"`
}

// Highest is the highest sequence number central holds or heard of.
func (s ChainState) Highest() int64 { return max(s.ReceivedSeq, s.Head.Seq, s.SegmentSeq) }

// AnchorRequest is a signed head reported to central outside a batch: by
// the kiosk (a sync attempt or a heartbeat, with its segments) or by a
// citizen's phone (a witness).
type AnchorRequest struct {
	KioskID  string
	Head     SignedHead
	Source   string
	SentAt   time.Time // the kiosk's clock (its own reports only)
	Segments []Segment
	// ReceivedAt is central's clock; SkewLimit as for IngestRequest.
	ReceivedAt time.Time
	SkewLimit  time.Duration
	// VerifyHead and VerifySegment check signatures with the kiosk's key.
	VerifyHead    func(k Kiosk, h SignedHead) bool
	VerifySegment func(k Kiosk, s Segment) bool
}

// AnchorResult is what AnchorHead did.
type AnchorResult struct {
	// New reports whether the head was not in the history yet.
	New      bool
	Findings []Finding
	Skew     time.Duration
}

// AnchorStore keeps the heads central heard of and the kiosks' segments.
type AnchorStore interface {
	// AnchorHead checks req's head signature (an invalid one is EINVALID for
	// a witness; for the kiosk's own report a head_mismatch finding), stores
	// its valid new segments, records the head in the kiosk's head history
	// and the fork findings it raises, in one transaction. An unknown kiosk
	// is ENOTFOUND, a revoked one EFORBIDDEN.
	AnchorHead(ctx context.Context, req AnchorRequest) (AnchorResult, error)
	// KioskChainState returns what central knows of the kiosk's chain;
	// HeldAfter counts the held sequence numbers above after.
	KioskChainState(ctx context.Context, kioskID string, after int64) (ChainState, error)
	// FindHeads lists the kiosk's head history, highest first, at most limit.
	FindHeads(ctx context.Context, kioskID string, limit int) ([]AnchoredHead, error)
	// FindSegments lists the kiosk's segments, lowest first.
	FindSegments(ctx context.Context, kioskID string) ([]StoredSegment, error)
	// ReceiptStatus reports when central received the rating a receipt code
	// names, and false when it holds no rating with that number and hash.
	ReceiptStatus(ctx context.Context, code ReceiptCode) (time.Time, bool, error)
}

// HeadInput is what the store reads, under the kiosk's lock, to check a
// head against what central knew before it.
type HeadInput struct {
	Kiosk Kiosk
	Head  SignedHead
	// Source of the head; only the kiosk's own reports can go backwards.
	Source string
	// AtSeq lists what central holds at Head.Seq: anchored heads, the hash of
	// a stored row, or of a segment (each as an AnchoredHead).
	AtSeq []AnchoredHead
	// HighestSync is the highest head the kiosk itself reported.
	HighestSync AnchoredHead
	ReceivedAt  time.Time
}

// PlanHead returns the fork findings a head raises: two different entries at
// one sequence number, or the kiosk's own head going back below one it
// reported more than AnchorGrace before.
func PlanHead(in HeadInput) []Finding {
	h := in.Head
	if h.Seq == 0 && h.Hash == "" {
		return nil
	}
	var out []Finding
	for _, a := range in.AtSeq {
		if a.Hash != h.Hash {
			out = append(out, Finding{Kind: FindingFork, FromSeq: h.Seq, ToSeq: h.Seq,
				Detail: fmt.Sprintf("a %s head at sequence number %d differs from what central already had there (%s, %s…): the kiosk's chain was rewritten",
					sourceName(in.Source), h.Seq, sourceName(a.Source), short(a.Hash))})
			break
		}
	}
	top := in.HighestSync
	if in.Source == HeadFromSync && top.Seq > h.Seq && !top.ReceivedAt.IsZero() && in.ReceivedAt.Sub(top.ReceivedAt) > AnchorGrace {
		out = append(out, Finding{Kind: FindingFork, FromSeq: h.Seq + 1, ToSeq: top.Seq,
			Detail: fmt.Sprintf("the kiosk's head went back from %d (reported %s) to %d: rows were removed or an older copy of its database was put back",
				top.Seq, top.ReceivedAt.UTC().Format(time.RFC3339), h.Seq)})
	}
	for i := range out {
		out[i].KioskID, out[i].OfficeID, out[i].DetectedAt = in.Kiosk.ID, in.Kiosk.OfficeID, in.ReceivedAt
	}
	return out
}

func sourceName(s string) string {
	switch s {
	case HeadFromWitness:
		return "witnessed"
	case HeadFromFile:
		return "file"
	case "row":
		return "stored row's"
	case "segment":
		return "segment's"
	}
	return "reported"
}

// SegmentInput is what the store reads to plan one new segment.
type SegmentInput struct {
	Kiosk   Kiosk
	Segment Segment
	// Stored is the segment already stored at Segment.Seq, if any.
	Stored *StoredSegment
	// Highest is the highest sequence number below Segment.Seq that central
	// holds (a row, a segment) or heard of (a head): what the kiosk's chain
	// had reached before it went back. Heads above it belong to the new chain.
	Highest int64
	// HeldBetween counts the distinct sequence numbers central holds after
	// Segment.PrevSeq and up to Highest.
	HeldBetween int64
	// RowAtSeq is the hash of a row central holds at Segment.Seq ("" if none).
	RowAtSeq   string
	ReceivedAt time.Time
}

// SegmentPlan is what the store writes for one segment.
type SegmentPlan struct {
	Store    bool // new: store it
	SkipFrom int64
	Findings []Finding
}

// PlanSegment decides what a (signature-checked) segment means at central:
// a break names the range the kiosk could not vouch for; a restore that
// went back below rows central had heard of but does not hold names them as
// lost (fork). Numbers a restore skipped above what central knew are no
// one's gap. A segment already stored is a no-op; one with another content
// at the same number is a fork.
func PlanSegment(in SegmentInput) SegmentPlan {
	s := in.Segment
	var p SegmentPlan
	add := func(kind string, from, to int64, detail string) {
		p.Findings = append(p.Findings, Finding{Kind: kind, KioskID: in.Kiosk.ID, OfficeID: in.Kiosk.OfficeID,
			FromSeq: from, ToSeq: to, Detail: detail, DetectedAt: in.ReceivedAt})
	}
	if in.Stored != nil {
		if in.Stored.Hash != s.Hash {
			add(FindingFork, s.Seq, s.Seq, fmt.Sprintf("the kiosk sent another segment at sequence number %d than the one central holds: its chain was rewritten", s.Seq))
		}
		return p
	}
	p.Store = true
	p.SkipFrom = s.Seq
	if in.RowAtSeq != "" {
		add(FindingSeqReuse, s.Seq, s.Seq, fmt.Sprintf("the kiosk's %s segment has sequence number %d, which a stored response already has", s.Kind, s.Seq))
	}
	switch s.Kind {
	case SegmentBreak:
		if from, to, ok := s.Untrusted(); ok {
			add(FindingChainBreak, from, to, fmt.Sprintf("the kiosk found a chain it could not verify (%s) and did not sign over it: it vouches for nothing after %d; rows central held before are unaffected",
				s.Reason, s.PrevSeq))
		}
	case SegmentRestore:
		top := min(s.Seq-1, in.Highest)
		if top > s.PrevSeq && in.HeldBetween < top-s.PrevSeq {
			add(FindingFork, s.PrevSeq+1, top, fmt.Sprintf("the kiosk's database went back to %d (%s) after central had heard of %d: %d of these %d ratings are held at central, the rest are lost",
				s.PrevSeq, s.Reason, top, in.HeldBetween, top-s.PrevSeq))
		}
		p.SkipFrom = min(s.Seq, max(s.PrevSeq, in.Highest)+1)
	}
	return p
}
