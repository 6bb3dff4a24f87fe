package survey

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Element is one of the nine SKM elements (unsur) of PermenPAN-RB 14/2017,
// identified by a stable code. Elements are never keyed by position outside
// this package: apps disagree on whether U8/U9 is sarana or pengaduan.
type Element string

// The nine elements, codes as used in the API, the database, exports and sync.
const (
	Persyaratan Element = "persyaratan"
	Prosedur    Element = "prosedur"
	Waktu       Element = "waktu"
	Biaya       Element = "biaya"
	Produk      Element = "produk"
	Kompetensi  Element = "kompetensi"
	Perilaku    Element = "perilaku"
	Pengaduan   Element = "pengaduan"
	Sarana      Element = "sarana"
)

// NumElements is the number of SKM elements.
const NumElements = 9

// Elements lists the elements in the regulation's order (letters a–i).
var Elements = [NumElements]Element{Persyaratan, Prosedur, Waktu, Biaya, Produk, Kompetensi, Perilaku, Pengaduan, Sarana}

// Index returns the element's position in Elements, or -1 for an unknown code.
func (e Element) Index() int {
	for i, x := range Elements {
		if x == e {
			return i
		}
	}
	return -1
}

// Valid reports whether e is one of the nine element codes.
func (e Element) Valid() bool { return e.Index() >= 0 }

