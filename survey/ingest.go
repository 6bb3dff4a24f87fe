package survey

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Flags set by central on ingest. Flagged responses are stored, never dropped,
// and reports show figures with and without them.
const (
	FlagUnknownStaff   = "unknown_staff"
	FlagUnknownService = "unknown_service"
	FlagEdited         = "edited"      // content does not match its own hash
	FlagChainBreak     = "chain_break" // does not link to the previous response
	FlagSeqReuse       = "seq_reuse"
	FlagBeyondHead     = "beyond_head" // sent with a sequence number past the batch's signed chain head
	FlagFork           = "fork"        // differs from a head central had heard of at its sequence number
	FlagClock          = "clock"       // created_at cannot be right (see PlanIngest)
)

// Fingerprint identifies a response's content independently of the hash the
// kiosk claims: two uploads of the same id are the same response only if
// their fingerprints match.
func (r *Response) Fingerprint() string {
	var buf [canonicalBufSize]byte
	return hexSum(r.AppendCanonical(buf[:0]))
}

// MaxCentralComment bounds comments at central (a kiosk may allow up to 10,000 characters).
const MaxCentralComment = 10000

// ValidateUploaded checks an uploaded response's form; a failure refuses it.
func ValidateUploaded(r *Response) error {
	if u, err := uuid.Parse(r.ID); err != nil || u.String() != r.ID {
		return Invalid("id", "id must be a UUID in canonical lower-case form", "id harus UUID dalam bentuk kanonik huruf kecil")
	}
	if r.Seq < 1 {
		return Invalid("seq", "seq must be 1 or more", "seq harus 1 atau lebih")
	}
	if r.CreatedAt.IsZero() {
		return Invalid("created_at", "created_at is required", "created_at wajib diisi")
	}
	if r.NIP == "" || r.Service == "" {
		return Invalid("nip", "nip and service are required", "nip dan layanan wajib diisi")
	}
	if err := r.Ratings.Validate(); err != nil {
		return err
	}
	if err := ValidateComment(r.Comment, MaxCentralComment); err != nil {
		return err
	}
	if err := validateIdempotencyKey(r.IdempotencyKey); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{{"nip", r.NIP}, {"service", r.Service}, {"comment", r.Comment},
		{"visit_id", r.VisitID}, {"channel", r.Channel}, {"flags", strings.Join(r.Flags, ",")}} {
		if strings.IndexByte(f.value, 0) >= 0 {
			return Invalid(f.name, f.name+" holds a NUL character", f.name+" berisi karakter NUL")
		}
	}
	return r.Profile.Validate()
}

// PlanInput is what the store reads, under the kiosk's lock, before planning an ingest.
type PlanInput struct {
	Kiosk     Kiosk
	Meta      BatchMeta
	Responses []Response
	// ExistingByID maps ids of the batch already stored to their fingerprint.
	ExistingByID map[string]string
	// StoredBySeq maps sequence numbers of the batch, and the one before each,
	// to the id and hash stored at central for this kiosk.
	StoredBySeq map[int64]StoredLink
	// Roster holds the office's staff for the NIPs of the batch.
	Roster map[string]Staff
	// Services holds the office's active service codes.
	Services map[string]bool
	// HeadValid reports whether Meta.Head's signature verified with the kiosk's key.
	HeadValid  bool
	ReceivedAt time.Time
	// SkewLimit is the clock difference above which a finding is recorded,
	// and responses with a time that cannot be right are flagged (0: never).
	SkewLimit time.Duration
	// Segments are the kiosk's segments central holds, those of this batch included.
	Segments []StoredSegment
	// Anchored maps sequence numbers of the batch to the heads central heard of there.
	Anchored map[int64][]AnchoredHead
	// HighestSync is the highest head the kiosk itself reported before this batch.
	HighestSync AnchoredHead
	// Source is HeadFromSync for an upload, HeadFromFile for an offline file.
	Source string
}

// StoredLink is a stored response's id and hash at a sequence number.
type StoredLink struct {
	ID   string
	Hash string
}

