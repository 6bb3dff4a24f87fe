package postgres_test

import (
	"testing"

	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/storetest"
)

// BenchmarkIngest500Office measures Ingest of 500-response batches of an
// office with 40 staff members and 8 services: each batch adds to about 300
// daily rollup rows. Compare with BenchmarkIngest500 (one staff member, one
// service) and BenchmarkRawCopy500 (COPY alone). Run with:
//
//	TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench 'Ingest500|RawCopy500' -benchmem -count 6 ./store/postgres
func BenchmarkIngest500Office(b *testing.B) {
	storetest.BenchIngestOffice(b, pgtest.MustOpen(b, nil), 500, 40, 8)
}
