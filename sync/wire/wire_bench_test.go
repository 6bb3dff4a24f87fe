package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/skmkiosk/skm/survey"
)

// Benchmarks of a 500-response batch on the wire: encoding and decoding it,
// compressing it, and signing and verifying the request. Run with:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./sync/wire

func benchBatch(n int) Batch {
	b := Batch{KioskID: "k-7h3k9m2p4q", BatchMeta: survey.BatchMeta{BatchID: "6f1c0000-0000-4000-8000-000000000000",
		SentAt: time.Date(2026, 11, 26, 19, 0, 3, 120000000, time.UTC), Buffered: int64(n)}}
	prev := ""
	at := time.Date(2026, 11, 26, 2, 14, 9, 431022000, time.UTC)
	for i := range n {
		r := survey.Response{ID: fmt.Sprintf("01937c2e-%04x-7000-8000-%012x", i%65536, i), KioskID: b.KioskID, Seq: int64(i + 1),
			NIP: fmt.Sprintf("196608011988031%03d", 1+i%40), Service: "KTPEL_BARU", Channel: survey.ChannelQR,
			Profile: survey.Profile{AgeBand: "30-39", Sex: "P"}, CreatedAt: at.Add(time.Duration(i) * 2 * time.Second)}
		for j := range r.Ratings {
			r.Ratings[j] = int8(1 + (i+j)%4)
		}
		if i%3 == 0 {
			r.Comment = "Pelayanan cepat & ramah, terima kasih <Bu Siti>!"
		}
		r.PrevHash, r.Hash = prev, r.ChainHash(prev)
		prev = r.Hash
		b.Responses = append(b.Responses, r)
	}
	b.Head = survey.SignedHead{Seq: int64(n), Hash: prev, Signature: "c2lnbmF0dXJl"}
	return b
}

func BenchmarkBatchMarshal500(b *testing.B) {
	batch := benchBatch(500)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		body, err := json.Marshal(batch)
		if err != nil {
			b.Fatal(err)
		}
		n = len(body)
	}
	b.SetBytes(int64(n))
}

// BenchmarkBatchUnmarshal500 reads a batch with encoding/json, strictly.
func BenchmarkBatchUnmarshal500(b *testing.B) {
	benchUnmarshal(b, func(body []byte, got *Batch) error {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		return dec.Decode(got)
	})
}

// BenchmarkBatchUnmarshal500V2 is the same batch through go-json-experiment's
// decoder, which central's ingest tries first.
func BenchmarkBatchUnmarshal500V2(b *testing.B) {
	benchUnmarshal(b, func(body []byte, got *Batch) error {
		return jsonv2.Unmarshal(body, got, jsonv2.RejectUnknownMembers(true))
	})
}

func benchUnmarshal(b *testing.B, decode func([]byte, *Batch) error) {
	body, err := json.Marshal(benchBatch(500))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var got Batch
		if err := decode(body, &got); err != nil || len(got.Responses) != 500 {
			b.Fatalf("%d responses: %v", len(got.Responses), err)
		}
	}
}

func benchGzip(b *testing.B, level int) {
	body, err := json.Marshal(benchBatch(500))
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		zw, _ := gzip.NewWriterLevel(&out, level)
		zw.Write(body)
		zw.Close()
	}
	b.ReportMetric(float64(len(body))/float64(out.Len()), "ratio")
}

func BenchmarkBatchGzipDefault500(b *testing.B)   { benchGzip(b, gzip.DefaultCompression) }
func BenchmarkBatchGzipBestSpeed500(b *testing.B) { benchGzip(b, gzip.BestSpeed) }

func BenchmarkBatchGunzip500(b *testing.B) {
	body, err := json.Marshal(benchBatch(500))
	if err != nil {
		b.Fatal(err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	zw.Write(body)
	zw.Close()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		zr, err := gzip.NewReader(bytes.NewReader(z.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignVerifyRequest signs a 500-response batch request as the kiosk
// does and verifies it as central does.
func BenchmarkSignVerifyRequest(b *testing.B) {
	secret, pub, _ := NewKioskKey()
	key, _ := ParseSecret(secret)
	body, _ := json.Marshal(benchBatch(500))
	now := time.Unix(1_800_000_000, 0)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		ts, sig := SignRequest(key, "POST", PathBatches, body, now)
		if err := VerifyRequest(pub, "POST", PathBatches, ts, sig, body, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyHead checks a chain head's signature, once per batch at central.
func BenchmarkVerifyHead(b *testing.B) {
	secret, pub, _ := NewKioskKey()
	key, _ := ParseSecret(secret)
	h := survey.SignedHead{Seq: 1840, Hash: "9c0f", Signature: SignHead(key, 1840, "9c0f")}
	b.ReportAllocs()
	for b.Loop() {
		if !VerifyHead(pub, h) {
			b.Fatal("head refused")
		}
	}
}
