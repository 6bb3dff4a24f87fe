package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// phone is a claimant with a device cookie (hash dev) at address addr.
func phone(dev, addr string) survey.VisitClaimant {
	return survey.VisitClaimant{Device: survey.VisitClaim{Kind: survey.ClaimDevice, Hash: dev},
		Address: survey.VisitClaim{Kind: survey.ClaimAddress, Hash: addr}}
}

// MustRefusals returns today's refusal counts per reason.
func MustRefusals(tb testing.TB, db *sqlite.KioskDB) map[string]int64 {
	tb.Helper()
	n, err := db.CountRefusals(context.Background(), intakeStart.Add(-24*time.Hour), intakeStart.Add(48*time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestOpenVisitClaimsOnceAndContestsAreKept(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	v := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour)
	citizen, rival := phone("citizen", "wifi"), phone("rival", "wifi")

	opened, err := db.OpenVisit(ctx, v.ID, citizen, clock.Now())
	if err != nil || opened.Claim != citizen.Device || !opened.ClaimedAt.Equal(clock.Now()) || opened.Contested() {
		t.Fatalf("first open: %+v (%v)", opened, err)
	}
	clock.Add(time.Minute)
	if again, err := db.OpenVisit(ctx, v.ID, citizen, clock.Now()); err != nil || !again.ClaimedAt.Equal(intakeStart) {
		t.Errorf("the same phone again: %+v (%v), want its first claim kept", again, err)
	}
	// Another phone: refused, the visit marked contested, the refusal counted.
	if _, err := db.OpenVisit(ctx, v.ID, rival, clock.Now()); survey.ErrorCode(err) != survey.ECONFLICT || survey.AsError(err).Field != "visit_token" {
		t.Fatalf("another phone: %v, want ErrVisitTaken", err)
	}
	got, err := db.VisitByID(ctx, v.ID)
	if err != nil || !got.ContestedAt.Equal(clock.Now()) || got.Contests != 1 || got.Claim != citizen.Device {
		t.Fatalf("after the contest: %+v (%v)", got, err)
	}
	// Rating through the visit from the rival phone is refused too, and counted again.
	r := visitResponse(v, "rival-form")
	if _, err := db.CreateResponseWith(ctx, r, survey.Intake{Claimant: &rival}); survey.ErrorCode(err) != survey.ECONFLICT {
		t.Fatalf("rating from the rival phone: %v, want 409", err)
	}
	if n := MustRefusals(t, db)[survey.RefusedVisitTaken]; n != 2 {
		t.Errorf("%d visit_taken refusals, want 2", n)
	}
	// The claiming phone rates: verified, and flagged code_contested.
	r = visitResponse(v, "citizen-form")
	if created, err := db.CreateResponseWith(ctx, r, survey.Intake{Claimant: &citizen}); err != nil || !created {
		t.Fatalf("rating from the claiming phone: %v", err)
	}
	if !r.Verified || !slices.Contains(r.Flags, survey.FlagCodeContested) {
		t.Errorf("stored %+v, want verified and flagged %s", r, survey.FlagCodeContested)
	}
	if _, err := db.OpenVisit(ctx, v.ID, citizen, clock.Now()); survey.ErrorCode(err) != survey.ECONFLICT {
		t.Errorf("opening a rated visit: %v, want ErrVisitUsed", err)
	}
	expiring := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", time.Hour)
	clock.Add(time.Hour)
	if _, err := db.OpenVisit(ctx, expiring.ID, citizen, clock.Now()); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("opening an expired visit: %v", err)
	}
	if _, err := db.OpenVisit(ctx, "tidakadakunjungan", citizen, clock.Now()); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("opening an unknown visit: %v", err)
	}
}

func TestVisitClaimedByAnUnclaimedRating(t *testing.T) {
	db, _, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	v := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour)
	api := survey.VisitClaimant{Address: survey.VisitClaim{Kind: survey.ClaimAddress, Hash: "queue-pc"}}
	if _, err := db.CreateResponseWith(ctx, visitResponse(v, "k"), survey.Intake{Claimant: &api}); err != nil {
		t.Fatal(err)
	}
	got, err := db.VisitByID(ctx, v.ID)
	if err != nil || got.Claim != api.Address || got.ClaimedAt.IsZero() || !got.Used() {
		t.Errorf("visit after a rating nobody opened first: %+v (%v), want claimed by the rater", got, err)
	}
}