// IngestPlan is what the store writes, in the same transaction.
type IngestPlan struct {
	Results  []ItemResult     // one per uploaded response, in upload order
	Insert   []StoredResponse // new rows, in sequence order
	Findings []Finding
	NewHead  KioskHead // the kiosk's head at central after the batch
	Skew     time.Duration
	Counts   IngestCounts
	// Skipped are the numbers the kiosk's segments declared skipped (no gaps).
	Skipped []SeqRange
}

// IngestCounts sums the results of one batch.
type IngestCounts struct {
	Sent       int64 `json:"sent"`
	Stored     int64 `json:"stored"`
	Duplicates int64 `json:"duplicates"`
	Refused    int64 `json:"refused"`
}

// PlanIngest decides, for each uploaded response, whether it is new, a
// duplicate or refused; verifies the hash chain; and lists the findings.
// It is pure: the stores of both backends call it inside their transaction.
func PlanIngest(in PlanInput) IngestPlan {
	p := IngestPlan{Results: make([]ItemResult, len(in.Responses)), NewHead: in.Kiosk.Head}
	p.Counts.Sent = int64(len(in.Responses))
	order := make([]int, len(in.Responses))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return in.Responses[order[a]].Seq < in.Responses[order[b]].Seq })

	hashAt := map[int64]string{} // hashes known so far: stored, or accepted earlier in this batch
	for seq, l := range in.StoredBySeq {
		hashAt[seq] = l.Hash
	}
	idAt := map[int64]string{}
	for seq, l := range in.StoredBySeq {
		idAt[seq] = l.ID
	}
	// A segment is an entry of the chain too: the next entry links to it,
	// and no response may take its number.
	for _, sg := range in.Segments {
		hashAt[sg.Seq], idAt[sg.Seq] = sg.Hash, "segment"
		p.Skipped = append(p.Skipped, SeqRange{min(sg.SkipFrom, sg.Seq), sg.Seq})
	}
	var forks, clocks []Finding
	seenIDs := map[string]string{} // id → fingerprint, within this batch
	var breaks, beyond []Finding
	// One canonical encoding per response serves both its fingerprint and
	// its chain hash; the buffers are reused across the batch.
	canonical := make([]byte, 0, canonicalBufSize)
	chained := make([]byte, 0, canonicalBufSize+hashHexLen+1)
	for _, i := range order {
		r := in.Responses[i]
		res := ItemResult{ID: r.ID, Seq: r.Seq}
		canonical = r.AppendCanonical(canonical[:0])
		fp := hexSum(canonical)
		if stored, ok := in.ExistingByID[r.ID]; ok || seenIDs[r.ID] != "" {
			if !ok {
				stored = seenIDs[r.ID]
			}
			if stored == fp {
				res.Status = StatusDuplicate
				p.Counts.Duplicates++
			} else {
				res.Status, res.Reason = StatusRefused, "conflict: this id is already stored with different content"
				p.Counts.Refused++
				p.Findings = append(p.Findings, Finding{Kind: FindingConflict, FromSeq: r.Seq, ToSeq: r.Seq,
					Detail: fmt.Sprintf("response %s was uploaded again with different content (stored %s…, received %s…)", r.ID, short(stored), short(fp))})
			}
			p.Results[i] = res
			continue
		}
		if err := ValidateUploaded(&r); err != nil {
			res.Status, res.Reason = StatusRefused, "invalid: "+err.Error()
			p.Counts.Refused++
			p.Results[i] = res
			continue
		}
		seenIDs[r.ID] = fp
		sr := StoredResponse{Response: r, OfficeID: in.Kiosk.OfficeID, ReceivedAt: in.ReceivedAt, Fingerprint: fp}
		sr.KioskID = in.Kiosk.ID
		sr.Flags = append([]string(nil), r.Flags...)
		if st, ok := in.Roster[r.NIP]; ok {
			sr.Unit, sr.Counter = st.Unit, st.Counter
		} else {
			sr.UnknownStaff = true
			sr.Flags = appendFlag(sr.Flags, FlagUnknownStaff)
		}
		if !in.Services[r.Service] {
			sr.Flags = appendFlag(sr.Flags, FlagUnknownService)
		}
		if other, taken := idAt[r.Seq]; taken && other != r.ID {
			sr.Flags = appendFlag(sr.Flags, FlagSeqReuse)
			p.Findings = append(p.Findings, Finding{Kind: FindingSeqReuse, FromSeq: r.Seq, ToSeq: r.Seq,
				Detail: fmt.Sprintf("sequence number %d arrived with id %s but %s already has it", r.Seq, r.ID, other)})
		}
		if untrusted(in.Segments, r.Seq) {
			// The segment's own finding names the range.
			sr.Flags = appendFlag(sr.Flags, FlagChainBreak)
		}
		for _, a := range in.Anchored[r.Seq] {
			if a.Hash != r.Hash {
				sr.Flags = appendFlag(sr.Flags, FlagFork)
				forks = append(forks, Finding{Kind: FindingFork, FromSeq: r.Seq, ToSeq: r.Seq,
					Detail: fmt.Sprintf("differs from the head central had heard of at this sequence number (%s, %s): the row was changed or replaced after it was witnessed",
						sourceName(a.Source), a.ReceivedAt.UTC().Format(time.RFC3339))})
				break
			}
		}
		if doubtfulTime(in, r.CreatedAt) {
			sr.Flags = appendFlag(sr.Flags, FlagClock)
			clocks = append(clocks, Finding{Kind: FindingClock, FromSeq: r.Seq, ToSeq: r.Seq,
				Detail: "created_at lies after the batch was sent, after central received it, or before the kiosk was registered: the kiosk's clock was wrong when it was made"})
		}
		var chainHash string
		chained, chainHash = chainHashOf(chained, r.PrevHash, canonical)
		if r.Hash != chainHash {
			sr.Flags = appendFlag(sr.Flags, FlagEdited)
			breaks = append(breaks, Finding{Kind: FindingChainBreak, FromSeq: r.Seq, ToSeq: r.Seq,
				Detail: "content does not match its hash: the row was edited after it was written"})
		} else if prev, known := hashAt[r.Seq-1]; (known && prev != r.PrevHash) || (r.Seq == 1 && r.PrevHash != "") {
			sr.Flags = appendFlag(sr.Flags, FlagChainBreak)
			breaks = append(breaks, Finding{Kind: FindingChainBreak, FromSeq: max(1, r.Seq-1), ToSeq: r.Seq,
				Detail: "does not link to the previous response: rows were inserted, deleted or rewritten before upload"})
		}
		if h := in.Meta.Head; (h.Seq > 0 || h.Hash != "") && r.Seq > h.Seq {
			// The kiosk signs its head after every commit and reads it after the
			// batch's rows: a row past it was added to the file by other means.
			sr.Flags = appendFlag(sr.Flags, FlagBeyondHead)
			beyond = append(beyond, Finding{Kind: FindingHeadMismatch, FromSeq: r.Seq, ToSeq: r.Seq,
				Detail: "sent past the kiosk's signed chain head: rows were added to the kiosk's database after it signed its head"})
		}
		sr.Suspect = len(sr.Flags) > 0
		if _, taken := idAt[r.Seq]; !taken {
			idAt[r.Seq], hashAt[r.Seq] = r.ID, r.Hash
		}
		if r.Seq > p.NewHead.Seq {
			p.NewHead = KioskHead{Seq: r.Seq, Hash: r.Hash}
		}
		p.Insert = append(p.Insert, sr)
		res.Status = StatusStored
		p.Counts.Stored++
		p.Results[i] = res
	}
	p.Findings = append(p.Findings, mergeRanges(breaks)...)
	p.Findings = append(p.Findings, mergeRanges(beyond)...)
	p.Findings = append(p.Findings, mergeRanges(forks)...)
	p.Findings = append(p.Findings, mergeRanges(clocks)...)
	p.Findings = append(p.Findings, headFindings(in, hashAt)...)
	if !in.Meta.SentAt.IsZero() {
		p.Skew = in.Meta.SentAt.Sub(in.ReceivedAt)
		if f, ok := SkewFinding(in.Kiosk, p.Skew, in.SkewLimit); ok {
			p.Findings = append(p.Findings, f)
		}
	}
	for i := range p.Findings {
		p.Findings[i].KioskID, p.Findings[i].OfficeID, p.Findings[i].DetectedAt = in.Kiosk.ID, in.Kiosk.OfficeID, in.ReceivedAt
	}
	return p
}

