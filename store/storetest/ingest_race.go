package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// testSameIDFromTwoKiosks uploads the same ids from two kiosks at once, with
// different content, round after round. Whichever commits first stores an
// id; the other is refused, whether its plan saw the stored row (a conflict)
// or the two inserts raced (PostgreSQL's direct COPY then falls back to
// skipping the ids taken). Nothing fails, and every id is stored once.
func testSameIDFromTwoKiosks(t *testing.T, open Opener) {
	f := newIngestFixture(t, open)
	other := MustCreateKiosk(t, f.s, f.office.ID)
	const rounds, n = 10, 40
	chainA := &Chain{Step: time.Second}
	prevB := ""
	for round := range rounds {
		a := chainA.Next(n)
		b := make([]survey.Response, n)
		copy(b, a)
		for i := range b {
			b[i].Comment = fmt.Sprintf("kiosk lain %d", i)
		}
		Rechain(b, 0, prevB)
		prevB = b[n-1].Hash
		var wg sync.WaitGroup
		plans := make([]survey.IngestPlan, 2)
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, req := range []survey.IngestRequest{Request(f.kiosk.ID, a, T0), Request(other.ID, b, T0)} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				plans[i], errs[i] = f.s.Ingest(f.ctx, req)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, kiosk %d: %v", round, i, err)
			}
		}
		stored := map[string]int{}
		for _, p := range plans {
			for _, res := range p.Results {
				switch res.Status {
				case survey.StatusStored:
					stored[res.ID]++
				case survey.StatusRefused:
				default:
					t.Errorf("round %d: %s answered %q, want stored or refused", round, res.ID, res.Status)
				}
			}
		}
		for i, r := range a {
			if stored[r.ID] != 1 {
				t.Errorf("round %d: %s reported stored %d times, want once", round, r.ID, stored[r.ID])
			}
			want := map[string]string{f.kiosk.ID: r.Comment, other.ID: b[i].Comment}
			if got := f.response(r.ID); want[got.KioskID] != got.Comment || got.Comment == "" && got.KioskID != f.kiosk.ID {
				t.Errorf("round %d: %s stored for kiosk %q with comment %q, not that kiosk's", round, r.ID, got.KioskID, got.Comment)
			}
		}
	}
	if got, err := f.s.CountResponses(f.ctx, ""); err != nil || got != rounds*n {
		t.Errorf("stored %d responses in all (%v), want %d", got, err, rounds*n)
	}
}
