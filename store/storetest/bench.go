package storetest

import (
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// BenchIngest measures Ingest of size-response batches that continue one
// kiosk's chain, each a new night's upload, and reports responses/s. Making
// the batches (hashing) is not timed.
func BenchIngest(b *testing.B, s survey.CentralStore, size int) {
	o := MustCreateOffice(b, s, "Kantor")
	MustAddStaff(b, s, o.ID, NIP1, "Siti Rahma", "Dafduk", "1")
	k := MustCreateKiosk(b, s, o.ID)
	ch := &Chain{Step: time.Second}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		req := Request(k.ID, ch.Next(size), T0)
		b.StartTimer()
		if p := MustIngest(b, s, req); p.Counts.Stored != int64(size) {
			b.Fatalf("stored %d of %d", p.Counts.Stored, size)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "responses/s")
}
