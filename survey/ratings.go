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
	return r.AppendJSON(make([]byte, 0, 16*NumElements)), nil
}

// UnmarshalJSON reads {"code": n, ...}. An unknown code or a value that is not
// an integer is an EINVALID error naming it; range checks are left to Validate.
func (r *Ratings) UnmarshalJSON(data []byte) error {
	if fast, ok := parseRatingsFast(data); ok {
		*r = fast
		return nil
	}
	return r.unmarshalGeneral(data)
}

// unmarshalGeneral reads any JSON value the way UnmarshalJSON specifies.
func (r *Ratings) unmarshalGeneral(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return Invalid("ratings", "ratings must be an object keyed by element code",
			"ratings harus berupa objek dengan kode unsur sebagai kunci")
	}
	if k, ok := repeatedKey(data); ok {
		return Invalid("ratings."+k, fmt.Sprintf("%q appears twice in ratings; give each element one answer", k),
			fmt.Sprintf("%q muncul dua kali dalam ratings; beri setiap unsur satu jawaban", k))
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

// repeatedKey returns the first key that appears twice in the JSON object
// data (encoding/json would keep its last value silently: one answer could
// hide another).
func repeatedKey(data []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		k, ok := t.(string)
		if err != nil || !ok {
			return "", false
		}
		if seen[k] {
			return k, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// parseRatingsFast reads the common form of a ratings object, known element
// codes with small integer answers, without reflection: every response of
// the API and of each uploaded batch passes here. It returns ok == false for
// anything else (unknown codes, escapes, other numbers, malformed input),
// which UnmarshalJSON then reads the general way, with its error messages
// (a repeated key among them). On what it accepts it gives UnmarshalJSON's
// result: an explicit 0 becomes -1.
func parseRatingsFast(data []byte) (Ratings, bool) {
	var r Ratings
	var seen uint16
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return r, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return r, skipSpace(data, i+1) == len(data)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return r, false
		}
		start := i + 1
		i = start
		for i < len(data) && data[i] >= 'a' && data[i] <= 'z' {
			i++
		}
		if i >= len(data) || data[i] != '"' {
			return r, false
		}
		idx := Element(data[start:i]).Index()
		if idx < 0 || seen&(1<<idx) != 0 {
			return r, false
		}
		seen |= 1 << idx
		i = skipSpace(data, i+1)
		if i >= len(data) || data[i] != ':' {
			return r, false
		}
		i = skipSpace(data, i+1)
		v, next, ok := parseSmallInt(data, i)
		if !ok {
			return r, false
		}
		if v == 0 {
			v = -1 // an explicit 0 is out of range, not "missing"
		}
		r[idx] = int8(v)
		i = skipSpace(data, next)
		if i >= len(data) {
			return r, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return r, skipSpace(data, i+1) == len(data)
		default:
			return r, false
		}
	}
}

// parseSmallInt reads a JSON integer of at most three digits that fits an
// int8 (-?(0|[1-9][0-9]{0,2})) at data[i:], returning it and the offset after it.
func parseSmallInt(data []byte, i int) (v, next int, ok bool) {
	neg := i < len(data) && data[i] == '-'
	if neg {
		i++
	}
	start := i
	for i < len(data) && data[i] >= '0' && data[i] <= '9' && i-start < 4 {
		v = v*10 + int(data[i]-'0')
		i++
	}
	n := i - start
	if n == 0 || n > 3 || (data[start] == '0' && n > 1) || (neg && v == 0) {
		return 0, 0, false
	}
	if i < len(data) && (data[i] == '.' || data[i] == 'e' || data[i] == 'E') {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	if v < -128 || v > 127 {
		return 0, 0, false
	}
	return v, i, true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
