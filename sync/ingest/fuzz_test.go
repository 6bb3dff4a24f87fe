package ingest

import (
	"encoding/json"
	"reflect"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// FuzzDecodeBatch checks central's reading of sync batches on arbitrary
// bodies: it never panics; a refusal is an invalid-input error naming a
// field in both languages; an accepted batch names its kiosk, respects the
// size limit and reads back the same after re-encoding.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`{"kiosk_id":"k-7h3k9m2p4q","office":"Disdukcapil","batch_id":"6f1c","sent_at":"2026-11-26T19:00:03.120000Z","buffered":1,` +
		`"head":{"seq":1,"hash":"5e","signature":"c2ln"},"responses":[{"id":"01937c2e-0000-7000-8000-000000000001","kiosk_id":"k-7h3k9m2p4q",` +
		`"seq":1,"nip":"196608011988031001","service":"KTPEL_BARU","ratings":{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,` +
		`"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":4},"comment":"<script>","profile":{"age_band":"30-39","sex":"P"},"channel":"qr",` +
		`"verified":false,"flags":["burst"],"created_at":"2026-11-26T02:14:09.431022Z","prev_hash":"","hash":"5e"}]}`))
	f.Add([]byte(`{"kiosk_id":5}`))
	f.Add([]byte(`{"kiosk_id":"k","responses":[{"ratings":{"waktu":9}}]}`))
	f.Add([]byte(`{"kiosk_id":"k","responses":null,"extra":true}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"Kiosk_ID":"k","kiosk_id":"k2","responses":[{"seq":1,"Seq":2,"created_at":"2026-11-26T09:14:09+07:00","flags":[]}]}`))
	f.Add([]byte(`{"kiosk_id":"k","sent_at":"2026-11-26t19:00:03z","buffered":1e2,"head":null,"responses":[{"ratings":null,"comment":"\u00e9\n"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fast decoder agrees with encoding/json on whatever it accepts.
		var fast wire.Batch
		if jsonv2.Unmarshal(data, &fast, jsonv2.RejectUnknownMembers(true)) == nil {
			var slow wire.Batch
			if err := decodeJSON(data, &slow, "batch"); err != nil || normalize(fast) != normalize(slow) {
				t.Fatalf("%q: go-json-experiment accepted %s, encoding/json %s (%v)", data, normalize(fast), normalize(slow), err)
			}
		}
		var b wire.Batch
		err := decodeBatch(data, &b)
		if err != nil {
			e := survey.AsError(err)
			if e == nil || e.Code != survey.EINVALID || e.Message == "" || e.MessageID == "" {
				t.Fatalf("refusal %#v is not an invalid-input error in both languages", err)
			}
			return
		}
		if b.KioskID == "" || len(b.Responses) > wire.MaxBatchResponses {
			t.Fatalf("accepted a batch without a kiosk or over the limit: %q, %d responses", b.KioskID, len(b.Responses))
		}
		again, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("an accepted batch cannot be encoded again: %v", err)
		}
		var b2 wire.Batch
		if err := decodeBatch(again, &b2); err != nil {
			t.Fatalf("re-encoded batch refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(normalize(b), normalize(b2)) {
			t.Fatalf("decoding is not stable:\n%+v\n%+v", b, b2)
		}
		for _, r := range b.Responses {
			_ = survey.ValidateUploaded(&r) // must not panic whatever was accepted
			_ = r.ChainHash(r.PrevHash)
		}
	})
}

// normalize compares batches by their JSON form (times lose monotonic readings).
func normalize(b wire.Batch) string {
	out, _ := json.Marshal(b)
	return string(out)
}
