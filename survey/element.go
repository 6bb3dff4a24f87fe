package survey

import (
	"encoding/json"
	"fmt"
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
// answers 1 to 4.
type Question struct {
	Text   string    `json:"question" toml:"question"`
	Labels [4]string `json:"labels" toml:"labels"`
}

// Wording is the survey text of one language, by element.
type Wording map[Element]Question

// DefaultWording returns the standard questions and answer labels of the
// official sample questionnaire (lang "id", shown exactly) or an English rendering.
func DefaultWording(lang string) Wording {
	src := wordingID
	if lang == "en" {
		src = wordingEN
	}
	w := make(Wording, NumElements)
	for k, v := range src {
		w[k] = v
	}
	return w
}

// Merge returns w with the non-empty parts of override applied.
func (w Wording) Merge(override Wording) Wording {
	out := make(Wording, NumElements)
	for k, v := range w {
		out[k] = v
	}
	for k, o := range override {
		q := out[k]
		if o.Text != "" {
			q.Text = o.Text
		}
		for i, l := range o.Labels {
			if l != "" {
				q.Labels[i] = l
			}
		}
		out[k] = q
	}
	return out
}

var wordingID = Wording{
	Persyaratan: {"Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
		[4]string{"Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"}},
	Prosedur: {"Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
		[4]string{"Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"}},
	Waktu: {"Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
		[4]string{"Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"}},
	Biaya: {"Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
		[4]string{"Sangat mahal", "Cukup mahal", "Murah", "Gratis"}},
	Produk: {"Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
		[4]string{"Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"}},
	Kompetensi: {"Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
		[4]string{"Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"}},
	Perilaku: {"Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
		[4]string{"Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"}},
	Pengaduan: {"Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
		[4]string{"Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"}},
	Sarana: {"Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
		[4]string{"Buruk", "Cukup", "Baik", "Sangat Baik"}},
}

var wordingEN = Wording{
	Persyaratan: {"How well did the requirements match the service you asked for?",
		[4]string{"Not matching", "Barely matching", "Matching", "Fully matching"}},
	Prosedur: {"How easy was the service procedure at this office?",
		[4]string{"Not easy", "Not very easy", "Easy", "Very easy"}},
	Waktu: {"How fast were you served?",
		[4]string{"Not fast", "Not very fast", "Fast", "Very fast"}},
	Biaya: {"How fair was the cost or fee of the service?",
		[4]string{"Very expensive", "Rather expensive", "Cheap", "Free"}},
	Produk: {"How well did what you received match the published service standard?",
		[4]string{"Not matching", "Barely matching", "Matching", "Fully matching"}},
	Kompetensi: {"How competent was the officer who served you?",
		[4]string{"Not competent", "Barely competent", "Competent", "Very competent"}},
	Perilaku: {"How polite and friendly was the officer who served you?",
		[4]string{"Not polite or friendly", "Barely polite and friendly", "Polite and friendly", "Very polite and friendly"}},
	Pengaduan: {"How are complaints from service users handled?",
		[4]string{"There is none", "Exists but does not work", "Works, not at its best", "Well managed"}},
	Sarana: {"How good are the facilities and the building?",
		[4]string{"Poor", "Fair", "Good", "Very good"}},
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