// SkewFinding returns a clock_skew finding when the kiosk's clock, skew off
// central's, went over limit (0: never) since it was last seen.
func SkewFinding(k Kiosk, skew, limit time.Duration) (Finding, bool) {
	if limit <= 0 || abs(skew) <= limit || abs(k.ClockSkew) > limit {
		return Finding{}, false
	}
	return Finding{Kind: FindingClockSkew,
		Detail: fmt.Sprintf("the kiosk clock is %s off central's (limit %s); sequence numbers, not times, order its responses", skew.Round(time.Second), limit)}, true
}

// headFindings checks the signed chain head against the rows it names.
func headFindings(in PlanInput, hashAt map[int64]string) []Finding {
	h := in.Meta.Head
	if h.Seq == 0 && h.Hash == "" {
		return nil
	}
	if !in.HeadValid {
		return []Finding{{Kind: FindingHeadMismatch, FromSeq: h.Seq, ToSeq: h.Seq,
			Detail: "the chain head's signature does not verify with the kiosk's key"}}
	}
	if got, ok := hashAt[h.Seq]; ok && got != h.Hash {
		return []Finding{{Kind: FindingHeadMismatch, FromSeq: h.Seq, ToSeq: h.Seq,
			Detail: "the signed chain head does not match the response stored at that sequence number"}}
	}
	if in.Source == HeadFromFile {
		return nil // a file's head is as old as the file
	}
	return PlanHead(HeadInput{Kiosk: in.Kiosk, Head: h, Source: HeadFromSync, AtSeq: in.Anchored[h.Seq],
		HighestSync: in.HighestSync, ReceivedAt: in.ReceivedAt})
}

