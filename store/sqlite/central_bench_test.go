package sqlite_test

import (
	"testing"

	"github.com/skmkiosk/skm/store/storetest"
)

// BenchmarkCentralIngest500Office measures Ingest of 500-response batches
// of an office with 40 staff members and 8 services (about 300 daily rollup
// rows per batch) into central's SQLite store.
func BenchmarkCentralIngest500Office(b *testing.B) {
	db, _ := MustOpenCentral(b, nil)
	storetest.BenchIngestOffice(b, db, 500, 40, 8)
}
