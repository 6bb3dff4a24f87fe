package survey

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRatingsJSONRoundTrip(t *testing.T) {
	in := `{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":2}`
	var r Ratings
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Get(Sarana) != 2 || r.Get(Pengaduan) != 3 {
		t.Errorf("sarana/pengaduan = %d/%d, want 2/3 (keyed by code, not position)", r.Get(Sarana), r.Get(Pengaduan))
	}
	out, _ := json.Marshal(r)
	if string(out) != in {
		t.Errorf("marshal = %s, want %s", out, in)
	}
}

func TestRatingsInvalid(t *testing.T) {
	for _, tc := range []struct{ in, field string }{
		{`{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3}`, "ratings.sarana"},
		{`{"persyaratan":5,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":4}`, "ratings.persyaratan"},
		{`{"persyaratan":0,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":4}`, "ratings.persyaratan"},
		{`{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":4,"parkir":4}`, "ratings.parkir"},
		{`{"persyaratan":"4"}`, "ratings.persyaratan"},
		{`{"persyaratan":3.5}`, "ratings.persyaratan"},
		{`[1,2,3]`, "ratings"},
	} {
		var r Ratings
		err := json.Unmarshal([]byte(tc.in), &r)
		if err == nil {
			err = r.Validate()
		}
		e := AsError(err)
		if e == nil || e.Field != tc.field || e.Code != EINVALID {
			t.Errorf("%s: err = %v, want EINVALID on %s", tc.in, err, tc.field)
		}
	}
}

func TestCommentValidation(t *testing.T) {
	if err := ValidateComment(strings.Repeat("é", 1000), 1000); err != nil {
		t.Errorf("1000 characters refused: %v", err)
	}
	if err := ValidateComment(strings.Repeat("a", 1001), 1000); AsError(err) == nil || AsError(err).Field != "comment" {
		t.Errorf("1001 characters: %v", err)
	}
	if err := ValidateComment("bad \xff", 1000); AsError(err) == nil {
		t.Error("invalid UTF-8 accepted")
	}
	if got := CleanComment("  a\x00b\r\nc\t "); got != "ab\nc" {
		t.Errorf("CleanComment = %q", got)
	}
}

func TestChainHashCoversContent(t *testing.T) {
	r := Response{ID: "x", Seq: 1, NIP: "196608011988031001", Service: "KIA", Ratings: Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4}, Comment: "<b>ok</b>"}
	h1 := r.ChainHash("")
	if !strings.Contains(string(r.CanonicalContent()), "<b>ok</b>") {
		t.Errorf("canonical form escapes HTML: %s", r.CanonicalContent())
	}
	r.Ratings[0] = 3
	if r.ChainHash("") == h1 {
		t.Error("hash ignores a changed rating")
	}
	r.Ratings[0] = 4
	if r.ChainHash("prev") == h1 {
		t.Error("hash ignores the previous hash")
	}
	r.Seq = 2
	if r.ChainHash("") == h1 {
		t.Error("hash ignores the sequence number")
	}
}

// ratingsFragments build ratings objects, valid and not, for comparing the
// fast path with the general one.
var ratingsFragments = struct{ keys, values, spaces []string }{
	keys: []string{`"persyaratan"`, `"prosedur"`, `"waktu"`, `"biaya"`, `"produk"`, `"kompetensi"`, `"perilaku"`,
		`"pengaduan"`, `"sarana"`, `"parkir"`, `"Sarana"`, `"sar\u0061na"`, `""`, `"waktu "`},
	values: []string{"1", "2", "3", "4", "0", "-0", "-1", "5", "127", "128", "-128", "-129", "999", "1000", "04",
		"4.0", "3.5", "1e0", "4E0", `"4"`, "null", "true", "[]", "{}", "-", "00"},
	spaces: []string{"", "", "", " ", "\n", "\t", "\r\n  "},
}

func randRatingsJSON(rng *rand.Rand) string {
	f := ratingsFragments
	sp := func() string { return f.spaces[rng.IntN(len(f.spaces))] }
	var b strings.Builder
	b.WriteString(sp() + "{" + sp())
	n := rng.IntN(12)
	for i := range n {
		if i > 0 {
			b.WriteString("," + sp())
		}
		b.WriteString(f.keys[rng.IntN(len(f.keys))] + sp() + ":" + sp() + f.values[rng.IntN(len(f.values))] + sp())
	}
	b.WriteString("}" + sp())
	s := b.String()
	if rng.IntN(20) == 0 { // damage it
		i := rng.IntN(len(s))
		s = s[:i] + s[i+1:]
	}
	return s
}

// TestRatingsFastPathMatchesGeneral checks that whatever the fast reader
// accepts, the general one reads to the same ratings.
func TestRatingsFastPathMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	accepted := 0
	for range 20000 {
		in := randRatingsJSON(rng)
		fast, ok := parseRatingsFast([]byte(in))
		if !ok {
			continue
		}
		accepted++
		var general Ratings
		if err := general.unmarshalGeneral([]byte(in)); err != nil {
			t.Fatalf("%q: the fast path accepts it, the general one refuses it: %v", in, err)
		}
		if fast != general {
			t.Fatalf("%q: fast %v, general %v", in, fast, general)
		}
		if !json.Valid([]byte(in)) {
			t.Fatalf("%q: the fast path accepts invalid JSON", in)
		}
	}
	if accepted < 1000 {
		t.Errorf("only %d inputs took the fast path: the test no longer exercises it", accepted)
	}
}

// FuzzRatingsUnmarshal checks that the fast path never accepts what the
// general reader reads differently or refuses.
func FuzzRatingsUnmarshal(f *testing.F) {
	f.Add([]byte(`{"persyaratan":4,"prosedur":3,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":3,"sarana":2}`))
	f.Add([]byte(`{ "sarana" : -0 }`))
	f.Add([]byte(`{"waktu":4,"waktu":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := parseRatingsFast(data)
		if !ok {
			return
		}
		var general Ratings
		if err := general.unmarshalGeneral(data); err != nil || fast != general {
			t.Fatalf("%q: fast %v, general %v (%v)", data, fast, general, err)
		}
	})
}

// An element rated twice is refused by both readings, naming it: the
// fast path leaves it to the general one, which says why.
func TestRatingsRepeatedKeyRefused(t *testing.T) {
	for _, data := range []string{`{"waktu":4,"waktu":1}`, `{"waktu":4,"sarana":3,"waktu":"x"}`, `{ "biaya" : 2 , "biaya" : 2 }`} {
		if _, ok := parseRatingsFast([]byte(data)); ok {
			t.Errorf("%s: the fast path accepted it", data)
		}
		var r Ratings
		err := r.UnmarshalJSON([]byte(data))
		if e := AsError(err); e == nil || e.Code != EINVALID || !strings.HasPrefix(e.Field, "ratings.") || !strings.Contains(e.Message, "twice") {
			t.Errorf("%s: %v, want a refusal naming the element rated twice", data, err)
		}
	}
}
