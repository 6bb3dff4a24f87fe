package survey

import (
	"strings"
	"testing"
	"time"
)

var (
	visitSecret = []byte("kiosk-secret-for-tests-0123456789")
	visitNow    = time.Date(2030, 6, 15, 3, 0, 0, 0, time.UTC)
)

func testClaims() VisitClaims {
	return VisitClaims{ID: "abcdefgh23456789", Code: "nj5zd9x8", Service: "KTPEL_BARU",
		IssuedAt: visitNow, ExpiresAt: visitNow.Add(DefaultVisitTTL)}
}

func TestVisitTokenRoundTrip(t *testing.T) {
	c := testClaims()
	tok := SignVisitToken(visitSecret, c)
	if len(tok) > MaxVisitTokenLength || strings.ContainsAny(tok, "/?#&=+% ") {
		t.Fatalf("token %q is not a short URL-safe path segment", tok)
	}
	got, err := ParseVisitToken(visitSecret, tok, visitNow.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Errorf("claims %+v, want %+v", got, c)
	}
	if SignVisitToken(visitSecret, c) != tok {
		t.Error("signing is not deterministic: the counter page could not show the same code again")
	}
}

func TestVisitTokenRefusesForgedMovedAndExpired(t *testing.T) {
	c := testClaims()
	tok := SignVisitToken(visitSecret, c)
	msg, mac, _ := cutLast(tok, ".")
	parts := strings.Split(msg, ".")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, ".") + "." + mac
	}
	moved := c
	moved.Code = "qqqqqqqq"
	cases := []struct {
		name, token string
	}{
		{"empty", ""},
		{"another staff member's code, old signature", with(2, "qqqqqqqq")},
		{"another service", with(3, "KK_BARU")},
		{"a later expiry", with(5, "4102444800")},
		{"another visit", with(1, "zzzzzzzzzzzzzzzz")},
		{"signed with another secret", SignVisitToken([]byte("another kiosk"), moved)},
		{"signature cut", tok[:len(tok)-2]},
		{"no signature", msg},
		{"unknown version", "v2" + strings.TrimPrefix(tok, "v1")},
		{"too long", tok + strings.Repeat("a", MaxVisitTokenLength)},
		{"extra part", msg + ".x." + mac},
	}
	for _, tc := range cases {
		_, err := ParseVisitToken(visitSecret, tc.token, visitNow)
		if e := AsError(err); e == nil || e.Code != EINVALID || e.Field != "visit_token" || e.MessageID == "" {
			t.Errorf("%s: %v, want an invalid visit_token with a message in both languages", tc.name, err)
		}
	}
	if _, err := ParseVisitToken(nil, tok, visitNow); err == nil {
		t.Error("a token verified with an empty secret")
	}
	_, err := ParseVisitToken(visitSecret, tok, c.ExpiresAt)
	if e := AsError(err); e == nil || !strings.Contains(e.Message, "expired") {
		t.Errorf("at its expiry: %v, want expired", err)
	}
	if _, err := ParseVisitToken(visitSecret, tok, c.ExpiresAt.Add(-time.Second)); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
}

func TestVisitCountsRate(t *testing.T) {
	if r := (VisitCounts{}).Rate(); r != 0 {
		t.Errorf("rate without visits = %v", r)
	}
	if r := (VisitCounts{Issued: 8, Rated: 6}).Rate(); r != 75 {
		t.Errorf("rate 6 of 8 = %v, want 75", r)
	}
}

func TestValidateFollowUp(t *testing.T) {
	cases := []struct {
		contact string
		consent bool
		want    string // "" ok, else the field at fault
	}{
		{"", false, ""},
		{"0812-3456-7890", true, ""},
		{"+62 812 3456 7890", true, ""},
		{"warga@example.id", true, ""},
		{"0812-3456-7890", false, "followup_consent"},
		{"", true, "contact"},
		{"<script>alert(1)</script>", true, "contact"},
		{"12", true, "contact"},
		{strings.Repeat("9", 101), true, "contact"},
		{"a@b", true, "contact"},
	}
	for _, tc := range cases {
		got, err := ValidateFollowUp(tc.contact, tc.consent)
		field := ""
		if e := AsError(err); e != nil {
			field = e.Field
		}
		if field != tc.want {
			t.Errorf("ValidateFollowUp(%q, %v) = %q, %v; want field %q", tc.contact, tc.consent, got, err, tc.want)
		}
	}
}