func TestVisitOpenedFromOwnCounterDeviceIsFlagged(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	if err := db.RegisterCounterDevice(ctx, testNIP, []string{"counter-pc", "counter-addr"}); err != nil {
		t.Fatal(err)
	}
	v := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour)
	own := phone("staff-phone", "wifi")
	own.Pseudonyms = []string{"elsewhere", "counter-addr"} // the phone shares the counter PC's address
	opened, err := db.OpenVisit(ctx, v.ID, own, clock.Now())
	if err != nil || !opened.OpenedOwn {
		t.Fatalf("open from the counter's address: %+v (%v), want opened_own", opened, err)
	}
	// Rated later without the pseudonyms (say after a key rotation): still flagged, still verified.
	r := visitResponse(v, "own")
	own.Pseudonyms = nil
	if _, err := db.CreateResponseWith(ctx, r, survey.Intake{Claimant: &own}); err != nil {
		t.Fatal(err)
	}
	if !r.Verified || !slices.Contains(r.Flags, survey.FlagOwnDevice) || slices.Contains(r.Flags, survey.FlagCodeContested) {
		t.Errorf("flags %v verified %v, want own_device only, verified", r.Flags, r.Verified)
	}
	// Another staff member's counter device is not "own" for this visit.
	other := MustCreateVisit(t, db, otherNIP, "KTPEL_BARU", 2*time.Hour)
	c := phone("x", "y")
	c.Pseudonyms = []string{"counter-pc"}
	if opened, err := db.OpenVisit(ctx, other.ID, c, clock.Now()); err != nil || opened.OpenedOwn {
		t.Errorf("another staff member's visit: %+v (%v), want not own", opened, err)
	}
}

func TestOpenVisitUnderConcurrencyHasOneClaimant(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	v := MustCreateVisit(t, db, testNIP, "KTPEL_BARU", 2*time.Hour)
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.OpenVisit(context.Background(), v.ID, phone(fmt.Sprintf("phone-%d", i), "wifi"), clock.Now())
		}()
	}
	wg.Wait()
	ok, taken := 0, 0
	for i, err := range errs {
		switch survey.ErrorCode(err) {
		case "":
			ok++
		case survey.ECONFLICT:
			taken++
		default:
			t.Errorf("phone %d: %v", i, err)
		}
	}
	got, err := db.VisitByID(context.Background(), v.ID)
	if ok != 1 || taken != n-1 || err != nil || got.Contests != n-1 {
		t.Errorf("%d claimed, %d refused, contests %d (%v); want 1, %d, %d", ok, taken, got.Contests, err, n-1, n-1)
	}
}