// untrusted reports whether a break among segs puts seq in doubt.
func untrusted(segs []StoredSegment, seq int64) bool {
	for i := range segs {
		if from, to, ok := segs[i].Untrusted(); ok && seq >= from && seq <= to {
			return true
		}
	}
	return false
}

// doubtfulTime reports whether a response made at created cannot have been
// made then: later than the batch that carries it was sent, later than
// central received it, or before the kiosk was registered (each beyond the
// skew limit). Sequence numbers still order it; its day in reports is doubtful.
func doubtfulTime(in PlanInput, created time.Time) bool {
	if in.SkewLimit <= 0 {
		return false
	}
	return (!in.Meta.SentAt.IsZero() && created.After(in.Meta.SentAt.Add(in.SkewLimit))) ||
		created.After(in.ReceivedAt.Add(in.SkewLimit)) ||
		(!in.Kiosk.RegisteredAt.IsZero() && created.Before(in.Kiosk.RegisteredAt.Add(-in.SkewLimit)))
}

// mergeRanges joins findings of the same kind on consecutive sequence numbers.
func mergeRanges(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if n := len(out); n > 0 && out[n-1].Kind == f.Kind && f.FromSeq <= out[n-1].ToSeq+1 {
			out[n-1].ToSeq = max(out[n-1].ToSeq, f.ToSeq)
			if out[n-1].Detail != f.Detail {
				out[n-1].Detail = "rows in this range were edited, inserted, deleted or rewritten before upload"
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

func appendFlag(flags []string, f string) []string {
	for _, x := range flags {
		if x == f {
			return flags
		}
	}
	return append(flags, f)
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// FlagsString joins flags for storage.
func FlagsString(flags []string) string { return strings.Join(flags, ",") }

// ParseFlags splits stored flags.
func ParseFlags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
