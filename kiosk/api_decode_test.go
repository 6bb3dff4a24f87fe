package kiosk

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// The bodies the tablet, the survey script and most clients send take the
// fast path; anything unusual is left to the general decoder.
func TestResponseRequestFastPath(t *testing.T) {
	body := `{"nip":"196608011988031001","service":"KTPEL_BARU","ratings":{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":2},` +
		`"comment":"Petugas ramah 👍","profile":{"age_band":"30-39","sex":"P","education":"S1","occupation":"SWASTA"},"idempotency_key":"0193b1c2-7f00-7000-8000-000000000001"}`
	req, ok := parseResponseRequestFast([]byte(body))
	if !ok {
		t.Fatal("a typical request did not take the fast path")
	}
	want := responseRequest{NIP: "196608011988031001", Service: "KTPEL_BARU", Comment: "Petugas ramah 👍",
		Profile:        survey.Profile{AgeBand: "30-39", Sex: "P", Education: "S1", Occupation: "SWASTA"},
		IdempotencyKey: "0193b1c2-7f00-7000-8000-000000000001"}
	for i, v := range []int{4, 3, 4, 4, 4, 4, 4, 3, 2} {
		want.Ratings.Set(survey.Elements[i], v)
	}
	if req != want {
		t.Errorf("fast = %+v\nwant %+v", req, want)
	}
	// Escapes take it too, with encoding/json's reading (a Go client's
	// json.Marshal escapes <, > and &).
	for body, comment := range map[string]string{
		`{"comment":"Terima kasih \u003cBu Siti\u003e \u0026 tim!"}`: "Terima kasih <Bu Siti> & tim!",
		`{"comment":"\"Mantap\" \ud83d\udc4d\n\\\/"}`:                "\"Mantap\" 👍\n\\/",
	} {
		req, ok := parseResponseRequestFast([]byte(body))
		if !ok || req.Comment != comment {
			t.Errorf("%s: fast path %v, comment %q; want it taken with %q", body, ok, req.Comment, comment)
		}
	}
	for _, odd := range []string{
		`{"comment":"a\ud800b"}`,        // a lone surrogate: encoding/json makes it U+FFFD
		`{"nip":"1\x"}`,                 // a bad escape: the general decoder names it
		`{"Nip":"1"}`,                   // a case variant encoding/json matches
		`{"nip":"1","nip":"2"}`,         // a repeated member
		`{"nip":null}`,                  // null
		`{"ratings":{"waktu":4},"x":1}`, // an unknown member: the general decoder names it
		`{"profile":{"sex":"L","sex":"P"}}`,
		`{"nip":"1"} {}`,
	} {
		if _, ok := parseResponseRequestFast([]byte(odd)); ok {
			t.Errorf("%s took the fast path", odd)
		}
	}
}

var benchBody = []byte(`{"nip":"196608011988031001","service":"KTPEL_BARU","ratings":{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":2},"comment":"Petugas ramah","profile":{"age_band":"30-39","sex":"P"},"idempotency_key":"0193b1c2-7f00-7000-8000-000000000001"}`)

// BenchmarkDecodeResponseRequest is the API handler's decoding of a typical body.
func BenchmarkDecodeResponseRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeResponseRequest(benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeStrict is the same body through encoding/json, for comparison.
func BenchmarkDecodeStrict(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var req responseRequest
		if err := decodeStrict(benchBody, &req); err != nil {
			b.Fatal(err)
		}
	}
}

// The reply is what encoding/json writes for it, as JSON.
func TestResponseReplyJSON(t *testing.T) {
	var ratings survey.Ratings
	ratings.Set(survey.Waktu, 4)
	ratings.Set(survey.Sarana, 2)
	for _, r := range []responseReply{
		{ID: "0193b1c2-7f00-7000-8000-000000000001", Seq: 42, NIP: "196608011988031001", Service: "KTPEL_BARU", Ratings: ratings,
			Verified: true, CreatedAt: time.Date(2026, 11, 27, 3, 4, 5, 123456000, time.UTC), Replayed: false},
		{ID: `a"b\c`, Seq: -1, NIP: "<&>\u2028\x01", Service: "é", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("WIB", 7*3600)), Replayed: true},
		{},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(r.appendJSON(nil), &a); err != nil {
			t.Fatalf("%s: %v", r.appendJSON(nil), err)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("appendJSON = %s\nencoding/json %s", r.appendJSON(nil), want)
		}
	}
}

// A member given twice, in any object and in any case encoding/json would
// match, is found and named by its path; distinct names are not.
func TestRepeatedName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"nip":"1","nip":"2"}`, "nip"},
		{`{"nip":"1","NIP":"2"}`, "NIP"},
		{`{"\u212a":1,"k":2}`, "k"}, // the Kelvin sign folds to k
		{`{"profile":{"sex":"L","sex":"P"}}`, "profile.sex"},
		{`{"ratings":{"waktu":4,"waktu":3},"nip":"x"}`, "ratings.waktu"},
		{`{"a":[{"x":1},{"x":2}],"b":{"c":[1,[2,{"d":1,"d":2}]]}}`, "b.c.d"},
		{`{"a":[{"x":1},{"x":2}],"b":{"c":1},"e":2}`, ""},
		{`{"a":{},"a ":1}`, ""},
	} {
		if got, _ := repeatedName([]byte(c.in)); got != c.want {
			t.Errorf("%s: %q, want %q", c.in, got, c.want)
		}
	}
}
