package sqlite_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// Benchmarks of the kiosk's write path: validation, the group writer's
// lookups, hashing and the durable commit (WAL, synchronous=FULL). Run with:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./store/sqlite

// apiIntake is what the JSON API passes for a response without a visit code
// and with the limits of config [limits] turned off: the client address's
// keyed hash, looked up among the counter devices.
var apiIntake = survey.Intake{Limited: true, Address: []string{"5f0c4a1d2e3b6a7c8d9e0f1a2b3c4d5e"}}

func benchKiosk(b *testing.B, maxBatch int) *sqlite.KioskDB {
	b.Helper()
	return benchKioskWith(b, sqlite.KioskOptions{MaxBatch: maxBatch})
}

func benchKioskWith(b *testing.B, o sqlite.KioskOptions) *sqlite.KioskDB {
	b.Helper()
	db, err := sqlite.OpenKiosk(context.Background(), filepath.Join(b.TempDir(), "kiosk.db"), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	MustAddStaff(b, db, testNIP, "Siti Aminah")
	return db
}

func benchResponse(key string) *survey.Response {
	r := goodResponse(key)
	r.Comment = "Pelayanan cepat & ramah, petugas sangat membantu."
	r.Profile = survey.Profile{AgeBand: "30-39", Sex: "P", Education: "sma", Occupation: "swasta"}
	return r
}

// BenchmarkCreateResponse stores one response at a time: every one is its
// own durable commit, the latency a lone citizen sees.
func BenchmarkCreateResponse(b *testing.B) {
	db := benchKiosk(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if created, err := db.CreateResponseWith(ctx, benchResponse("k"+strconv.Itoa(i)), apiIntake); err != nil || !created {
			b.Fatalf("created %v: %v", created, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkCreateResponseConcurrent stores responses from 64 goroutines at
// once, as under load: the group writer shares each commit among them.
func BenchmarkCreateResponseConcurrent(b *testing.B) {
	benchConcurrent(b, 0)
}

// BenchmarkCreateResponseConcurrentPerRequest is the same load with one
// response per commit (MaxBatch = 1), the design the group writer replaces.
func BenchmarkCreateResponseConcurrentPerRequest(b *testing.B) {
	benchConcurrent(b, 1)
}

// BenchmarkCreateResponseConcurrentSigned is the concurrent load on a kiosk
// connected to central: each commit signs the head, and the writer checks
// the stored head before it extends the chain (its own, trusted, in the
// usual case).
func BenchmarkCreateResponseConcurrentSigned(b *testing.B) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	ck := wire.ChainKey{Key: key}
	benchWrites(b, benchKioskWith(b, sqlite.KioskOptions{SignHead: ck.SignHead, VerifyHead: ck.VerifyHead, SignSegment: ck.SignSegment}))
}

func benchConcurrent(b *testing.B, maxBatch int) {
	benchWrites(b, benchKiosk(b, maxBatch))
}

func benchWrites(b *testing.B, db *sqlite.KioskDB) {
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(32) // 64 goroutines on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := "k" + strconv.FormatInt(n.Add(1), 10)
			if created, err := db.CreateResponseWith(ctx, benchResponse(key), apiIntake); err != nil || !created {
				b.Errorf("created %v: %v", created, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
}
