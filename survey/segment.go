package survey

import (
	"fmt"
	"strconv"
	"time"
)

// Kinds of chain segments.
const (
	// SegmentBreak: the kiosk found a chain it could not verify (a head whose
	// signature fails, rows past the signed head, a last row that does not
	// match it) and did not sign over it.
	SegmentBreak = "break"
	// SegmentRestore: the kiosk's file went back (restored from a backup, or
	// found behind what central holds) and its numbering continues above
	// everything it or central knew of.
	SegmentRestore = "restore"
)

// RestoreJump is how far a kiosk restored from a backup without reaching
// central numbers its next entry above its file's last: far above anything
// the lost file can have held (a year of a busy office is some 150,000
// ratings), so that no sequence number is used twice. Central does not
// count the numbers skipped as missing (Segment.SkipFrom).
const RestoreJump = 1_000_000

// Segment is a signed statement in a kiosk's hash chain, with a sequence
// number of its own. It starts a new segment of the chain: the entry after it
// links to its Hash. A break says which entries the kiosk can no longer
// vouch for (after PrevSeq, up to Seq); a restore says that the file went
// back to PrevSeq and that the numbers between are not the new chain's.
// docs/sync-protocol.md specifies it for other implementations.
type Segment struct {
	Seq  int64  `json:"seq"`
	Kind string `json:"kind"`
	// PrevSeq and PrevHash are the last entry the kiosk vouches for: the one
	// this segment follows (0 and "" when none).
	PrevSeq  int64  `json:"prev_seq"`
	PrevHash string `json:"prev_hash"`
	// FoundSeq and FoundHash are the last entry the kiosk found in its file.
	FoundSeq  int64  `json:"found_seq"`
	FoundHash string `json:"found_hash"`
	// CentralSeq is the highest sequence number central held or had heard
	// of when the kiosk asked (0 when it could not ask).
	CentralSeq int64     `json:"central_seq"`
	Reason     string    `json:"reason"`
	CreatedAt  time.Time `json:"created_at"`
	Hash       string    `json:"hash"`
	// Signature is the kiosk's Ed25519 signature over "SKM-SEGMENT1\n" + Hash
	// (standard base64), made and checked in sync/wire.
	Signature string `json:"signature"`
}

// AppendCanonical appends the segment's canonical content: compact JSON,
// keys in this order, as for responses.
func (s *Segment) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"segment":`...)
	dst = strconv.AppendInt(dst, s.Seq, 10)
	dst = append(dst, `,"kind":`...)
	dst = AppendJSONString(dst, s.Kind)
	dst = append(dst, `,"prev_seq":`...)
	dst = strconv.AppendInt(dst, s.PrevSeq, 10)
	dst = append(dst, `,"found_seq":`...)
	dst = strconv.AppendInt(dst, s.FoundSeq, 10)
	dst = append(dst, `,"found_hash":`...)
	dst = AppendJSONString(dst, s.FoundHash)
	dst = append(dst, `,"central_seq":`...)
	dst = strconv.AppendInt(dst, s.CentralSeq, 10)
	dst = append(dst, `,"reason":`...)
	dst = AppendJSONString(dst, s.Reason)
	dst = append(dst, `,"created_at":"`...)
	dst = s.CreatedAt.UTC().AppendFormat(dst, TimeLayout)
	return append(dst, `"}`...)
}

// ComputeHash returns hex(SHA-256(PrevHash + "\n" + canonical content)),
// the same rule as a response's chain hash.
func (s *Segment) ComputeHash() string {
	_, h := chainHashOf(nil, s.PrevHash, s.AppendCanonical(nil))
	return h
}

// Check refuses a segment that cannot be what a kiosk wrote; the error names
// the field. The signature is checked by the caller (sync/wire).
func (s *Segment) Check() error {
	switch {
	case s.Kind != SegmentBreak && s.Kind != SegmentRestore:
		return Invalid("kind", fmt.Sprintf("segment kind %q must be break or restore", s.Kind), fmt.Sprintf("jenis segmen %q harus break atau restore", s.Kind))
	case s.Seq < 1 || s.PrevSeq < 0 || s.PrevSeq >= s.Seq || s.FoundSeq < 0:
		return Invalid("seq", "a segment's seq must be above its prev_seq", "seq segmen harus di atas prev_seq-nya")
	case s.CreatedAt.IsZero():
		return Invalid("created_at", "created_at is required", "created_at wajib diisi")
	case len(s.Reason) > 500:
		return Invalid("reason", "reason is over 500 characters", "reason lebih dari 500 karakter")
	case s.Hash != s.ComputeHash():
		return Invalid("hash", fmt.Sprintf("segment %d's hash does not match its content", s.Seq), fmt.Sprintf("hash segmen %d tidak cocok dengan isinya", s.Seq))
	}
	return nil
}

// Untrusted returns the range of sequence numbers a break puts in doubt
// (after PrevSeq, before Seq), and false when it is empty or s is a restore.
func (s *Segment) Untrusted() (from, to int64, ok bool) {
	if s.Kind != SegmentBreak || s.PrevSeq+1 > s.Seq-1 {
		return 0, 0, false
	}
	return s.PrevSeq + 1, s.Seq - 1, true
}

// StoredSegment is a segment as central holds it.
type StoredSegment struct {
	Segment
	KioskID    string    `json:"kiosk_id"`
	ReceivedAt time.Time `json:"received_at"`
	// SkipFrom..Seq are sequence numbers that are no one's gap: the segment
	// itself and, for a restore, the numbers it skipped above everything
	// central held or had heard of when it arrived.
	SkipFrom int64 `json:"skip_from"`
}

// SeqRange is an inclusive range of sequence numbers.
type SeqRange struct{ From, To int64 }

// SubtractRanges returns the parts of gap not covered by any of skip, in
// order. Central derives gaps from the rows it holds; the numbers a segment
// skipped are subtracted from them.
func SubtractRanges(gap SeqRange, skip []SeqRange) []SeqRange {
	out := []SeqRange{gap}
	for _, s := range skip {
		var next []SeqRange
		for _, g := range out {
			if s.To < g.From || s.From > g.To {
				next = append(next, g)
				continue
			}
			if s.From > g.From {
				next = append(next, SeqRange{g.From, s.From - 1})
			}
			if s.To < g.To {
				next = append(next, SeqRange{s.To + 1, g.To})
			}
		}
		out = next
	}
	return out
}

// SkipGaps removes from gap findings the numbers their kiosk's segments
// skipped (skips by kiosk id), splitting a gap where needed.
func SkipGaps(gaps []Finding, skips map[string][]SeqRange) []Finding {
	out := gaps[:0:0]
	for _, g := range gaps {
		for _, r := range SubtractRanges(SeqRange{g.FromSeq, g.ToSeq}, skips[g.KioskID]) {
			f := g
			f.FromSeq, f.ToSeq = r.From, r.To
			if r != (SeqRange{g.FromSeq, g.ToSeq}) {
				f.Detail = fmt.Sprintf("sequence numbers %d–%d never arrived: rows deleted at the kiosk before upload, or not uploaded yet", r.From, r.To)
			}
			out = append(out, f)
		}
	}
	return out
}

// CountGaps sums the sequence numbers gap findings cover.
func CountGaps(gaps []Finding) int64 {
	var n int64
	for _, g := range gaps {
		n += g.ToSeq - g.FromSeq + 1
	}
	return n
}
