package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

const otherNIP = "197501152000032002"

// stepClock is a clock the test moves.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var intakeStart = time.Date(2030, 6, 15, 3, 0, 0, 0, time.UTC) // 10:00 WIB

// MustOpenIntakeKiosk opens a kiosk database on a step clock with two staff members.
func MustOpenIntakeKiosk(tb testing.TB) (*sqlite.KioskDB, *stepClock, string) {
	tb.Helper()
	clock := &stepClock{t: intakeStart}
	db, path := MustOpenKiosk(tb, clock.Now)
	MustAddStaff(tb, db, testNIP, "Siti Aminah")
	MustAddStaff(tb, db, otherNIP, "Budi Santoso")
	return db, clock, path
}

// MustCreateVisit stores a visit for nip and service issued now, valid for ttl.
func MustCreateVisit(tb testing.TB, db *sqlite.KioskDB, nip, service string, ttl time.Duration) survey.Visit {
	tb.Helper()
	v := survey.Visit{ID: survey.NewVisitID(), NIP: nip, Service: service, IssuedBy: "test",
		IssuedAt: db.Now(), ExpiresAt: db.Now().Add(ttl)}
	if err := db.CreateVisit(context.Background(), &v, survey.MintCap{}); err != nil {
		tb.Fatal(err)
	}
	return v
}

func visitResponse(v survey.Visit, key string) *survey.Response {
	r := goodResponse(key)
	r.NIP, r.Service, r.VisitID, r.Channel = v.NIP, v.Service, v.ID, survey.ChannelVisit
	return r
}

func TestVisitIsSpentOnceUnderConcurrency(t *testing.T) {
	db, _, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	v := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour)
	if v.Code == "" {
		t.Fatal("CreateVisit did not fill in the staff member's code")
	}
	const n = 12
	var wg sync.WaitGroup
	results := make([]error, n)
	created := make([]bool, n)
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := visitResponse(v, fmt.Sprintf("form-%d", i))
			created[i], results[i] = db.CreateResponseWith(ctx, r, survey.Intake{})
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	stored, conflicts := 0, 0
	var storedID string
	for i, err := range results {
		switch code := survey.ErrorCode(err); {
		case err == nil && created[i]:
			stored++
			storedID = ids[i]
		case code == survey.ECONFLICT:
			conflicts++
		default:
			t.Errorf("request %d: %v (%s)", i, err, code)
		}
	}
	if stored != 1 || conflicts != n-1 {
		t.Fatalf("%d stored and %d refused as used, want 1 and %d", stored, conflicts, n-1)
	}
	got, err := db.ResponseByID(ctx, storedID)
	if err != nil || !got.Verified || got.VisitID != v.ID {
		t.Errorf("stored response %+v (%v), want verified with visit %s", got, err, v.ID)
	}
	after, err := db.VisitByID(ctx, v.ID)
	if err != nil || !after.Used() || after.ResponseID != storedID {
		t.Errorf("visit after use %+v (%v), want used by %s", after, err, storedID)
	}
	if c, err := db.CountVisits(ctx, intakeStart.Add(-time.Hour), intakeStart.Add(time.Hour)); err != nil || c.Issued != 1 || c.Rated != 1 {
		t.Errorf("CountVisits = %+v (%v), want 1 issued, 1 rated", c, err)
	}
	// The same form sent again (same key, same content) is a replay, not a second use.
	replay := visitResponse(v, "form-x")
	for i, id := range ids {
		if id == storedID {
			replay = visitResponse(v, fmt.Sprintf("form-%d", i))
		}
	}
	if c, err := db.CreateResponseWith(ctx, replay, survey.Intake{}); err != nil || c || replay.ID != storedID {
		t.Errorf("replay of the stored form: created=%v id=%s err=%v, want the stored response", c, replay.ID, err)
	}
}

