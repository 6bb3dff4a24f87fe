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

func TestClaimVisit(t *testing.T) {
	dev := func(h string) VisitClaim { return VisitClaim{Kind: ClaimDevice, Hash: h} }
	addr := func(h string) VisitClaim { return VisitClaim{Kind: ClaimAddress, Hash: h} }
	phone := VisitClaimant{Device: dev("phone"), Address: addr("wifi")}
	cookieless := VisitClaimant{Address: addr("wifi")}
	for _, tc := range []struct {
		what   string
		cur    VisitClaim
		c      VisitClaimant
		want   VisitClaim
		wantOK bool
	}{
		{"the first device claims by its cookie", VisitClaim{}, phone, dev("phone"), true},
		{"the same device again", dev("phone"), phone, dev("phone"), true},
		{"another device", dev("phone"), VisitClaimant{Device: dev("rival"), Address: addr("wifi")}, dev("phone"), false},
		{"a cookieless browser on the claiming phone's address", dev("phone"), cookieless, dev("phone"), false},
		{"a cookieless browser claims by its address", VisitClaim{}, cookieless, addr("wifi"), true},
		{"the same cookieless browser again", addr("wifi"), cookieless, addr("wifi"), true},
		{"a cookieless browser elsewhere", addr("wifi"), VisitClaimant{Address: addr("mobile")}, addr("wifi"), false},
		{"a phone with a cookie takes an address claim of its own address", addr("wifi"), phone, dev("phone"), true},
		{"a phone with a cookie elsewhere cannot", addr("wifi"), VisitClaimant{Device: dev("rival"), Address: addr("mobile")}, addr("wifi"), false},
		{"nothing to tell a client by", VisitClaim{}, VisitClaimant{}, VisitClaim{}, false},
	} {
		got, ok := ClaimVisit(tc.cur, tc.c)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("%s: ClaimVisit = %+v, %v; want %+v, %v", tc.what, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestIdempotencyScoper(t *testing.T) {
	scoper := NewIdempotencyScoper([]byte("kiosk secret"))
	a := IdempotencyScope(ScopeAPI, "196608011988031001", "192.168.1.20")
	b := IdempotencyScope(ScopeAPI, "196608011988031001", "192.168.1.21")
	ka, err := scoper.Scope(a, " antrian-1 ")
	if err != nil || !strings.HasPrefix(ka, "antrian-1~") || len(ka) != len("antrian-1")+17 {
		t.Fatalf("scoped key %q (%v), want the key first and its scope's mark", ka, err)
	}
	if long, _ := scoper.Scope(a, strings.Repeat("k", MaxIdempotencyKey)); len(long) != MaxStoredIdempotencyKey {
		t.Errorf("the longest key stored in %d bytes, want MaxStoredIdempotencyKey", len(long))
	}
	if k2, _ := scoper.Scope(a, "antrian-2"); k2[len(k2)-16:] == ka[len(ka)-16:] {
		t.Error("two keys of one client share their mark: it would be a pseudonym of the client")
	}
	if again, _ := scoper.Scope(a, "antrian-1"); again != ka {
		t.Error("the same key in the same scope is not the same stored key")
	}
	if kb, _ := scoper.Scope(b, "antrian-1"); kb == ka {
		t.Error("the same key in another client's scope collides")
	}
	if other, _ := NewIdempotencyScoper([]byte("another kiosk")).Scope(a, "antrian-1"); other == ka {
		t.Error("another secret gives the same stored key")
	}
	if empty, err := scoper.Scope(a, "  "); empty != "" || err != nil {
		t.Errorf("an empty key scoped to %q (%v), want empty", empty, err)
	}
	if _, err := scoper.Scope(a, strings.Repeat("k", MaxIdempotencyKey+1)); AsError(err) == nil || AsError(err).Field != "idempotency_key" {
		t.Errorf("an overlong key: %v", err)
	}
}
