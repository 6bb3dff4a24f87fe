package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// testFollowUps runs the follow-up flow: a kiosk's tracking codes open
// cases for its low ratings (once, whatever the resends), the office
// records an action and an answer, and the overdue and period queries pick
// the right cases. Cases hold no contact.
func testFollowUps(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o := MustCreateOffice(t, f.s, "Kantor")
	other := MustCreateOffice(t, f.s, "Kantor Lain")
	k := MustCreateKiosk(t, f.s, o.ID)
	k2 := MustCreateKiosk(t, f.s, other.ID)
	MustAddStaff(t, f.s, o.ID, NIP1, "Siti", "Dafduk", "1")
	low := func(seq int64) survey.Ratings {
		r := VariedRatings(seq)
		for i := range r {
			r[i] = 3
		}
		switch seq {
		case 1:
			r.Set(survey.Perilaku, 1)
		case 2:
			r.Set(survey.Pengaduan, 2)
			r.Set(survey.Kompetensi, 1)
		case 4:
			r.Set(survey.Sarana, 1) // low, but not a follow-up element
		}
		return r
	}
	chain := Chain{Ratings: low, Edit: func(r *survey.Response) { r.Comment = "antre lama" }}
	rs := chain.Next(4)
	for i := range rs {
		rs[i].KioskID = k.ID
	}
	received := T0.Add(16 * time.Hour)
	MustIngest(t, f.s, Request(k.ID, rs[:3], received))
	cal, err := survey.NewWorkCalendar([]string{"2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	p := survey.FollowUpPolicy{Elements: survey.DefaultFollowUpElements, DueDays: 5, Calendar: cal}
	codes := []string{"AAAA-AAAA-AAA1", "AAAA-AAAA-AAA2", "AAAA-AAAA-AAA3", "AAAA-AAAA-AAA4"}
	refs := []survey.FollowUpRef{
		{Code: codes[0], ResponseID: rs[0].ID},
		{Code: codes[1], ResponseID: strings.ToUpper(rs[1].ID)}, // any spelling of the UUID
		{Code: codes[2], ResponseID: rs[3].ID},                  // not at central yet
		{Code: codes[3], ResponseID: rs[2].ID},                  // not low
	}
	f.clock.Set(received)
	got, err := f.s.OpenFollowUps(f.ctx, k.ID, refs, p, received)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := []string{string(survey.FollowUpReceived), string(survey.FollowUpReceived), survey.FollowUpPending, survey.FollowUpRefused}
	for i, r := range got {
		if r.Code != codes[i] || r.Status != wantStatus[i] {
			t.Errorf("reference %d: %+v, want %s", i, r, wantStatus[i])
		}
	}
	c, err := f.s.FollowUpCaseByCode(f.ctx, codes[1])
	if err != nil {
		t.Fatal(err)
	}
	// Thursday 26 November, 10:00 WIB; five working days with 1 December a
	// holiday: 27, 30 November, 2, 3, 4 December.
	wantDue := time.Date(2026, 12, 5, 0, 0, 0, 0, survey.Jakarta)
	if c.ResponseID != rs[1].ID || c.OfficeID != o.ID || c.KioskID != k.ID || c.NIP != NIP1 || c.Service != "KIA" || c.Comment != "antre lama" ||
		!slices.Equal(c.Elements, []survey.Element{survey.Kompetensi, survey.Pengaduan}) || c.Status != survey.FollowUpReceived ||
		!c.OpenedAt.Equal(rs[1].CreatedAt) || !c.DueAt.Equal(wantDue) || c.AnsweredAt != nil {
		t.Errorf("case = %+v", c)
	}

	// The next sync: the rating arrived; everything is sent again.
	MustIngest(t, f.s, Request(k.ID, rs[3:], received.Add(24*time.Hour)))
	if got, err = f.s.OpenFollowUps(f.ctx, k.ID, refs, p, received.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got[0].Status != string(survey.FollowUpReceived) || got[2].Status != survey.FollowUpRefused || got[3].Status != survey.FollowUpRefused {
		t.Errorf("second sync: %+v", got)
	}
	// Another kiosk cannot take or read these codes and ratings; a second code for a rating is refused alone.
	abuse := []survey.FollowUpRef{{Code: codes[0], ResponseID: rs[0].ID}, {Code: "BBBB-BBBB-BBB1", ResponseID: rs[1].ID},
		{Code: "BBBB-BBBB-BBB2", ResponseID: "not-a-uuid"}}
	if got, err = f.s.OpenFollowUps(f.ctx, k2.ID, abuse, p, received); err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if r.Status != survey.FollowUpRefused || r.Reason == "" {
			t.Errorf("another kiosk's reference %d: %+v, want refused with a reason", i, r)
		}
	}
	if got, err = f.s.OpenFollowUps(f.ctx, k.ID, []survey.FollowUpRef{{Code: "BBBB-BBBB-BBB3", ResponseID: rs[1].ID}, refs[0]}, p, received); err != nil ||
		got[0].Status != survey.FollowUpRefused || got[1].Status != string(survey.FollowUpReceived) {
		t.Errorf("a second code for a rating: %+v (%v), want it refused and the other reference answered", got, err)
	}
	if _, err := f.s.FollowUpCaseByCode(f.ctx, "BBBB-BBBB-BBB3"); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("the refused code opened a case: %v", err)
	}

	// The office records an action, then its answer.
	f.clock.Set(received.Add(30 * time.Hour))
	if err := c.Apply(survey.FollowUpUpdate{Status: survey.FollowUpInProgress, Action: "Warga ditelepon", By: "kepala", At: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.UpdateFollowUpCase(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	answeredAt := time.Date(2026, 12, 2, 9, 0, 0, 0, survey.Jakarta)
	if err := c.Apply(survey.FollowUpUpdate{Status: survey.FollowUpAnswered, Action: "Warga ditelepon", Answer: "Loket pengaduan dibuka.", By: "kepala", At: answeredAt}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.UpdateFollowUpCase(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	back, err := f.s.FollowUpCaseByID(f.ctx, o.ID, c.ID)
	if err != nil || back.Status != survey.FollowUpAnswered || back.Answer != "Loket pengaduan dibuka." || back.Action != "Warga ditelepon" ||
		back.AnsweredAt == nil || !back.AnsweredAt.Equal(answeredAt) || back.UpdatedBy != "kepala" {
		t.Errorf("case after the answer = %+v (%v)", back, err)
	}
	if _, err := f.s.FollowUpCaseByID(f.ctx, other.ID, c.ID); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("another office's case: %v, want not found", err)
	}
	wrong := back
	wrong.OfficeID = other.ID
	if err := f.s.UpdateFollowUpCase(f.ctx, wrong); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("updating through another office: %v, want not found", err)
	}
	if got, err := f.s.OpenFollowUps(f.ctx, k.ID, refs[1:2], p, received); err != nil || got[0].Status != string(survey.FollowUpAnswered) {
		t.Errorf("the kiosk asks again: %+v (%v), want answered", got, err)
	}

	// Queries: by office and period, open only, overdue.
	all, err := f.s.FindFollowUpCases(f.ctx, survey.FollowUpFilter{OfficeID: o.ID})
	if err != nil || len(all) != 2 || all[0].Code != codes[0] || all[1].Code != codes[1] {
		t.Fatalf("cases of the office = %+v (%v)", all, err)
	}
	if none, err := f.s.FindFollowUpCases(f.ctx, survey.FollowUpFilter{OfficeID: other.ID}); err != nil || len(none) != 0 {
		t.Errorf("cases of the other office = %+v (%v)", none, err)
	}
	open1, err := f.s.FindFollowUpCases(f.ctx, survey.FollowUpFilter{OpenOnly: true, DueBefore: wantDue})
	if err != nil || len(open1) != 1 || open1[0].Code != codes[0] {
		t.Errorf("open cases due by %s = %+v (%v), want the first", wantDue, open1, err)
	}
	if early, err := f.s.FindFollowUpCases(f.ctx, survey.FollowUpFilter{OpenOnly: true, DueBefore: wantDue.Add(-time.Second)}); err != nil || len(early) != 0 {
		t.Errorf("open cases due a second earlier = %+v (%v), want none", early, err)
	}
	period, err := f.s.FindFollowUpCases(f.ctx, survey.FollowUpFilter{OfficeID: o.ID, OpenedFrom: rs[1].CreatedAt, OpenedTo: rs[1].CreatedAt.Add(time.Second)})
	if err != nil || len(period) != 1 || period[0].Code != codes[1] {
		t.Errorf("cases opened in [%s, +1s) = %+v (%v)", rs[1].CreatedAt, period, err)
	}
	if limited, err := f.s.FindFollowUpCases(f.ctx, survey.FollowUpFilter{Limit: 1}); err != nil || len(limited) != 1 {
		t.Errorf("Limit 1: %d cases (%v)", len(limited), err)
	}
	stats := survey.SummarizeFollowUps(all, cal, f.clock.Now())
	if stats.Opened != 2 || stats.Answered != 1 || stats.OnTime != 1 || stats.MedianWorkingDays == nil || *stats.MedianWorkingDays != 3 {
		t.Errorf("stats = %+v (median %v), want 2 opened, 1 answered on time in 3 working days", stats, stats.MedianWorkingDays)
	}
}
