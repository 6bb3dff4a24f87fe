package survey

import (
	"fmt"
	"testing"
	"time"
)

var ingestNow = time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)

// chain builds n valid, chained responses starting at seq 1.
func chain(n int) []Response {
	out := make([]Response, n)
	prev := ""
	for i := range out {
		r := Response{ID: fmt.Sprintf("01900000-0000-7000-8000-%012d", i+1), Seq: int64(i + 1), NIP: "196608011988031001",
			Service: "KIA", Ratings: Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4}, Channel: ChannelQR,
			CreatedAt: ingestNow.Add(time.Duration(i) * time.Minute)}
		r.PrevHash, r.Hash = prev, r.ChainHash(prev)
		prev = r.Hash
		out[i] = r
	}
	return out
}

func planInput(rs []Response) PlanInput {
	return PlanInput{Kiosk: Kiosk{ID: "k1", OfficeID: 7}, Responses: rs, ExistingByID: map[string]string{},
		StoredBySeq: map[int64]StoredLink{}, Roster: map[string]Staff{"196608011988031001": {Unit: "Dafduk", Counter: "1"}},
		Services: map[string]bool{"KIA": true}, HeadValid: true, ReceivedAt: ingestNow}
}

func TestPlanIngestCleanChain(t *testing.T) {
	rs := chain(5)
	p := PlanIngest(planInput(rs))
	if p.Counts != (IngestCounts{Sent: 5, Stored: 5}) || len(p.Findings) != 0 || len(p.Insert) != 5 {
		t.Fatalf("plan = %+v", p)
	}
	if p.NewHead.Seq != 5 || p.NewHead.Hash != rs[4].Hash {
		t.Errorf("head = %+v", p.NewHead)
	}
	if p.Insert[0].Unit != "Dafduk" || p.Insert[0].KioskID != "k1" || p.Insert[0].OfficeID != 7 || p.Insert[0].Suspect {
		t.Errorf("row = %+v", p.Insert[0])
	}
}

func TestPlanIngestDuplicateAndConflict(t *testing.T) {
	rs := chain(3)
	in := planInput(rs)
	in.ExistingByID[rs[0].ID] = rs[0].Fingerprint()
	changed := rs[1]
	changed.Comment = "different"
	in.ExistingByID[rs[1].ID] = rs[1].Fingerprint()
	in.Responses = []Response{rs[0], changed, rs[2]}
	in.StoredBySeq[1] = StoredLink{rs[0].ID, rs[0].Hash}
	in.StoredBySeq[2] = StoredLink{rs[1].ID, rs[1].Hash}
	p := PlanIngest(in)
	want := []IngestStatus{StatusDuplicate, StatusRefused, StatusStored}
	for i, w := range want {
		if p.Results[i].Status != w {
			t.Errorf("result %d = %+v, want %s", i, p.Results[i], w)
		}
	}
	if len(p.Findings) != 1 || p.Findings[0].Kind != FindingConflict || p.Findings[0].KioskID != "k1" {
		t.Errorf("findings = %+v", p.Findings)
	}
	// The same id twice in one batch with the same content is one row.
	in = planInput([]Response{rs[0], rs[0]})
	p = PlanIngest(in)
	if p.Counts.Stored != 1 || p.Counts.Duplicates != 1 {
		t.Errorf("in-batch duplicate counts = %+v", p.Counts)
	}
}

func TestPlanIngestEditedRow(t *testing.T) {
	rs := chain(4)
	rs[1].Ratings[0] = 1 // edited in the SQLite file, hash left alone
	p := PlanIngest(planInput(rs))
	if p.Counts.Stored != 4 {
		t.Fatalf("edited row not stored: %+v", p.Counts)
	}
	if len(p.Findings) != 1 || p.Findings[0].Kind != FindingChainBreak || p.Findings[0].FromSeq != 2 {
		t.Errorf("findings = %+v", p.Findings)
	}
	if !p.Insert[1].Suspect || p.Insert[0].Suspect {
		t.Errorf("suspect flags: %v %v", p.Insert[0].Flags, p.Insert[1].Flags)
	}
}

