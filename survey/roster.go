package survey

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// RosterColumns are the columns of a roster CSV, in the order of an export.
// "type" (PNS or PPPK, default PNS) is optional on import.
var RosterColumns = []string{"nip", "name", "position", "unit", "counter", "type"}

var requiredRosterColumns = []string{"nip", "name", "position", "unit", "counter"}

// RowError is one refused line of a roster file.
type RowError struct {
	Line     int    `json:"line"`
	Reason   string `json:"reason"`    // English
	ReasonID string `json:"reason_id"` // Bahasa Indonesia
}

// Localized returns the reason in lang ("id" or "en").
func (e RowError) Localized(lang string) string {
	if lang == "en" || e.ReasonID == "" {
		return e.Reason
	}
	return e.ReasonID
}

func (e RowError) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// RosterError lists every refused line of a roster file; an import with any
// refused line stores nothing.
type RosterError struct{ Rows []RowError }

func (e *RosterError) Error() string {
	lines := make([]string, len(e.Rows))
	for i, r := range e.Rows {
		lines[i] = r.String()
	}
	return fmt.Sprintf("roster has %d bad row(s), nothing imported:\n%s", len(e.Rows), strings.Join(lines, "\n"))
}

// MaxRosterRows bounds a roster file; an office has tens to hundreds of staff.
const MaxRosterRows = 10000

// ParseRoster reads a roster CSV with a header row (comma- or semicolon-
// separated, as Excel writes it in an Indonesian locale; a UTF-8 BOM is
// ignored). It validates every row and returns either all staff, or a
// *RosterError naming each bad line and its reason.
func ParseRoster(r io.Reader, now time.Time) ([]Staff, error) {
	data, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffComma(data)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &RosterError{Rows: []RowError{{Line: 1, Reason: "the file is empty; the first line must be the header nip,name,position,unit,counter",
			ReasonID: "berkas kosong; baris pertama harus judul nip,name,position,unit,counter"}}}
	}
	if err != nil {
		return nil, &RosterError{Rows: []RowError{{Line: 1, Reason: "cannot read the header: " + csvReason(err),
			ReasonID: "judul tidak terbaca: " + csvReason(err)}}}
	}
	cols, herr := rosterHeader(header)
	if herr != "" {
		return nil, &RosterError{Rows: []RowError{{Line: 1, Reason: herr, ReasonID: "judul kolom salah: " + herr}}}
	}

	var (
		staff []Staff
		bad   []RowError
		seen  = map[string]int{}
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// FieldPos panics after a read error: the line comes from the error.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			bad = append(bad, RowError{Line: line, Reason: csvReason(err), ReasonID: csvReason(err)})
			continue
		}
		line, _ := cr.FieldPos(0)
		if isBlank(rec) {
			continue
		}
		if len(staff)+len(bad) >= MaxRosterRows {
			bad = append(bad, RowError{Line: line, Reason: fmt.Sprintf("too many rows; at most %d per file", MaxRosterRows),
				ReasonID: fmt.Sprintf("terlalu banyak baris; paling banyak %d per berkas", MaxRosterRows)})
			break
		}
		s, rerr := rosterRow(rec, cols, now)
		if rerr == nil {
			if first, dup := seen[s.NIP]; dup {
				rerr = &RowError{Reason: fmt.Sprintf("NIP %s appears again (first on line %d)", s.NIP, first),
					ReasonID: fmt.Sprintf("NIP %s muncul lagi (pertama di baris %d)", s.NIP, first)}
			} else {
				seen[s.NIP] = line
			}
		}
		if rerr != nil {
			rerr.Line = line
			bad = append(bad, *rerr)
			continue
		}
		staff = append(staff, s)
	}
	if len(bad) > 0 {
		return nil, &RosterError{Rows: bad}
	}
	return staff, nil
}

func sniffComma(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		return ';'
	}
	return ','
}

func rosterHeader(header []string) (map[string]int, string) {
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range RosterColumns {
			known = known || c == h
		}
		if !known {
			return nil, fmt.Sprintf("unknown column %q; the header must be nip,name,position,unit,counter (and optionally type)", h)
		}
		if _, dup := cols[h]; dup {
			return nil, fmt.Sprintf("column %q appears twice in the header", h)
		}
		cols[h] = i
	}
	for _, c := range requiredRosterColumns {
		if _, ok := cols[c]; !ok {
			return nil, fmt.Sprintf("the header lacks column %q; it must be nip,name,position,unit,counter", c)
		}
	}
	return cols, ""
}

func rosterRow(rec []string, cols map[string]int, now time.Time) (Staff, *RowError) {
	get := func(c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return unneutralize(rec[i])
	}
	if len(rec) > len(cols) {
		return Staff{}, &RowError{Reason: fmt.Sprintf("%d fields, but the header has %d", len(rec), len(cols)),
			ReasonID: fmt.Sprintf("%d kolom, padahal judul punya %d", len(rec), len(cols))}
	}
	typ, err := ParseEmployeeType(get("type"))
	if err != nil {
		return Staff{}, rowError(err)
	}
	s := Staff{NIP: get("nip"), Name: get("name"), Position: get("position"), Unit: get("unit"),
		Counter: get("counter"), Type: typ, Active: true}
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return Staff{}, rowError(err)
	}
	return s, nil
}

func rowError(err error) *RowError {
	if e := AsError(err); e != nil {
		return &RowError{Reason: e.Error(), ReasonID: e.Field + ": " + e.MessageID}
	}
	return &RowError{Reason: err.Error(), ReasonID: err.Error()}
}

// unneutralize undoes NeutralizeCell, so an exported roster imports unchanged.
func unneutralize(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "malformed CSV: " + pe.Err.Error()
	}
	return err.Error()
}

// WriteRoster writes staff as a roster CSV that ParseRoster reads back.
func WriteRoster(w io.Writer, staff []Staff) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(RosterColumns); err != nil {
		return fmt.Errorf("write roster header: %w", err)
	}
	for _, s := range staff {
		rec := []string{s.NIP, s.Name, s.Position, s.Unit, s.Counter, string(s.Type)}
		for i := range rec {
			rec[i] = NeutralizeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write roster row: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// NeutralizeCell prefixes a cell that a spreadsheet would run as a formula
// (starting with = + - @, tab or carriage return) with an apostrophe.
func NeutralizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
