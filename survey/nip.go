package survey

import (
	"fmt"
	"strings"
	"time"
)

// EmployeeType says which numbering a staff member's NIP follows.
type EmployeeType string

// Employee types. A PNS NIP is validated strictly; a PPPK number (NI PPPK)
// leniently, because sources disagree on its digits 9–14 (docs/domain.md#nip).
const (
	PNS  EmployeeType = "PNS"
	PPPK EmployeeType = "PPPK"
)

// ParseEmployeeType accepts "PNS" or "PPPK" in any case; empty means PNS.
func ParseEmployeeType(s string) (EmployeeType, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "PNS":
		return PNS, nil
	case "PPPK":
		return PPPK, nil
	}
	return "", Invalid("type", fmt.Sprintf("employee type %q must be PNS or PPPK", s),
		fmt.Sprintf("jenis pegawai %q harus PNS atau PPPK", s))
}

// NormalizeNIP removes the spaces, dots and dashes of printed forms
// ("19660801 198803 1 001").
func NormalizeNIP(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// ValidateNIP checks an already normalized NIP against the rules of
// Peraturan Kepala BKN 22/2007 for a PNS, or length and digits for a PPPK.
// now bounds dates that cannot be in the future.
func ValidateNIP(nip string, typ EmployeeType, now time.Time) error {
	if len(nip) != 18 || strings.Trim(nip, "0123456789") != "" {
		return nipError("must be 18 digits", "harus 18 angka")
	}
	if typ == PPPK {
		return nil
	}
	birth, err := time.Parse("20060102", nip[0:8])
	if err != nil {
		return nipError("digits 1–8 must be a real birth date (YYYYMMDD)",
			"angka 1–8 harus tanggal lahir yang sah (TTTTBBHH)")
	}
	if birth.Year() < 1940 || birth.After(now.AddDate(-17, 0, 0)) {
		return nipError("digits 1–8 give an implausible birth date",
			"angka 1–8 berisi tanggal lahir yang tidak masuk akal")
	}
	tmt, err := time.Parse("200601", nip[8:14])
	if err != nil {
		return nipError("digits 9–14 must be the year and month of appointment as CPNS (YYYYMM)",
			"angka 9–14 harus tahun dan bulan TMT CPNS (TTTTBB)")
	}
	// Appointment as CPNS needs an adult; allow a year of slack for how
	// TMT months are recorded (docs/domain.md#nip: not before the 18th birthday).
	if tmt.Before(birth.AddDate(17, 0, 0)) || tmt.After(now) {
		return nipError("digits 9–14 give an appointment date that is before age 17 or in the future",
			"angka 9–14 berisi TMT CPNS sebelum usia 17 tahun atau di masa depan")
	}
	if c := nip[14]; c != '1' && c != '2' {
		return nipError("digit 15 must be 1 (male) or 2 (female)", "angka ke-15 harus 1 (pria) atau 2 (wanita)")
	}
	if nip[15:18] == "000" {
		return nipError("digits 16–18 (sequence) must be 001–999", "angka 16–18 (nomor urut) harus 001–999")
	}
	return nil
}

// ParseNIP normalizes s and validates it for typ, returning the 18 digits.
func ParseNIP(s string, typ EmployeeType, now time.Time) (string, error) {
	nip := NormalizeNIP(s)
	return nip, ValidateNIP(nip, typ, now)
}

func nipError(en, id string) *Error {
	return Invalid("nip", "NIP "+en, "NIP "+id)
}
