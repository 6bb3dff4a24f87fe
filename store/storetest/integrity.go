package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

func testGaps(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	highest := func(kioskID string, want int64) {
		t.Helper()
		if got, err := f.s.HighestSeq(f.ctx, kioskID); err != nil || got != want {
			t.Errorf("HighestSeq(%s) = %d (%v), want %d", kioskID, got, err, want)
		}
	}
	highest(f.kiosk.ID, 0)
	rs := (&Chain{}).Next(8)
	f.ingest(rs[:3], T0)
	highest(f.kiosk.ID, 3)
	f.ingest(rs[5:], T0.Add(time.Minute))
	highest(f.kiosk.ID, 8) // the highest stored, gaps below it or not
	highest("k-unknown", 0)
	want := survey.Finding{Kind: survey.FindingGap, KioskID: f.kiosk.ID, OfficeID: f.office.ID, FromSeq: 4, ToSeq: 5}
	for _, kiosk := range []string{f.kiosk.ID, ""} {
		gaps, err := f.s.FindGaps(f.ctx, kiosk)
		if err != nil || len(gaps) != 1 || !sameGap(gaps[0], want) {
			t.Errorf("FindGaps(%q) = %+v (%v), want 4–5", kiosk, gaps, err)
		}
	}
	if got := f.receipts(); len(got) != 1 || got[0].Gaps != 2 {
		t.Errorf("receipts = %+v, want 2 missing", got)
	}
	if fs := f.findings(survey.FindingChainBreak); len(fs) != 0 {
		t.Errorf("a gap alone recorded chain breaks: %+v", fs)
	}

	// A second kiosk whose first rows never arrived has a leading gap.
	k2 := MustCreateKiosk(t, f.s, f.office.ID)
	MustIngest(t, f.s, Request(k2.ID, (&Chain{}).Next(4)[2:], T0))
	gaps, err := f.s.FindGaps(f.ctx, k2.ID)
	if err != nil || len(gaps) != 1 || gaps[0].FromSeq != 1 || gaps[0].ToSeq != 2 || gaps[0].KioskID != k2.ID {
		t.Errorf("leading gap = %+v (%v), want 1–2 of %s", gaps, err, k2.ID)
	}
	if all, _ := f.s.FindGaps(f.ctx, ""); len(all) != 2 {
		t.Errorf("gaps of every kiosk = %+v, want 2", all)
	}

	f.ingest(rs[3:5], T0.Add(2*time.Minute))
	if gaps, err := f.s.FindGaps(f.ctx, f.kiosk.ID); err != nil || len(gaps) != 0 {
		t.Errorf("gaps after the missing rows arrived = %+v (%v), want none", gaps, err)
	}
	if got := f.receipts(); len(got) != 1 || got[0].Gaps != 0 || got[0].Stored != 8 {
		t.Errorf("receipts = %+v, want 8 stored and no gaps", got)
	}
}

func sameGap(got, want survey.Finding) bool {
	return got.Kind == want.Kind && got.KioskID == want.KioskID && got.OfficeID == want.OfficeID &&
		got.FromSeq == want.FromSeq && got.ToSeq == want.ToSeq
}

func testConcurrentIngest(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	const n, workers = 100, 8
	rs := (&Chain{}).Next(n)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		counts  survey.IngestCounts
		start   = make(chan struct{})
		batches = func(w int) [][]survey.Response {
			return [][]survey.Response{rs[w*10 : min(w*10+30, n)], rs[max(0, w*10-5):min(w*10+15, n)]}
		}
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i, b := range batches(w) {
				p, err := f.s.Ingest(f.ctx, Request(f.kiosk.ID, b, T0.Add(time.Duration(w*10+i)*time.Second)))
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("worker %d batch %d: %w", w, i, err))
				}
				counts.Sent += p.Counts.Sent
				counts.Stored += p.Counts.Stored
				counts.Duplicates += p.Counts.Duplicates
				counts.Refused += p.Counts.Refused
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if counts.Stored != n || counts.Refused != 0 || counts.Duplicates != counts.Sent-n {
		t.Errorf("summed counts = %+v, want %d stored once and the rest duplicates", counts, n)
	}
	if got := f.count(); got != n {
		t.Errorf("stored %d responses, want %d", got, n)
	}
	for _, r := range rs {
		f.response(r.ID)
	}
	if k, _ := f.s.KioskByID(f.ctx, f.kiosk.ID); k.Head.Seq != n || k.Head.Hash != rs[n-1].Hash {
		t.Errorf("head = %+v, want seq %d", k.Head, n)
	}
	if gaps, _ := f.s.FindGaps(f.ctx, f.kiosk.ID); len(gaps) != 0 {
		t.Errorf("gaps = %+v", gaps)
	}
	if fs := f.findings(""); len(fs) != 0 {
		t.Errorf("overlapping clean uploads recorded findings: %+v", fs)
	}
	if tl := mustTally(t, f.s, f.office.ID, T0.AddDate(0, 0, -1), T0.AddDate(0, 0, 1)); tl.N != n {
		t.Errorf("rollups count %d, want %d", tl.N, n)
	}
}

func testFindings(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	rs := (&Chain{}).Next(3)
	rs[0].Ratings[0] = rs[0].Ratings[0]%4 + 1
	f.ingest(rs, T0) // a chain break at seq 1
	k2 := MustCreateKiosk(t, f.s, f.office.ID)
	other := (&Chain{}).Next(1)
	MustIngest(t, f.s, Request(k2.ID, other, T0))
	other[0].Comment = "changed"
	MustIngest(t, f.s, Request(k2.ID, other, T0.Add(time.Hour))) // a conflict

	all, err := f.s.FindFindings(f.ctx, survey.FindingFilter{OfficeID: f.office.ID})
	if err != nil || len(all) != 2 || all[0].Kind != survey.FindingConflict || all[1].Kind != survey.FindingChainBreak {
		t.Fatalf("findings = %+v (%v), want the conflict then the chain break", all, err)
	}
	if all[0].ID <= all[1].ID {
		t.Errorf("findings not newest first: ids %d, %d", all[0].ID, all[1].ID)
	}
	if got, _ := f.s.FindFindings(f.ctx, survey.FindingFilter{KioskID: k2.ID}); len(got) != 1 || got[0].KioskID != k2.ID {
		t.Errorf("findings of %s = %+v", k2.ID, got)
	}
	if got, _ := f.s.FindFindings(f.ctx, survey.FindingFilter{Limit: 1}); len(got) != 1 || got[0].ID != all[0].ID {
		t.Errorf("newest finding = %+v, want %+v", got, all[0])
	}
	if got, _ := f.s.FindFindings(f.ctx, survey.FindingFilter{OfficeID: f.office.ID + 100}); len(got) != 0 {
		t.Errorf("findings of another office = %+v", got)
	}
}