// Name returns the element's official name in Indonesian ("id") or its English rendering.
func (e Element) Name(lang string) string {
	n, ok := elementNames[e]
	if !ok {
		return string(e)
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

var elementNames = map[Element][2]string{
	Persyaratan: {"Persyaratan", "Requirements"},
	Prosedur:    {"Sistem, Mekanisme, dan Prosedur", "Procedure"},
	Waktu:       {"Waktu Penyelesaian", "Completion time"},
	Biaya:       {"Biaya/Tarif", "Cost/fee"},
	Produk:      {"Produk Spesifikasi Jenis Pelayanan", "Service product"},
	Kompetensi:  {"Kompetensi Pelaksana", "Officer competence"},
	Perilaku:    {"Perilaku Pelaksana", "Officer conduct"},
	Pengaduan:   {"Penanganan Pengaduan, Saran dan Masukan", "Complaint handling"},
	Sarana:      {"Sarana dan Prasarana", "Facilities"},
}

// Question is the wording of one element: the question and the labels of
// answers 1 to 4, and, in the regional languages, the element's name.
type Question struct {
	Text   string    `json:"question" toml:"question"`
	Labels [4]string `json:"labels" toml:"labels"`
	// Name is the element's name in this language; empty, Element.Name's
	// Indonesian or English name is shown.
	Name string `json:"name,omitempty" toml:"name"`
	// Draft marks a machine-written wording a native speaker has not yet
	// reviewed (the built-in Basa Jawa and Basa Sunda texts). An override
	// that changes any part of an element clears it unless it says otherwise.
	Draft bool `json:"draft,omitempty" toml:"-"`
}

// Wording is the survey text of one language, by element.
type Wording map[Element]Question

// WordingLanguages are the languages the survey is offered in: Bahasa
// Indonesia (the default), English, Basa Jawa (Jawa Serang/Banten) and
// Basa Sunda. The answer is the value 1 to 4 whatever the language, so the
// IKM does not depend on it.
var WordingLanguages = []string{"id", "en", "jv", "su"}

// ValidWordingLang reports whether lang is one of WordingLanguages.
func ValidWordingLang(lang string) bool {
	for _, l := range WordingLanguages {
		if l == lang {
			return true
		}
	}
	return false
}

// DefaultWording returns the standard questions and answer labels of the
// official sample questionnaire (lang "id", shown exactly), an English
// rendering, or the draft Basa Jawa ("jv") and Basa Sunda ("su") wordings.
// Any other language gets the Indonesian text.
func DefaultWording(lang string) Wording {
	src := wordingID
	switch lang {
	case "en":
		src = wordingEN
	case "jv":
		src = wordingJV
	case "su":
		src = wordingSU
	}
	w := make(Wording, NumElements)
	for k, v := range src {
		w[k] = v
	}
	return w
}

// Merge returns w with the non-empty parts of override applied. An element
// the override changes takes the override's Draft mark.
func (w Wording) Merge(override Wording) Wording {
	out := make(Wording, NumElements)
	for k, v := range w {
		out[k] = v
	}
	for k, o := range override {
		q := out[k]
		changed := false
		if o.Text != "" {
			q.Text, changed = o.Text, true
		}
		if o.Name != "" {
			q.Name, changed = o.Name, true
		}
		for i, l := range o.Labels {
			if l != "" {
				q.Labels[i], changed = l, true
			}
		}
		if changed {
			q.Draft = o.Draft
		}
		out[k] = q
	}
	return out
}

// Drafts lists the elements whose wording is still a draft, in order.
func (w Wording) Drafts() []Element {
	var out []Element
	for _, e := range Elements {
		if w[e].Draft {
			out = append(out, e)
		}
	}
	return out
}

// ElementName returns e's name in lang: the wording's own, else Element.Name.
func (w Wording) ElementName(e Element, lang string) string {
	if n := w[e].Name; n != "" {
		return n
	}
	return e.Name(lang)
}

// MaxWordingText bounds a question, and MaxWordingLabel a name or an answer label, in characters.
const (
	MaxWordingText  = 500
	MaxWordingLabel = 100
)

// ValidateWording refuses a language the survey does not offer, an
// unknown element and texts that are not one line within their bounds.
func ValidateWording(lang string, w Wording) error {
	if !ValidWordingLang(lang) {
		return Invalid("lang", fmt.Sprintf("wording language %q must be id, en, jv or su", lang),
			fmt.Sprintf("bahasa %q harus id, en, jv atau su", lang))
	}
	for e, q := range w {
		if !e.Valid() {
			return Invalid("element", fmt.Sprintf("%q is not an element code", e), fmt.Sprintf("%q bukan kode unsur", e))
		}
		if err := q.Validate(e); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks an override's texts: valid UTF-8 within the bounds.
func (q Question) Validate(e Element) error {
	check := func(field, v string, max int) error {
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max || strings.ContainsAny(v, "\x00\r\n") {
			return Invalid(string(e)+"."+field, fmt.Sprintf("%s of %s must be one line of at most %d characters", field, e, max),
				fmt.Sprintf("%s unsur %s harus satu baris, paling banyak %d karakter", field, e.Name("id"), max))
		}
		return nil
	}
	if err := check("question", q.Text, MaxWordingText); err != nil {
		return err
	}
	if err := check("name", q.Name, MaxWordingLabel); err != nil {
		return err
	}
	for i, l := range q.Labels {
		if err := check(fmt.Sprintf("labels[%d]", i), l, MaxWordingLabel); err != nil {
			return err
		}
	}
	return nil
}

var wordingID = Wording{
	Persyaratan: {Text: "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
		Labels: [4]string{"Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"}},
	Prosedur: {Text: "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
		Labels: [4]string{"Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"}},
	Waktu: {Text: "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
		Labels: [4]string{"Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"}},
	Biaya: {Text: "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
		Labels: [4]string{"Sangat mahal", "Cukup mahal", "Murah", "Gratis"}},
	Produk: {Text: "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
		Labels: [4]string{"Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"}},
	Kompetensi: {Text: "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
		Labels: [4]string{"Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"}},
	Perilaku: {Text: "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
		Labels: [4]string{"Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"}},
	Pengaduan: {Text: "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
		Labels: [4]string{"Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"}},
	Sarana: {Text: "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
		Labels: [4]string{"Buruk", "Cukup", "Baik", "Sangat Baik"}},
}

var wordingEN = Wording{
	Persyaratan: {Text: "How well did the requirements match the service you asked for?",
		Labels: [4]string{"Not matching", "Barely matching", "Matching", "Fully matching"}},
	Prosedur: {Text: "How easy was the service procedure at this office?",
		Labels: [4]string{"Not easy", "Not very easy", "Easy", "Very easy"}},
	Waktu: {Text: "How fast were you served?",
		Labels: [4]string{"Not fast", "Not very fast", "Fast", "Very fast"}},
	Biaya: {Text: "How fair was the cost or fee of the service?",
		Labels: [4]string{"Very expensive", "Rather expensive", "Cheap", "Free"}},
	Produk: {Text: "How well did what you received match the published service standard?",
		Labels: [4]string{"Not matching", "Barely matching", "Matching", "Fully matching"}},
	Kompetensi: {Text: "How competent was the officer who served you?",
		Labels: [4]string{"Not competent", "Barely competent", "Competent", "Very competent"}},
	Perilaku: {Text: "How polite and friendly was the officer who served you?",
		Labels: [4]string{"Not polite or friendly", "Barely polite and friendly", "Polite and friendly", "Very polite and friendly"}},
	Pengaduan: {Text: "How are complaints from service users handled?",
		Labels: [4]string{"There is none", "Exists but does not work", "Works, not at its best", "Well managed"}},
	Sarana: {Text: "How good are the facilities and the building?",
		Labels: [4]string{"Poor", "Fair", "Good", "Very good"}},
}

// ParseWording reads a wording from its JSON form ({"persyaratan": {"question": ..., "labels": [...]}}).
func ParseWording(s string) (Wording, error) {
	var raw map[string]Question
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("parse wording: %w", err)
	}
	w := Wording{}
	for code, q := range raw {
		if !Element(code).Valid() {
			return nil, fmt.Errorf("parse wording: %q is not an element code", code)
		}
		w[Element(code)] = q
	}
	return w, nil
}
