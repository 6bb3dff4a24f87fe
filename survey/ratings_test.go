package survey

import (
	"encoding/json"
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
