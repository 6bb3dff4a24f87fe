package storetest

import (
	"context"
	"fmt"
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
	benchBatches(b, s, k.ID, ch, size)
}

// BenchIngestOffice is BenchIngest with an office's variety: the batches
// rate staff members of a roster of staff and services of the default
// catalogue in turn, a response every two seconds, so that a 500-response
// batch touches a few hundred daily rollup rows as a busy office's night does.
func BenchIngestOffice(b *testing.B, s survey.CentralStore, size, staff, services int) {
	o := MustCreateOffice(b, s, "Kantor")
	roster := make([]survey.Staff, staff)
	for i := range roster {
		roster[i] = survey.Staff{NIP: fmt.Sprintf("196608011988031%03d", i+1), Name: fmt.Sprintf("Petugas %d", i+1),
			Unit: fmt.Sprintf("Unit %d", i%4+1), Counter: fmt.Sprint(i%8 + 1), Active: true}
	}
	if _, err := s.ImportOfficeStaff(context.Background(), o.ID, roster); err != nil {
		b.Fatal(err)
	}
	codes := survey.DefaultServices()[:services]
	k := MustCreateKiosk(b, s, o.ID)
	ch := &Chain{Step: 2 * time.Second, Edit: func(r *survey.Response) {
		r.NIP = roster[int(r.Seq*7)%staff].NIP
		r.Service = codes[int(r.Seq*13)%services].Code
	}}
	b.ReportAllocs()
	benchBatches(b, s, k.ID, ch, size)
}

// benchBatches times Ingest of b.N batches of size responses that continue
// ch for the kiosk (making them is not timed) and reports responses/s.
func benchBatches(b *testing.B, s survey.CentralStore, kioskID string, ch *Chain, size int) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		req := Request(kioskID, ch.Next(size), T0)
		b.StartTimer()
		if p := MustIngest(b, s, req); p.Counts.Stored != int64(size) {
			b.Fatalf("stored %d of %d", p.Counts.Stored, size)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "responses/s")
}
