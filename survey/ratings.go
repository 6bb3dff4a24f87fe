package survey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Ratings holds one answer (nilai persepsi 1–4) per element, in the order of
// Elements; 0 means unanswered. In JSON it is an object keyed by element code.
type Ratings [NumElements]int8

// Get returns the answer for e, or 0 when e is unknown or unanswered.
func (r Ratings) Get(e Element) int {
	i := e.Index()
	if i < 0 {
		return 0
	}
	return int(r[i])
}

// Set stores the answer for e; it ignores unknown elements.
func (r *Ratings) Set(e Element, v int) {
	if i := e.Index(); i >= 0 {
		r[i] = int8(v)
	}
}

// Validate reports the first missing or out-of-range answer, naming the element.
// All nine elements are mandatory so that every NRR divides by the same count.
func (r Ratings) Validate() error {
	for i, v := range r {
		e := Elements[i]
		switch {
		case v == 0:
			return Invalid("ratings."+string(e),
				fmt.Sprintf("the answer for %s is missing; all nine elements must be answered", e),
				fmt.Sprintf("jawaban untuk unsur %s belum diisi; kesembilan unsur wajib dijawab", e.Name("id")))
		case v < 1 || v > 4:
			return Invalid("ratings."+string(e),
				fmt.Sprintf("the answer for %s must be 1, 2, 3 or 4", e),
				fmt.Sprintf("jawaban untuk unsur %s harus 1, 2, 3 atau 4", e.Name("id")))
		}
	}
	return nil
}

// MarshalJSON writes the ratings as {"persyaratan": 4, ...}, skipping unanswered elements.
func (r Ratings) MarshalJSON() ([]byte, error) {
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

// UnmarshalJSON reads {"code": n, ...}. An unknown code or a value that is not
// an integer is an EINVALID error naming it; range checks are left to Validate.
func (r *Ratings) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return Invalid("ratings", "ratings must be an object keyed by element code",
			"ratings harus berupa objek dengan kode unsur sebagai kunci")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	*r = Ratings{}
	for _, k := range keys {
		e := Element(k)
		if !e.Valid() {
			return Invalid("ratings."+k, fmt.Sprintf("%q is not an SKM element code", k),
				fmt.Sprintf("%q bukan kode unsur SKM", k))
		}
		var v int
		if err := json.Unmarshal(m[k], &v); err != nil || v < -128 || v > 127 {
			return Invalid("ratings."+k, fmt.Sprintf("the answer for %q must be a whole number from 1 to 4", k),
				fmt.Sprintf("jawaban untuk %q harus bilangan bulat 1 sampai 4", k))
		}
		if v == 0 {
			v = -1 // an explicit 0 is out of range, not "missing"
		}
		r.Set(e, v)
	}
	return nil
}
