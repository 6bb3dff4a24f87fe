package kiosk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/skmkiosk/skm/survey"
)

// FuzzDecodeResponse checks the JSON API's request decoding on arbitrary
// bodies: it never panics; every refusal is an invalid-input error naming a
// field, in both languages; and what it accepts decodes the same way again
// after a re-encoding (nothing is lost or invented), with valid UTF-8 text.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"nip":"196608011988031001","service":"KTPEL_BARU","ratings":{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":4},"comment":"Petugas ramah","profile":{"age_band":"30-39","sex":"P"},"idempotency_key":"antrian-1"}`))
	f.Add([]byte(`{"visit_token":"v1.abcdefgh23456789.nj5zd9x8.KTPEL_BARU.1.2.sig","ratings":{"waktu":5}}`))
	f.Add([]byte(`{"nip":1,"ratings":[],"comment":"\xff"}`))
	f.Add([]byte(`{"rating":{}} {"x":1}`))
	f.Add([]byte(`{"comment":"<script>alert(1)</script>","ratings":{"sarana":"4"}}`))
	f.Add([]byte(" "))
	f.Add([]byte(` { "ratings" : { "waktu" : 4 } , "profile" : { "sex" : "L" , "occupation" : "PNS" } , "nip" : "é" } `))
	f.Add([]byte(`{"profile":{},"ratings":{},"comment":"Pelayanan 👍 cepat"}`))
	f.Add([]byte(`{"nip":"1","NIP":"2"}`))
	f.Add([]byte(`{"comment":"\u003cb\u003e \"x\" \ud83d\udc4d \ud800 \\ \/ \n","nip":"1\u0030"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req responseRequest
		err := decodeStrict(body, &req)
		// The handler's fast path agrees with the general decoder on whatever it accepts.
		if fast, ok := parseResponseRequestFast(body); ok && (err != nil || !reflect.DeepEqual(fast, req)) {
			t.Fatalf("%q: fast %+v, general %+v (%v)", body, fast, req, err)
		}
		if got, gerr := decodeResponseRequest(body); (gerr == nil) != (err == nil) || (err == nil && !reflect.DeepEqual(got, req)) {
			t.Fatalf("%q: decodeResponseRequest %+v (%v), decodeStrict %+v (%v)", body, got, gerr, req, err)
		}
		if err != nil {
			e := survey.AsError(err)
			if e == nil || e.Code != survey.EINVALID || e.Field == "" || e.Message == "" || e.MessageID == "" {
				t.Fatalf("refusal %#v is not an invalid-input error naming a field in both languages", err)
			}
			return
		}
		for _, s := range []string{req.NIP, req.Service, req.Comment, req.IdempotencyKey, req.VisitToken} {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted invalid UTF-8 %q", s)
			}
		}
		again, merr := json.Marshal(req)
		if merr != nil {
			t.Fatalf("accepted a request that cannot be encoded again: %v", merr)
		}
		var req2 responseRequest
		if err := decodeStrict(again, &req2); err != nil {
			t.Fatalf("re-encoded request %s refused: %v", again, err)
		}
		if b, _ := json.Marshal(req2); !bytes.Equal(b, again) {
			t.Fatalf("decoding is not stable:\n%s\n%s", again, b)
		}
		r := survey.Response{NIP: req.NIP, Service: req.Service, Ratings: req.Ratings, Comment: req.Comment, Profile: req.Profile}
		r.Normalize()
		_ = r.Validate(survey.DefaultCommentLimit) // must not panic whatever was accepted
	})
}
