package survey

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseVisitToken checks the visit-token verifier on arbitrary input: it
// never panics, and whatever it accepts is exactly the token the secret's
// holder would have signed for those claims (no second spelling of a token,
// so no way to use one visit twice under two names).
func FuzzParseVisitToken(f *testing.F) {
	good := SignVisitToken(visitSecret, testClaims())
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add("v1.abcdefgh23456789.nj5zd9x8.KTPEL_BARU.1907982000.1907989200.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("v1.....")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := ParseVisitToken(visitSecret, token, visitNow)
		if err != nil {
			if e := AsError(err); e == nil || e.Field != "visit_token" {
				t.Fatalf("refusal %v is not a visit_token error", err)
			}
			return
		}
		if again := SignVisitToken(visitSecret, c); again != token {
			t.Fatalf("accepted %q, which differs from the canonical token %q", token, again)
		}
		if !c.ExpiresAt.After(visitNow) || !c.ExpiresAt.After(c.IssuedAt) {
			t.Fatalf("accepted an expired token: %+v", c)
		}
	})
}

// FuzzParseRoster checks the roster CSV import: it never panics, refuses
// with line-numbered reasons, and what it accepts is valid and survives an
// export and a new import unchanged.
func FuzzParseRoster(f *testing.F) {
	f.Add([]byte("nip,name,position,unit,counter\n196608011988031001,Siti Aminah,Pengadministrasi,Dafduk,Loket 1\n"))
	f.Add([]byte("\xef\xbb\xbfnip;name;position;unit;counter;type\n198505052022131001;\"Budi; S.H.\";Verifikator;Capil;2;PPPK\n"))
	f.Add([]byte("nip,name,position,unit,counter\n196608011988031001,=HYPERLINK(\"x\"),'+1,@SUM(A1),-2\n"))
	f.Add([]byte("nip,name\n\"unterminated\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		staff, err := ParseRoster(bytes.NewReader(data), rosterNow)
		if err != nil {
			var re *RosterError
			if !errors.As(err, &re) || len(re.Rows) == 0 {
				t.Fatalf("refusal %v does not name a line", err)
			}
			for _, r := range re.Rows {
				if r.Line < 1 || r.Reason == "" || r.ReasonID == "" {
					t.Fatalf("row error %+v lacks a line or a reason in both languages", r)
				}
			}
			return
		}
		for _, s := range staff {
			if err := s.Validate(rosterNow); err != nil || !utf8.ValidString(s.Name) {
				t.Fatalf("accepted an invalid staff member %+v: %v", s, err)
			}
		}
		var buf bytes.Buffer
		if err := WriteRoster(&buf, staff); err != nil {
			t.Fatal(err)
		}
		again, err := ParseRoster(&buf, rosterNow)
		if err != nil {
			t.Fatalf("an exported roster does not import: %v\n%s", err, buf.String())
		}
		if len(again) != len(staff) || (len(staff) > 0 && !reflect.DeepEqual(again, staff)) {
			t.Fatalf("round trip changed the roster:\n%+v\n%+v", staff, again)
		}
	})
}

var _ = time.Second
