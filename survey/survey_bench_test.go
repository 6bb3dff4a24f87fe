package survey

import (
	"encoding/json"
	"testing"
)

// Benchmarks of the per-response hot paths. The *Reference benchmarks run the
// encoding/json implementation the canonical encoder replaced, so one run
// shows both (compare with benchstat). Run with:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./survey

func benchResponse() Response {
	rs := chain(1)
	r := rs[0]
	r.Comment = "Pelayanan cepat & ramah, petugas <Siti> sangat membantu. Terima kasih!"
	r.Profile = Profile{AgeBand: "30-39", Sex: "P", Education: "s1", Occupation: "swasta"}
	return r
}

func BenchmarkValidate(b *testing.B) {
	r := benchResponse()
	b.ReportAllocs()
	for b.Loop() {
		c := r
		c.Normalize()
		if err := c.Validate(DefaultCommentLimit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalContent(b *testing.B) {
	r := benchResponse()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendCanonical(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkCanonicalContentReference(b *testing.B) {
	r := benchResponse()
	var n int
	b.ReportAllocs()
	for b.Loop() {
		n = len(refCanonical(&r))
	}
	b.SetBytes(int64(n))
}

func BenchmarkChainHash(b *testing.B) {
	r := benchResponse()
	b.ReportAllocs()
	for b.Loop() {
		_ = r.ChainHash(r.PrevHash)
	}
}

func BenchmarkChainHashReference(b *testing.B) {
	r := benchResponse()
	b.ReportAllocs()
	for b.Loop() {
		_ = refHex(append([]byte(r.PrevHash+"\n"), refCanonical(&r)...))
	}
}

func BenchmarkContentHash(b *testing.B) {
	r := benchResponse()
	b.ReportAllocs()
	for b.Loop() {
		_ = r.ContentHash()
	}
}

func BenchmarkContentHashReference(b *testing.B) {
	r := benchResponse()
	b.ReportAllocs()
	for b.Loop() {
		_ = refHex(refContent(&r))
	}
}

func BenchmarkRatingsMarshalJSON(b *testing.B) {
	r := Ratings{4, 3, 4, 4, 2, 4, 4, 3, 4}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRatingsUnmarshalJSON(b *testing.B) {
	in := []byte(`{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":2}`)
	b.ReportAllocs()
	for b.Loop() {
		var r Ratings
		if err := json.Unmarshal(in, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanIngest500 plans one 500-response upload that continues a
// clean chain: fingerprints, chain verification and flags, as central does
// for every batch. It reports responses/s.
func BenchmarkPlanIngest500(b *testing.B) {
	rs := chain(500)
	for i := range rs {
		rs[i].Comment = "komentar"
	}
	for i := range rs { // re-chain after the edit
		prev := ""
		if i > 0 {
			prev = rs[i-1].Hash
		}
		rs[i].PrevHash, rs[i].Hash = prev, rs[i].ChainHash(prev)
	}
	in := planInput(rs)
	b.ReportAllocs()
	for b.Loop() {
		if p := PlanIngest(in); p.Counts.Stored != 500 || len(p.Findings) != 0 {
			b.Fatalf("stored %d, findings %v", p.Counts.Stored, p.Findings)
		}
	}
	b.ReportMetric(float64(b.N*len(rs))/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkTallyIndex adds one day of an office's responses (1,000) to a
// tally and computes its IKM.
func BenchmarkTallyIndex(b *testing.B) {
	rs := make([]Ratings, 1000)
	for i := range rs {
		for j := range rs[i] {
			rs[i][j] = int8(1 + (i*7+j*3)%4)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		var t Tally
		for _, r := range rs {
			t.Add(r)
		}
		if x := t.Index(); x.N != 1000 || x.Mutu == "" {
			b.Fatalf("index %+v", x)
		}
	}
	b.ReportMetric(float64(b.N*len(rs))/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkIndexOnly computes the IKM of a ready tally (a report cell).
func BenchmarkIndexOnly(b *testing.B) {
	var t Tally
	for i := range 1000 {
		var r Ratings
		for j := range r {
			r[j] = int8(1 + (i*7+j*3)%4)
		}
		t.Add(r)
	}
	b.ReportAllocs()
	for b.Loop() {
		if x := t.Index(); x.N != 1000 {
			b.Fatal(x.N)
		}
	}
}

// BenchmarkIdempotencyScoper marks an API client's key with its scope, as
// the kiosk does for every rating that carries a key.
func BenchmarkIdempotencyScoper(b *testing.B) {
	s := NewIdempotencyScoper([]byte("kiosk-secret-for-benchmarks-0123456789"))
	scope := IdempotencyScope(ScopeAPI, "196608011988031001", "192.168.1.20")
	b.ReportAllocs()
	for b.Loop() {
		if k, err := s.Scope(scope, "5b0f7c1e-93a4-4d2e-8f61-2c7a9e4b1d08"); err != nil || len(k) != 36+17 {
			b.Fatal(k, err)
		}
	}
}
