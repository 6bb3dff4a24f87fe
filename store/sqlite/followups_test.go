package sqlite_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// TestTrackingCodesFollowCentral stores a contact with a tracking code,
// lists it with central's answers, and deletes the contact once central
// reports the case answered; the code outlives a contact the office closed.
func TestTrackingCodesFollowCentral(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	codes := []string{survey.NewTrackingCode(), survey.NewTrackingCode(), survey.NewTrackingCode()}
	var ids []string
	for i, code := range codes {
		r := goodResponse("tracked-" + code)
		in := survey.Intake{Contact: &survey.FollowUp{Contact: "0812 3456 789" + string(rune('0'+i)), Consent: "setuju", Lang: "id", Code: code}}
		if _, err := db.CreateResponseWith(ctx, r, in); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
		clock.Add(time.Minute)
	}
	untracked := goodResponse("untracked")
	if _, err := db.CreateResponseWith(ctx, untracked, survey.Intake{Contact: &survey.FollowUp{Contact: "warga@example.id", Consent: "setuju", Lang: "id"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.TrackingCodeOf(ctx, ids[1]); err != nil || got != codes[1] {
		t.Errorf("TrackingCodeOf = %q, %v; want %q", got, err, codes[1])
	}
	if _, err := db.TrackingCodeOf(ctx, untracked.ID); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("TrackingCodeOf an untracked rating: %v, want not found", err)
	}
	if ok, err := db.HasTrackingCode(ctx, codes[2]); !ok || err != nil {
		t.Errorf("HasTrackingCode(given) = %v, %v", ok, err)
	}
	if ok, err := db.HasTrackingCode(ctx, survey.NewTrackingCode()); ok || err != nil {
		t.Errorf("HasTrackingCode(never given) = %v, %v", ok, err)
	}
	pending, err := db.PendingTrackingCodes(ctx, "", 10)
	byCode := map[string]string{}
	for _, p := range pending {
		byCode[p.Code] = p.ResponseID
	}
	if err != nil || len(pending) != 3 || byCode[codes[0]] != ids[0] || !slices.IsSortedFunc(pending, func(a, b survey.FollowUpRef) int { return strings.Compare(a.Code, b.Code) }) {
		t.Fatalf("PendingTrackingCodes = %+v (%v), want the three in code order", pending, err)
	}
	page, _ := db.PendingTrackingCodes(ctx, "", 2)
	rest, _ := db.PendingTrackingCodes(ctx, page[1].Code, 2)
	if len(page) != 2 || len(rest) != 1 || rest[0] != pending[2] {
		t.Errorf("PendingTrackingCodes in pages of 2: %+v then %+v", page, rest)
	}

	// The office closes the second contact itself: its code stays pending.
	list, _ := db.FindFollowUps(ctx)
	for _, f := range list {
		if f.Code == codes[1] {
			if err := db.CloseFollowUp(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	results := []survey.FollowUpResult{
		{Code: codes[0], Status: string(survey.FollowUpAnswered)},
		{Code: codes[1], Status: string(survey.FollowUpInProgress)},
		{Code: codes[2], Status: survey.FollowUpRefused, Reason: "no follow-up element of the rating is 1 or 2"},
	}
	deleted, err := db.ApplyFollowUpResults(ctx, results, clock.Now())
	if err != nil || deleted != 1 {
		t.Fatalf("ApplyFollowUpResults deleted %d contacts (%v), want the answered case's one", deleted, err)
	}
	list, err = db.FindFollowUps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, f := range list {
		status[f.Code] = f.Status
		if strings.HasSuffix(f.Contact, "0") {
			t.Errorf("the answered case's contact is still kept: %+v", f)
		}
	}
	if len(list) != 2 || status[codes[2]] != survey.FollowUpRefused || status[""] != "" {
		t.Errorf("after central's answers the kiosk lists %+v", list)
	}
	// Only the open case is asked about again.
	if pending, err := db.PendingTrackingCodes(ctx, "", 10); err != nil || len(pending) != 1 || pending[0].Code != codes[1] {
		t.Errorf("PendingTrackingCodes after the answers = %+v (%v), want the case in progress", pending, err)
	}

	// Codes go after their retention, contacts after theirs.
	policy := survey.RetentionPolicy{Contacts: 7 * 24 * time.Hour, TrackingCodes: 30 * 24 * time.Hour}
	res, err := db.Purge(ctx, policy, clock.Now().Add(8*24*time.Hour))
	if err != nil || res.Contacts != 2 || res.Codes != 0 {
		t.Errorf("purge after 8 days = %+v (%v), want the two contacts left, no code", res, err)
	}
	res, err = db.Purge(ctx, policy, clock.Now().Add(31*24*time.Hour))
	if err != nil || res.Codes != 3 {
		t.Errorf("purge after 31 days = %+v (%v), want the three codes", res, err)
	}
}

// TestPartialsKeptApart keeps unfinished surveys once per form, never as
// responses, and purges them.
func TestPartialsKeptApart(t *testing.T) {
	db, clock, _ := MustOpenIntakeKiosk(t)
	ctx := context.Background()
	p := survey.Partial{FormKey: "form-1", NIP: testNIP, Service: " kia ", Channel: survey.ChannelKiosk}
	p.Ratings.Set(survey.Persyaratan, 2)
	if err := db.SavePartial(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Ratings.Set(survey.Prosedur, 1) // the same form kept again, with one more answer
	if err := db.SavePartial(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []survey.Partial{
		{FormKey: "form-2", NIP: testNIP},                             // nothing answered
		{NIP: testNIP, Ratings: survey.Ratings{1}},                    // no form
		{FormKey: "form-3", NIP: testNIP, Ratings: survey.Ratings{5}}, // out of range
	} {
		if err := db.SavePartial(ctx, bad); survey.ErrorCode(err) != survey.EINVALID {
			t.Errorf("SavePartial(%+v) = %v, want EINVALID", bad, err)
		}
	}
	day := clock.Now().Add(-time.Hour)
	if n, err := db.CountPartials(ctx, day, day.Add(24*time.Hour)); err != nil || n != 1 {
		t.Errorf("CountPartials = %d (%v), want 1", n, err)
	}
	if n, _ := db.CountResponses(ctx); n != 0 {
		t.Errorf("%d responses: a partial survey became a response", n)
	}
	if pending, _ := db.PendingResponses(ctx, 0, 10); len(pending) != 0 {
		t.Errorf("a partial survey is pending for sync: %+v", pending)
	}
	res, err := db.Purge(ctx, survey.RetentionPolicy{Partials: 24 * time.Hour}, clock.Now().Add(25*time.Hour))
	if err != nil || res.Partials != 1 {
		t.Errorf("purge = %+v (%v), want the partial", res, err)
	}
}
