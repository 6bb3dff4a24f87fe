package survey

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The reference encoding: how the canonical form was produced before the
// hand-written encoder, by encoding/json on anonymous structs. The protocol's
// hashes were defined by it; the test below holds the new encoder to it.

type refRatings Ratings

func (r refRatings) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for i, v := range r {
		if v == 0 {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%q:%d", Elements[i], v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func refJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

func refCanonical(r *Response) []byte {
	return refJSON(struct {
		ID        string     `json:"id"`
		Seq       int64      `json:"seq"`
		NIP       string     `json:"nip"`
		Service   string     `json:"service"`
		Ratings   refRatings `json:"ratings"`
		Comment   string     `json:"comment"`
		Profile   Profile    `json:"profile"`
		Channel   string     `json:"channel"`
		Verified  bool       `json:"verified"`
		VisitID   string     `json:"visit_id"`
		Flags     []string   `json:"flags,omitempty"`
		CreatedAt string     `json:"created_at"`
	}{r.ID, r.Seq, r.NIP, r.Service, refRatings(r.Ratings), r.Comment, r.Profile, r.Channel, r.Verified, r.VisitID, r.Flags, FormatTime(r.CreatedAt)})
}

func refContent(r *Response) []byte {
	return refJSON(struct {
		NIP     string     `json:"nip"`
		Service string     `json:"service"`
		Ratings refRatings `json:"ratings"`
		Comment string     `json:"comment"`
		Profile Profile    `json:"profile"`
		VisitID string     `json:"visit_id"`
	}{r.NIP, r.Service, refRatings(r.Ratings), r.Comment, r.Profile, r.VisitID})
}

func refHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// pieces are the fragments random strings are made of: the characters JSON
// escapes, the ones HTML escaping would touch, multi-byte UTF-8, the two
// JavaScript line terminators, invalid and truncated UTF-8, and plain text.
var pieces = []string{
	"", "a", "Z", "0", " ", "Siti", "KTPEL_BARU", "196608011988031001", "pelayanan cepat",
	`"`, `\`, "/", "<", ">", "&", "<script>alert(1)</script>", "&amp;", "'", "`",
	"\x00", "\x01", "\x07", "\b", "\t", "\n", "\v", "\f", "\r", "\x1b", "\x1f", "\x7f",
	"é", "ñ", "ü", "Ω", "ß", "日本語", "ภาษาไทย", "العربية", "😀", "👍🏽", "\u00a0", "\u200b", "\ufeff", "\ufffd",
	"\u2028", "\u2029", "\u2027", "\u202a",
	"\xff", "\xfe", "\xc3", "\xe2\x80", "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf", "\x80",
}

func randString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randOption(rng *rand.Rand, opts []Option) string {
	switch rng.IntN(4) {
	case 0:
		return ""
	case 1:
		return randString(rng)
	}
	return opts[rng.IntN(len(opts))].Code
}

func randResponse(rng *rand.Rand) Response {
	r := Response{
		ID: randString(rng), Seq: rng.Int64N(1 << 40), NIP: randString(rng), Service: randString(rng),
		Comment: randString(rng), Channel: randString(rng), Verified: rng.IntN(2) == 0, VisitID: randString(rng),
		Profile: Profile{AgeBand: randOption(rng, AgeBands), Sex: randOption(rng, Sexes),
			Education: randOption(rng, Educations), Occupation: randOption(rng, Occupations)},
		CreatedAt: time.Unix(rng.Int64N(4_000_000_000), rng.Int64N(1e9)).In(time.FixedZone("X", (rng.IntN(27)-12)*3600)),
	}
	if rng.IntN(8) == 0 {
		r.Seq = -r.Seq
	}
	if rng.IntN(16) == 0 {
		r.CreatedAt = time.Time{}
	}
	for i := range r.Ratings {
		switch rng.IntN(6) {
		case 0:
			r.Ratings[i] = 0
		case 1:
			r.Ratings[i] = int8(rng.IntN(256) - 128)
		default:
			r.Ratings[i] = int8(1 + rng.IntN(4))
		}
	}
	switch rng.IntN(4) {
	case 0:
		r.Flags = []string{}
	case 1:
		for range 1 + rng.IntN(3) {
			r.Flags = append(r.Flags, randString(rng))
		}
	}
	if rng.IntN(10) == 0 { // a long comment, past the stack buffer
		r.Comment = strings.Repeat(randString(rng)+"x", 200)
	}
	return r
}

// TestCanonicalMatchesEncodingJSON holds the hand-written canonical encoder
// to the bytes encoding/json produced, on many random responses.
func TestCanonicalMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	n := 10000
	if testing.Short() {
		n = 2000
	}
	for i := range n {
		r := randResponse(rng)
		want := refCanonical(&r)
		if got := r.CanonicalContent(); !bytes.Equal(got, want) {
			t.Fatalf("case %d: canonical content\n got %q\nwant %q", i, got, want)
		}
		if got, want := r.ContentHash(), refHex(refContent(&r)); got != want {
			t.Fatalf("case %d: content hash of %q = %s, want %s", i, refContent(&r), got, want)
		}
		prev := refHex([]byte(r.ID))
		if got, want := r.ChainHash(prev), refHex(append([]byte(prev+"\n"), want...)); got != want {
			t.Fatalf("case %d: chain hash = %s, want %s", i, got, want)
		}
		if got, want := r.Fingerprint(), refHex(want); got != want {
			t.Fatalf("case %d: fingerprint = %s, want %s", i, got, want)
		}
		gotR, _ := r.Ratings.MarshalJSON()
		wantR, _ := refRatings(r.Ratings).MarshalJSON()
		if !bytes.Equal(gotR, wantR) {
			t.Fatalf("case %d: ratings %q, want %q", i, gotR, wantR)
		}
		if !json.Valid(want) {
			t.Fatalf("case %d: the reference encoding is not JSON: %q", i, want)
		}
	}
}

// TestCanonicalGolden pins the canonical form of docs/sync-protocol.md.
func TestCanonicalGolden(t *testing.T) {
	r := Response{ID: "01937c2e-0000-7000-8000-000000000001", Seq: 1, NIP: "196608011988031001", Service: "KTPEL_BARU",
		Ratings: Ratings{4, 3, 4, 4, 4, 4, 4, 3, 4}, Comment: "Cepat & ramah <3 \"mantap\"\n",
		Profile: Profile{AgeBand: "30-39", Sex: "P"}, Channel: ChannelQR,
		CreatedAt: time.Date(2026, 11, 26, 9, 14, 9, 431022000, time.FixedZone("WIB", 7*3600))}
	want := `{"id":"01937c2e-0000-7000-8000-000000000001","seq":1,"nip":"196608011988031001","service":"KTPEL_BARU",` +
		`"ratings":{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":4},` +
		`"comment":"Cepat & ramah <3 \"mantap\"\n","profile":{"age_band":"30-39","sex":"P"},"channel":"qr","verified":false,` +
		`"visit_id":"","created_at":"2026-11-26T02:14:09.431022Z"}`
	if got := string(r.CanonicalContent()); got != want {
		t.Errorf("canonical content\n got %s\nwant %s", got, want)
	}
	if got, want := r.ChainHash(""), refHex([]byte("\n"+want)); got != want {
		t.Errorf("chain hash = %s, want %s", got, want)
	}

	// The kiosk's flags sit between visit_id and created_at when there are any.
	r.Flags = []string{FlagOwnDevice, FlagBurst}
	want = strings.Replace(want, `"visit_id":"",`, `"visit_id":"","flags":["own_device","burst"],`, 1)
	if got := string(r.CanonicalContent()); got != want {
		t.Errorf("canonical content with flags\n got %s\nwant %s", got, want)
	}
}
