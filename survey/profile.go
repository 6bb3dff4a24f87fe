package survey

import (
	"fmt"
	"strings"
)

// Profile is the optional, coarse respondent profile of the SKM form. It holds
// no direct identifier: age is a band, never a birth date (UU 27/2022 minimisation).
type Profile struct {
	AgeBand    string `json:"age_band,omitempty"`
	Sex        string `json:"sex,omitempty"`
	Education  string `json:"education,omitempty"`
	Occupation string `json:"occupation,omitempty"`
}

// Option is one choice of a profile field with its labels.
type Option struct {
	Code string
	ID   string // Bahasa Indonesia label
	EN   string // English label
}

// Label returns the option's label in lang.
func (o Option) Label(lang string) string {
	if lang == "en" {
		return o.EN
	}
	return o.ID
}

// Profile field options, in display order.
var (
	AgeBands = []Option{
		{"u20", "Di bawah 20 tahun", "Under 20"},
		{"20-29", "20–29 tahun", "20–29"},
		{"30-39", "30–39 tahun", "30–39"},
		{"40-49", "40–49 tahun", "40–49"},
		{"50-59", "50–59 tahun", "50–59"},
		{"60+", "60 tahun ke atas", "60 and over"},
	}
	Sexes = []Option{
		{"L", "Laki-laki", "Male"},
		{"P", "Perempuan", "Female"},
	}
	Educations = []Option{
		{"sd", "SD ke bawah", "Primary or less"},
		{"smp", "SMP/SLTP", "Junior secondary"},
		{"sma", "SMA/SLTA", "Senior secondary"},
		{"diploma", "D1–D4", "Diploma"},
		{"s1", "S1", "Bachelor"},
		{"s2", "S2 ke atas", "Master or higher"},
	}
	Occupations = []Option{
		{"pns", "PNS", "Civil servant"},
		{"tni", "TNI", "Armed forces"},
		{"polri", "POLRI", "Police"},
		{"swasta", "Pegawai swasta", "Private employee"},
		{"wirausaha", "Wirausaha", "Self-employed"},
		{"pelajar", "Pelajar/Mahasiswa", "Student"},
		{"lainnya", "Lainnya", "Other"},
	}
)

// ProfileFields lists the profile fields with their JSON names and options.
var ProfileFields = []struct {
	Name    string
	Options []Option
}{{"age_band", AgeBands}, {"sex", Sexes}, {"education", Educations}, {"occupation", Occupations}}

// Normalize trims the fields; sex is upper-cased, the rest lower-cased.
func (p *Profile) Normalize() {
	p.AgeBand = strings.ToLower(strings.TrimSpace(p.AgeBand))
	p.Sex = strings.ToUpper(strings.TrimSpace(p.Sex))
	p.Education = strings.ToLower(strings.TrimSpace(p.Education))
	p.Occupation = strings.ToLower(strings.TrimSpace(p.Occupation))
}

// Validate refuses a value that is not one of the field's options. Empty is allowed.
func (p Profile) Validate() error {
	for _, f := range []struct {
		name, value string
		opts        []Option
	}{
		{"age_band", p.AgeBand, AgeBands}, {"sex", p.Sex, Sexes},
		{"education", p.Education, Educations}, {"occupation", p.Occupation, Occupations},
	} {
		if f.value != "" && !hasOption(f.opts, f.value) {
			return Invalid("profile."+f.name,
				fmt.Sprintf("profile.%s %q is not one of: %s", f.name, f.value, optionCodes(f.opts)),
				fmt.Sprintf("profile.%s %q tidak dikenal; pilihan: %s", f.name, f.value, optionCodes(f.opts)))
		}
	}
	return nil
}

func hasOption(opts []Option, code string) bool {
	for _, o := range opts {
		if o.Code == code {
			return true
		}
	}
	return false
}

func optionCodes(opts []Option) string {
	codes := make([]string, len(opts))
	for i, o := range opts {
		codes[i] = o.Code
	}
	return strings.Join(codes, ", ")
}