func TestPlanIngestRehashedEditBreaksNextLink(t *testing.T) {
	rs := chain(4)
	rs[1].Ratings[0] = 1
	rs[1].Hash = rs[1].ChainHash(rs[1].PrevHash) // the editor recomputed the row's own hash
	p := PlanIngest(planInput(rs))
	if len(p.Findings) != 1 || p.Findings[0].FromSeq != 2 || p.Findings[0].ToSeq != 3 {
		t.Errorf("findings = %+v, want a chain break over 2–3", p.Findings)
	}
}

func TestPlanIngestLinksToStoredHead(t *testing.T) {
	rs := chain(4)
	in := planInput(rs[2:])
	in.StoredBySeq[2] = StoredLink{rs[1].ID, "not-the-hash"}
	p := PlanIngest(in)
	if len(p.Findings) != 1 || p.Findings[0].Kind != FindingChainBreak || p.Findings[0].FromSeq != 2 {
		t.Errorf("findings = %+v", p.Findings)
	}
}

func TestPlanIngestFlagsUnknownStaffAndRefusesInvalid(t *testing.T) {
	rs := chain(2)
	rs[0].NIP = "199001012015031001"
	rs[0].Hash = rs[0].ChainHash("")
	rs[1].PrevHash = rs[0].Hash
	rs[1].Ratings[3] = 9
	rs[1].Hash = rs[1].ChainHash(rs[1].PrevHash)
	p := PlanIngest(planInput(rs))
	if p.Results[0].Status != StatusStored || !p.Insert[0].UnknownStaff || !p.Insert[0].Suspect {
		t.Errorf("unknown staff: %+v %+v", p.Results[0], p.Insert[0])
	}
	if p.Results[1].Status != StatusRefused || p.Results[1].Reason == "" {
		t.Errorf("invalid: %+v", p.Results[1])
	}
}

func TestPlanIngestHeadAndSkew(t *testing.T) {
	rs := chain(2)
	in := planInput(rs)
	in.Meta = BatchMeta{SentAt: ingestNow.Add(-time.Hour), Head: SignedHead{Seq: 2, Hash: "wrong"}}
	in.SkewLimit = 10 * time.Minute
	p := PlanIngest(in)
	kinds := map[string]bool{}
	for _, f := range p.Findings {
		kinds[f.Kind] = true
	}
	if !kinds[FindingHeadMismatch] || !kinds[FindingClockSkew] || p.Skew != -time.Hour {
		t.Errorf("findings = %+v skew = %s", p.Findings, p.Skew)
	}
	in.Meta.Head.Hash = rs[1].Hash
	in.HeadValid = false
	// (The rows were made after the batch was sent by the kiosk's own clock:
	// flagged clock besides.)
	if p := PlanIngest(in); !hasFinding(p.Findings, FindingHeadMismatch, 2, 2) || !hasFinding(p.Findings, FindingClock, 1, 2) {
		t.Errorf("bad signature findings = %+v", p.Findings)
	}
}

// Text PostgreSQL cannot store (a NUL byte), or an idempotency key that is
// not printable, refuses the one response at central, not the whole batch
// with a database error; and a kiosk refuses such a key from the start.
func TestValidateUploadedRefusesNUL(t *testing.T) {
	good := func() Response {
		return Response{ID: "01900000-0000-7000-8000-000000000001", Seq: 1, NIP: "196608011988031001", Service: "KIA",
			Ratings: Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4}, Channel: ChannelQR, CreatedAt: time.Unix(1, 0).UTC()}
	}
	r := good()
	if err := ValidateUploaded(&r); err != nil {
		t.Fatalf("a good response: %v", err)
	}
	for field, edit := range map[string]func(*Response){
		"comment":         func(r *Response) { r.Comment = "ok\x00" },
		"nip":             func(r *Response) { r.NIP = "19660801\x001988031001" },
		"service":         func(r *Response) { r.Service = "KIA\x00" },
		"flags":           func(r *Response) { r.Flags = []string{"burst\x00"} },
		"idempotency_key": func(r *Response) { r.IdempotencyKey = "antrian\x001" },
	} {
		r := good()
		edit(&r)
		if e := AsError(ValidateUploaded(&r)); e == nil || e.Code != EINVALID || e.Field != field {
			t.Errorf("%s with a NUL: %v, want a refusal naming it", field, e)
		}
	}
	r = good()
	r.IdempotencyKey = "antrian\n1"
	if e := AsError(r.Validate(DefaultCommentLimit)); e == nil || e.Field != "idempotency_key" {
		t.Errorf("a control character in the key at the kiosk: %v", e)
	}
}
