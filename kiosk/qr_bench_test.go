package kiosk

import (
	"strconv"
	"testing"
)

// Benchmarks of QR codes: encoding one (the first request for a staff
// member's code at a size) and serving one from the in-memory cache (every
// later request). Run with:
//
//	go test -run '^$' -bench QR -benchmem -count 6 ./kiosk

func BenchmarkQREncode256(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeQR("http://192.168.1.10:8080/s/nj5zd9x8", qrDefaultSize); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQREncode1024(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeQR("http://192.168.1.10:8080/s/nj5zd9x8", qrMaxSize); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQRCached asks the cache for the codes of 40 staff members in turn.
func BenchmarkQRCached(b *testing.B) {
	q := newQRCache(512)
	urls := make([]string, 40)
	for i := range urls {
		urls[i] = "http://192.168.1.10:8080/s/code" + strconv.Itoa(i)
		if _, err := q.PNG(urls[i], qrDefaultSize); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := q.PNG(urls[i%len(urls)], qrDefaultSize); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
