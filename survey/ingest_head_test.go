package survey

import "testing"

// Rows appended to a kiosk's file after it signed its head (fake ratings
// added with a database tool) arrive past the batch's signed head.
func TestPlanIngestFlagsRowsBeyondTheSignedHead(t *testing.T) {
	rs := chain(5)
	in := planInput(rs)
	in.Meta.Head = SignedHead{Seq: 3, Hash: rs[2].Hash, Signature: "valid"}
	p := PlanIngest(in)
	var found []Finding
	for _, f := range p.Findings {
		if f.Kind == FindingHeadMismatch {
			found = append(found, f)
		}
	}
	if len(found) != 1 || found[0].FromSeq != 4 || found[0].ToSeq != 5 || found[0].KioskID == "" {
		t.Fatalf("head findings %+v, want one naming the kiosk and seq 4–5", found)
	}
	for i, ins := range p.Insert {
		if got, want := hasFlagString(ins.Flags, FlagBeyondHead), ins.Seq > 3; got != want {
			t.Errorf("row %d (seq %d): flags %v", i, ins.Seq, ins.Flags)
		}
	}
	if p.Counts.Stored != 5 {
		t.Errorf("stored %d, want all 5: flagged rows are kept", p.Counts.Stored)
	}
	// A batch whose head covers its rows, or that carries no head, raises nothing.
	in.Meta.Head = SignedHead{Seq: 5, Hash: rs[4].Hash}
	if p := PlanIngest(in); len(p.Findings) != 0 {
		t.Errorf("findings with the head at the last row: %+v", p.Findings)
	}
	in.Meta.Head = SignedHead{}
	if p := PlanIngest(in); len(p.Findings) != 0 {
		t.Errorf("findings without a head: %+v", p.Findings)
	}
}

func hasFlagString(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
