package survey

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Staff is a civil servant (ASN) who serves citizens at a counter and is rated.
type Staff struct {
	NIP      string       `json:"nip"`
	Name     string       `json:"name"`
	Position string       `json:"position"` // jabatan
	Unit     string       `json:"unit"`     // the unit (bidang/seksi) the person works in
	Counter  string       `json:"counter"`  // loket
	Type     EmployeeType `json:"type"`
	Code     string       `json:"code,omitempty"` // short opaque code in QR URLs; never the NIP
	Active   bool         `json:"active"`
	HasPhoto bool         `json:"has_photo,omitempty"`
}

// Normalize trims every field and normalizes the NIP and type.
func (s *Staff) Normalize() {
	s.NIP = NormalizeNIP(s.NIP)
	s.Name = strings.Join(strings.Fields(s.Name), " ")
	s.Position = strings.TrimSpace(s.Position)
	s.Unit = strings.TrimSpace(s.Unit)
	s.Counter = strings.TrimSpace(s.Counter)
	if s.Type == "" {
		s.Type = PNS
	}
}

// Validate checks the NIP for the staff member's type and the text fields.
func (s Staff) Validate(now time.Time) error {
	if _, err := ParseEmployeeType(string(s.Type)); err != nil {
		return err
	}
	if err := ValidateNIP(s.NIP, s.Type, now); err != nil {
		return err
	}
	if s.Name == "" {
		return Invalid("name", "name is required", "nama wajib diisi")
	}
	for _, f := range []struct{ field, value string }{
		{"name", s.Name}, {"position", s.Position}, {"unit", s.Unit}, {"counter", s.Counter},
	} {
		if !utf8.ValidString(f.value) {
			return Invalid(f.field, f.field+" is not valid UTF-8 text", f.field+" bukan teks UTF-8 yang sah")
		}
		if n := utf8.RuneCountInString(f.value); n > 120 {
			return Invalid(f.field, fmt.Sprintf("%s is %d characters long; the limit is 120", f.field, n),
				fmt.Sprintf("%s %d karakter; batasnya 120", f.field, n))
		}
	}
	return nil
}