func TestVisitRefusals(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	v := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", time.Hour)

	other := visitResponse(v, "moved")
	other.NIP = otherNIP
	cases := []struct {
		name string
		r    *survey.Response
		code string
	}{
		{"for another staff member", other, survey.EINVALID},
		{"unknown visit", func() *survey.Response { r := visitResponse(v, "unknown"); r.VisitID = survey.NewVisitID(); return r }(), survey.EINVALID},
		{"another service", func() *survey.Response { r := visitResponse(v, "svc"); r.Service = "KK_BARU"; return r }(), survey.EINVALID},
	}
	for _, tc := range cases {
		if _, err := db.CreateResponseWith(ctx, tc.r, survey.Intake{}); survey.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	clock.Add(time.Hour)
	_, err := db.CreateResponseWith(ctx, visitResponse(v, "late"), survey.Intake{})
	if e := survey.AsError(err); e == nil || e.Code != survey.EINVALID || e.Field != "visit_token" {
		t.Errorf("expired visit: %v, want an invalid visit_token", err)
	}
	if n, _ := db.CountResponses(ctx); n != 0 {
		t.Errorf("%d responses stored by refused requests", n)
	}
	if after, _ := db.VisitByID(ctx, v.ID); after.Used() {
		t.Error("a refused response spent the visit")
	}
	// A response cannot claim to be verified without a visit.
	r := goodResponse("claims-verified")
	r.Verified = true
	if _, err := db.CreateResponseWith(ctx, r, survey.Intake{}); err != nil || r.Verified {
		t.Errorf("unverified response stored as verified=%v (%v)", r.Verified, err)
	}
}

func staticIntake(device, address string, l survey.Limits) survey.Intake {
	in := survey.Intake{Limited: true, Limits: l}
	if device != "" {
		in.Device = []string{device}
	}
	if address != "" {
		in.Address = []string{address}
	}
	return in
}

func TestLimitsHoldUnderConcurrencyAndAreCounted(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	l := survey.Limits{PerDevice: 1, DeviceWindow: 4 * time.Hour, PerAddress: 3, AddressWindow: time.Hour}
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := goodResponse(fmt.Sprintf("burst-%d", i))
			r.Channel = survey.ChannelQR
			_, errs[i] = db.CreateResponseWith(ctx, r, staticIntake("dev-a", fmt.Sprintf("addr-%d", i), l))
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, err := range errs {
		switch survey.ErrorCode(err) {
		case "":
			ok++
		case survey.ERATELIMIT:
			limited++
			if e := survey.AsError(err); e.MessageID == "" || e.Message == "" {
				t.Errorf("refusal without a message in both languages: %+v", e)
			}
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 || limited != n-1 {
		t.Fatalf("%d stored, %d limited; want 1 and %d", ok, limited, n-1)
	}
	// Another staff member from the same device is a different count.
	r := goodResponse("other-staff")
	r.NIP, r.Channel = otherNIP, survey.ChannelQR
	if _, err := db.CreateResponseWith(ctx, r, staticIntake("dev-a", "addr-x", l)); err != nil {
		t.Errorf("another staff member from the same device: %v", err)
	}
	// The address limit: three from one address on three devices, the fourth refused.
	for i := range 4 {
		r := goodResponse(fmt.Sprintf("addr-%d", i))
		r.Channel = survey.ChannelQR
		_, err := db.CreateResponseWith(ctx, r, staticIntake(fmt.Sprintf("dev-%d", i), "shared-addr", l))
		if want := i < 3; (err == nil) != want {
			t.Errorf("rating %d from one address: %v", i+1, err)
		}
	}
	refused, err := db.CountRefusals(ctx, intakeStart.Add(-time.Hour), intakeStart.Add(24*time.Hour))
	if err != nil || refused[survey.RefusedDevice] != n-1 || refused[survey.RefusedAddress] != 1 {
		t.Errorf("refusals = %v (%v), want %d by device and 1 by address", refused, err, n-1)
	}
	// After the window the device may rate the same person again; 0 turns a limit off.
	clock.Add(4*time.Hour + time.Second)
	r = goodResponse("next-day")
	r.Channel = survey.ChannelQR
	if _, err := db.CreateResponseWith(ctx, r, staticIntake("dev-a", "addr-y", l)); err != nil {
		t.Errorf("after the window: %v", err)
	}
	for i := range 3 {
		r := goodResponse(fmt.Sprintf("off-%d", i))
		r.Channel = survey.ChannelQR
		if _, err := db.CreateResponseWith(ctx, r, staticIntake("dev-a", "addr-y", survey.Limits{})); err != nil {
			t.Errorf("limits off, rating %d: %v", i, err)
		}
	}
}

// MustFlags stores r with in and returns the flags it was stored with.
func MustFlags(tb testing.TB, db *sqlite.KioskDB, r *survey.Response, in survey.Intake) []string {
	tb.Helper()
	if _, err := db.CreateResponseWith(context.Background(), r, in); err != nil {
		tb.Fatal(err)
	}
	got, err := db.ResponseByID(context.Background(), r.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return got.Flags
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func TestSuspiciousPatternsAreFlaggedNotDropped(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	l := survey.Limits{BurstCount: 3, BurstWindow: 10 * time.Minute, NoVisitWindow: 4 * time.Hour}

	// A burst: the fourth rating of one person within ten minutes, from any device.
	for i := range 4 {
		r := goodResponse(fmt.Sprintf("b-%d", i))
		r.Channel = survey.ChannelQR
		flags := MustFlags(t, db, r, staticIntake(fmt.Sprintf("d-%d", i), fmt.Sprintf("a-%d", i), l))
		if got, want := hasFlag(flags, survey.FlagBurst), i == 3; got != want {
			t.Errorf("rating %d: burst flag %v, want %v (flags %v)", i+1, got, want, flags)
		}
		clock.Add(time.Minute)
	}
	clock.Add(time.Hour)

	// From the staff member's own counter device (or its address).
	if err := db.RegisterCounterDevice(ctx, testNIP, []string{"counter-dev", "counter-addr"}); err != nil {
		t.Fatal(err)
	}
	r := goodResponse("own")
	r.Channel = survey.ChannelQR
	if flags := MustFlags(t, db, r, staticIntake("counter-dev", "a-own", l)); !hasFlag(flags, survey.FlagOwnDevice) {
		t.Errorf("rating from the counter device: flags %v", flags)
	}
	r = goodResponse("own-addr")
	r.Channel = survey.ChannelAPI
	if flags := MustFlags(t, db, r, staticIntake("", "counter-addr", l)); !hasFlag(flags, survey.FlagOwnDevice) {
		t.Errorf("rating from the counter address: flags %v", flags)
	}
	r = goodResponse("colleague")
	r.NIP, r.Channel = otherNIP, survey.ChannelQR
	if flags := MustFlags(t, db, r, staticIntake("counter-dev", "a-c", l)); hasFlag(flags, survey.FlagOwnDevice) {
		t.Errorf("rating of a colleague from a counter device flagged own_device: %v", flags)
	}

	// No visit: only once the office issues visits, and only for someone without one.
	r = goodResponse("before-visits")
	r.Channel = survey.ChannelQR
	if flags := MustFlags(t, db, r, staticIntake("d-x", "a-x", l)); hasFlag(flags, survey.FlagNoVisit) {
		t.Errorf("no_visit before the office issued any visit: %v", flags)
	}
	MustCreateVisit(t, db, otherNIP, "KTPEL_BARU", time.Hour)
	r = goodResponse("no-visit")
	r.Channel = survey.ChannelQR
	if flags := MustFlags(t, db, r, staticIntake("d-y", "a-y", l)); !hasFlag(flags, survey.FlagNoVisit) {
		t.Errorf("rating of someone without visits while the office issues them: %v", flags)
	}
	r = goodResponse("has-visit")
	r.NIP, r.Channel = otherNIP, survey.ChannelQR
	if flags := MustFlags(t, db, r, staticIntake("d-z", "a-z", l)); hasFlag(flags, survey.FlagNoVisit) {
		t.Errorf("rating of someone with a recent visit flagged no_visit: %v", flags)
	}

	// A static-QR rating whose browser returned no device cookie.
	r = goodResponse("no-cookie")
	r.NIP, r.Channel = otherNIP, survey.ChannelQR
	if flags := MustFlags(t, db, r, staticIntake("", "a-n", l)); !hasFlag(flags, survey.FlagNoDevice) {
		t.Errorf("rating without a device cookie: %v", flags)
	}

	// Every flagged rating was stored, and the flags go to central with it.
	pending, err := db.PendingResponses(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, p := range pending {
		if len(p.Flags) > 0 {
			flagged++
		}
	}
	if n, err := db.CountFlagged(ctx, intakeStart, intakeStart.Add(24*time.Hour)); err != nil || n != int64(flagged) || flagged < 5 {
		t.Errorf("CountFlagged = %d (%v); %d pending responses carry flags", n, err, flagged)
	}
}

func TestFollowUpStoredApartAndPurged(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	r := goodResponse("contact")
	r.Comment = "Antrean terlalu lama"
	in := survey.Intake{Contact: &survey.FollowUp{Contact: "0812 3456 7890", Consent: "Saya setuju dihubungi", Lang: "id"}}
	if _, err := db.CreateResponseWith(ctx, r, in); err != nil {
		t.Fatal(err)
	}
	got, err := db.ResponseByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fmt.Sprintf("%+v", got), "3456") {
		t.Errorf("the contact is part of the response: %+v", got)
	}
	open, err := db.FindFollowUps(ctx)
	if err != nil || len(open) != 1 || open[0].Contact != "0812 3456 7890" || open[0].Comment != r.Comment || open[0].ResponseID != r.ID {
		t.Fatalf("FindFollowUps = %+v (%v)", open, err)
	}
	if err := db.CloseFollowUp(ctx, open[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.CloseFollowUp(ctx, open[0].ID); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("closing twice: %v, want not found", err)
	}
	if open, _ := db.FindFollowUps(ctx); len(open) != 0 {
		t.Errorf("a closed follow-up is still listed: %+v", open)
	}

	// Retention: another contact, a visit, limit counters and a refusal expire.
	r2 := goodResponse("contact-2")
	if _, err := db.CreateResponseWith(ctx, r2, survey.Intake{Contact: &survey.FollowUp{Contact: "warga@example.id", Consent: "ok", Lang: "en"}}); err != nil {
		t.Fatal(err)
	}
	MustCreateVisit(t, db, testNIP, "KTPEL_BARU", time.Hour)
	l := survey.Limits{PerDevice: 1, DeviceWindow: time.Hour}
	r3 := goodResponse("limited")
	r3.Channel = survey.ChannelQR
	if _, err := db.CreateResponseWith(ctx, r3, staticIntake("dev", "", l)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateResponseWith(ctx, goodResponse("limited-2"), staticIntake("dev", "", l)); survey.ErrorCode(err) != survey.ERATELIMIT {
		t.Fatalf("second rating: %v", err)
	}
	policy := survey.RetentionPolicy{Visits: 30 * 24 * time.Hour, Contacts: 7 * 24 * time.Hour, Pseudonyms: 2 * 24 * time.Hour, Refusals: 30 * 24 * time.Hour}
	if res, err := db.Purge(ctx, policy, clock.Now()); err != nil || res.Visits+res.Contacts+res.Pseudonyms+res.Refusals != 0 {
		t.Errorf("purge of fresh data = %+v (%v), want nothing deleted", res, err)
	}
	res, err := db.Purge(ctx, policy, clock.Now().Add(31*24*time.Hour))
	if err != nil || res.Visits != 1 || res.Contacts != 1 || res.Pseudonyms != 1 || res.Refusals != 1 {
		t.Errorf("purge a month later = %+v (%v), want 1 visit, 1 contact, 1 counter row, 1 refusal day", res, err)
	}
	if n, _ := db.CountResponses(ctx); n != 3 {
		t.Errorf("%d responses after purge, want 3 (unsynced responses are never deleted)", n)
	}
}

// TestVisitTallies counts visits issued and rated per Asia/Jakarta day,
// staff member and service, from a given time on.
func TestVisitTallies(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	a := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour) // 10:00 WIB on the 15th
	MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour)
	MustCreateVisit(t, db, otherNIP, "KIA", 2*time.Hour)
	if _, err := db.CreateResponseWith(ctx, visitResponse(a, "form-a"), survey.Intake{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(14*time.Hour + 30*time.Minute) // 00:30 WIB on the 16th, still the 15th in UTC
	b := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour)
	if _, err := db.CreateResponseWith(ctx, visitResponse(b, "form-b"), survey.Intake{}); err != nil {
		t.Fatal(err)
	}
	got, err := db.VisitTallies(ctx, time.Time{})
	want := []survey.VisitTally{
		{Day: "2030-06-15", NIP: testNIP, Service: "KTPEL_BARU", Issued: 2, Rated: 1},
		{Day: "2030-06-15", NIP: otherNIP, Service: "KIA", Issued: 1, Rated: 0},
		{Day: "2030-06-16", NIP: testNIP, Service: "KTPEL_BARU", Issued: 1, Rated: 1},
	}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("VisitTallies = %+v (%v), want %+v", got, err, want)
	}
	for _, tally := range got {
		if err := tally.Check(); err != nil {
			t.Errorf("tally %+v does not pass its own check: %v", tally, err)
		}
	}
	if got, err := db.VisitTallies(ctx, intakeStart.Add(time.Hour)); err != nil || len(got) != 1 || got[0].Day != "2030-06-16" {
		t.Errorf("VisitTallies since 11:00 WIB on the 15th = %+v (%v), want the 16th only", got, err)
	}
}