func TestCreateVisitCapPerIssuer(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	cap := survey.MintCap{Count: 3, Window: time.Hour, Reason: survey.RefusedMintAccount}
	mint := func(issuer string) error {
		v := survey.Visit{ID: survey.NewVisitID(), NIP: testNIP, Service: "KTPEL_BARU", IssuedBy: issuer,
			IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
		return db.CreateVisit(ctx, &v, cap)
	}
	// Eight at once from one account: exactly three are created.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = mint("user:loket1") }()
	}
	wg.Wait()
	created, limited := 0, 0
	for _, err := range errs {
		switch survey.ErrorCode(err) {
		case "":
			created++
		case survey.ERATELIMIT:
			limited++
		default:
			t.Errorf("mint: %v", err)
		}
	}
	if created != 3 || limited != 5 {
		t.Fatalf("%d created and %d refused, want 3 and 5", created, limited)
	}
	if n := MustRefusals(t, db)[survey.RefusedMintAccount]; n != 5 {
		t.Errorf("%d mint_account refusals counted, want 5", n)
	}
	if err := mint("user:loket2"); err != nil {
		t.Errorf("another account: %v", err)
	}
	if err := db.CreateVisit(ctx, &survey.Visit{ID: survey.NewVisitID(), NIP: testNIP, Service: "KTPEL_BARU", IssuedBy: "user:loket1",
		IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}, survey.MintCap{}); err != nil {
		t.Errorf("no cap: %v", err)
	}
	clock.Add(time.Hour)
	if err := mint("user:loket1"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestFindTabletVisits(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	mint := func(forTablet bool, ttl time.Duration) survey.Visit {
		v := survey.Visit{ID: survey.NewVisitID(), NIP: testNIP, Service: "KTPEL_BARU", IssuedBy: "user:loket1",
			IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(ttl), ForTablet: forTablet}
		if err := db.CreateVisit(ctx, &v, survey.MintCap{}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	old := mint(true, 2*time.Hour)
	clock.Add(20 * time.Minute)
	mint(false, 2*time.Hour) // a phone's QR code
	rated := mint(true, 2*time.Hour)
	if _, err := db.CreateResponseWith(ctx, visitResponse(rated, "r"), survey.Intake{}); err != nil {
		t.Fatal(err)
	}
	short := mint(true, 30*time.Second)
	clock.Add(time.Second)
	fresh := mint(true, 2*time.Hour)
	got, err := db.FindTabletVisits(ctx, clock.Now().Add(-10*time.Minute), clock.Now().Add(time.Minute))
	if err != nil || len(got) != 1 || got[0].ID != fresh.ID || !got[0].ForTablet {
		t.Errorf("FindTabletVisits = %+v (%v), want only %s (not %s: too old, nor the rated, the expired %s, the phone's)", got, err, fresh.ID, old.ID, short.ID)
	}
}

func TestTablets(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	enroll := func(name, pin string) survey.Tablet {
		tb := survey.Tablet{ID: survey.NewTabletID(), Name: name, PinAddress: pin, EnrolledBy: "admin", EnrolledAt: clock.Now()}
		if err := db.CreateTablet(ctx, &tb); err != nil {
			t.Fatal(err)
		}
		return tb
	}
	b := enroll("  Tablet   meja B ", "")
	a := enroll("Tablet meja A", "192.168.1.30")
	if b.Name != "Tablet meja B" {
		t.Errorf("name stored as %q, want spaces folded", b.Name)
	}
	for _, name := range []string{" ", strings.Repeat("é", survey.MaxTabletName+1), "Tablet\xff"} {
		if err := db.CreateTablet(ctx, &survey.Tablet{ID: survey.NewTabletID(), Name: name, EnrolledBy: "admin", EnrolledAt: clock.Now()}); survey.ErrorCode(err) != survey.EINVALID {
			t.Errorf("name %q: %v, want refused", name, err)
		}
	}
	if _, err := survey.ValidateTabletName(strings.Repeat("é", survey.MaxTabletName)); err != nil {
		t.Errorf("a name of %d characters: %v", survey.MaxTabletName, err)
	}
	got, err := db.TabletByID(ctx, a.ID)
	if err != nil || got.Name != a.Name || got.PinAddress != "192.168.1.30" || !got.EnrolledAt.Equal(clock.Now()) || got.Revoked() || !got.LastSeenAt.IsZero() {
		t.Errorf("TabletByID = %+v (%v)", got, err)
	}
	if _, err := db.TabletByID(ctx, "tidakada"); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("an unknown tablet: %v", err)
	}
	// Use is recorded at most once a minute.
	for range 3 {
		if err := db.TouchTablet(ctx, a.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		clock.Add(10 * time.Second)
	}
	if got, _ := db.TabletByID(ctx, a.ID); !got.LastSeenAt.Equal(intakeStart) {
		t.Errorf("last seen %s, want the first use %s", got.LastSeenAt, intakeStart)
	}
	if err := db.RenameTablet(ctx, b.ID, "Tablet loket 2"); err != nil {
		t.Fatal(err)
	}
	if err := db.RenameTablet(ctx, b.ID, ""); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("renamed to nothing: %v", err)
	}
	if err := db.RevokeTablet(ctx, a.ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	revokedAt := clock.Now()
	clock.Add(time.Hour)
	if err := db.RevokeTablet(ctx, a.ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeTablet(ctx, "tidakada", clock.Now()); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("revoking an unknown tablet: %v", err)
	}
	list, err := db.FindTablets(ctx)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[0].Name != "Tablet loket 2" || list[1].ID != a.ID || !list[1].RevokedAt.Equal(revokedAt) {
		t.Errorf("FindTablets = %+v (%v), want the active one first and the first revocation kept", list, err)
	}
}

func TestCountRefusal(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	for range 3 {
		if err := db.CountRefusal(context.Background(), clock.Now(), "", survey.RefusedTablet); err != nil {
			t.Fatal(err)
		}
	}
	if n := MustRefusals(t, db); n[survey.RefusedTablet] != 3 || len(n) != 1 {
		t.Errorf("refusals %v, want 3 for tablet", n)
	}
}
