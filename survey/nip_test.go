package survey

import (
	"testing"
	"time"
)

func TestValidateNIP(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in    string
		typ   EmployeeType
		valid bool
	}{
		{"196608011988031001", PNS, true},    // official example
		{"19660801 198803 1 001", PNS, true}, // printed form with spaces
		{"19660801.198803.1.001", PNS, true}, // dots
		{"198512252010122003", PNS, true},    // woman, appointed Dec 2010
		{"19660801198803100", PNS, false},    // 17 digits
		{"1966080119880310011", PNS, false},  // 19 digits
		{"19660801198803100A", PNS, false},   // letter
		{"196602301988031001", PNS, false},   // 30 February
		{"196608011988131001", PNS, false},   // month 13 of TMT
		{"196608011980031001", PNS, false},   // appointed at 13
		{"199001012030011001", PNS, false},   // appointed in the future
		{"196608011988033001", PNS, false},   // sex digit 3
		{"196608011988031000", PNS, false},   // sequence 000
		{"193001011955011001", PNS, false},   // born before 1940
		{"201501012033011001", PNS, false},   // too young
		{"199203152023211001", PPPK, true},   // PPPK: digits 13–14 not a month, still accepted
		{"19920315202321100", PPPK, false},   // PPPK still needs 18 digits
		{"", PNS, false},
	} {
		err := ValidateNIP(NormalizeNIP(tc.in), tc.typ, now)
		if (err == nil) != tc.valid {
			t.Errorf("ValidateNIP(%q, %s) = %v, want valid=%v", tc.in, tc.typ, err, tc.valid)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("ValidateNIP(%q) code = %s, want %s", tc.in, ErrorCode(err), EINVALID)
		}
	}
}
