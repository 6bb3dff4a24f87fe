package survey

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// wib is a wall-clock time in Asia/Jakarta.
func wib(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Jakarta)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTrackingCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := NewTrackingCode()
		if len(c) != 14 || c[4] != '-' || c[9] != '-' {
			t.Fatalf("NewTrackingCode() = %q, want XXXX-XXXX-XXXX", c)
		}
		if got, err := ParseTrackingCode(c); err != nil || got != c {
			t.Fatalf("ParseTrackingCode(%q) = %q, %v", c, got, err)
		}
		if seen[c] {
			t.Fatalf("code %s drawn twice in 1,000", c)
		}
		seen[c] = true
	}
	for _, tc := range []struct{ in, want string }{
		{"k7m2-9pqx-4hrt", "K7M2-9PQX-4HRT"}, // any case
		{" K7M2 9PQX 4HRT ", "K7M2-9PQX-4HRT"},
		{"K7M29PQX4HRT", "K7M2-9PQX-4HRT"},
		{"O0IL-ABCD-EFGH", "0011-ABCD-EFGH"}, // look-alikes read as digits
		{"K7M2-9PQX-4HR", ""},                // too short
		{"K7M2-9PQX-4HRTX", ""},              // too long
		{"K7M2-9PQX-4HRU", ""},               // U is not in the alphabet
		{"K7M2-9PQX-4HRÉ", ""},
		{"", ""},
	} {
		got, err := ParseTrackingCode(tc.in)
		if tc.want == "" {
			if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(AsError(err).MessageID, "kode lacak") {
				t.Errorf("ParseTrackingCode(%q) = %q, %v; want a refusal in both languages", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseTrackingCode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestWorkCalendar(t *testing.T) {
	cal, err := NewWorkCalendar([]string{"2026-12-25", "2026-12-24"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		opened time.Time
		days   int
		want   time.Time
	}{
		// A Monday morning: Tuesday to the next Monday; due at the end of that Monday.
		{"monday", wib("2026-11-23 09:00"), 5, wib("2026-12-01 00:00")},
		// Late on a Friday: the Friday never counts, whatever the hour.
		{"friday night", wib("2026-11-27 23:59"), 5, wib("2026-12-05 00:00")},
		// A Saturday: the next five working days are Monday to Friday.
		{"saturday", wib("2026-11-28 10:00"), 5, wib("2026-12-05 00:00")},
		// 23 December (Wednesday): 24 and 25 December are holidays, 26–27 a weekend.
		{"over christmas", wib("2026-12-23 10:00"), 3, wib("2026-12-31 00:00")},
		{"zero days", wib("2026-11-23 09:00"), 0, wib("2026-11-24 00:00")},
	} {
		if got := cal.Due(tc.opened, tc.days); !got.Equal(tc.want) {
			t.Errorf("%s: Due(%s, %d) = %s, want %s", tc.name, tc.opened, tc.days, got.In(Jakarta), tc.want)
		}
	}
	// The same instant in UTC counts on the Jakarta day (Monday 02:00 WIB is Sunday in UTC).
	if got := cal.Due(wib("2026-11-23 02:00").UTC(), 1); !got.Equal(wib("2026-11-25 00:00")) {
		t.Errorf("Due from a UTC time = %s, want the end of Tuesday WIB", got.In(Jakarta))
	}
	for _, tc := range []struct {
		from, to time.Time
		want     int
	}{
		{wib("2026-11-23 09:00"), wib("2026-11-23 17:00"), 0}, // same day
		{wib("2026-11-23 09:00"), wib("2026-11-24 08:00"), 1}, // next morning
		{wib("2026-11-27 16:00"), wib("2026-11-30 09:00"), 1}, // Friday to Monday
		{wib("2026-12-23 10:00"), wib("2026-12-28 10:00"), 1}, // over the holidays
		{wib("2026-11-23 09:00"), wib("2026-11-20 09:00"), 0}, // before: nothing
	} {
		if got := cal.WorkingDays(tc.from, tc.to); got != tc.want {
			t.Errorf("WorkingDays(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
	if _, err := NewWorkCalendar([]string{"25-12-2026"}); err == nil || !strings.Contains(err.Error(), "25-12-2026") {
		t.Errorf("a holiday in the wrong format: %v, want an error naming it", err)
	}
}

func TestFollowUpElementsAndLow(t *testing.T) {
	if got := FollowUpElements([]Element{Perilaku, Kompetensi}); !slices.Equal(got, DefaultFollowUpElements) {
		t.Errorf("FollowUpElements(perilaku, kompetensi) = %v, want %v (regulation order, pengaduan added)", got, DefaultFollowUpElements)
	}
	if got := FollowUpElements([]Element{Pengaduan}); !slices.Equal(got, []Element{Pengaduan}) {
		t.Errorf("FollowUpElements(pengaduan) = %v, want it once", got)
	}
	var r Ratings
	for i := range r {
		r[i] = 4
	}
	r.Set(Sarana, 1)   // low, but not a follow-up element
	r.Set(Perilaku, 2) // low
	r.Set(Pengaduan, 3)
	if got := LowElements(r, DefaultFollowUpElements); !slices.Equal(got, []Element{Perilaku}) {
		t.Errorf("LowElements = %v, want [perilaku]", got)
	}
	r.Set(Perilaku, 3)
	if got := LowElements(r, DefaultFollowUpElements); len(got) != 0 {
		t.Errorf("LowElements with only sarana low = %v, want none", got)
	}
}

// lowResponse is a stored rating with perilaku 1.
func lowResponse(at time.Time) *StoredResponse {
	r := &StoredResponse{Response: Response{ID: "r1", KioskID: "k-1", NIP: "196608011988031001", Service: "KIA",
		Comment: "lama", CreatedAt: at}, OfficeID: 7, ReceivedAt: at.Add(20 * time.Hour)}
	for i := range r.Ratings {
		r.Ratings[i] = 3
	}
	r.Ratings.Set(Perilaku, 1)
	return r
}

func TestFollowUpPolicyOpen(t *testing.T) {
	cal, _ := NewWorkCalendar(nil)
	p := FollowUpPolicy{Elements: DefaultFollowUpElements, DueDays: 5, Calendar: cal}
	now := wib("2026-11-24 02:00")
	ref := FollowUpRef{Code: "K7M2-9PQX-4HRT", ResponseID: "r1"}
	rated := wib("2026-11-23 10:00")

	c, res := p.Open(ref, "k-1", lowResponse(rated), nil, now)
	if c == nil || res.Status != string(FollowUpReceived) {
		t.Fatalf("Open of a low rating = %v, %+v; want a received case", c, res)
	}
	if !c.OpenedAt.Equal(rated) || !c.DueAt.Equal(wib("2026-12-01 00:00")) || c.OfficeID != 7 || c.NIP != lowResponse(rated).NIP ||
		!slices.Equal(c.Elements, []Element{Perilaku}) || c.Comment != "lama" {
		t.Errorf("case = %+v", c)
	}

	// A kiosk clock a day ahead: the case opens when central received it.
	ahead := lowResponse(rated)
	ahead.ReceivedAt = rated.Add(-24 * time.Hour)
	if c, _ := p.Open(ref, "k-1", ahead, nil, now); c == nil || !c.OpenedAt.Equal(ahead.ReceivedAt) {
		t.Errorf("a rating dated after its arrival opens at %v, want its arrival", c)
	}

	existing := &FollowUpCase{Code: ref.Code, KioskID: "k-1", ResponseID: "r1", Status: FollowUpInProgress}
	for _, tc := range []struct {
		name     string
		kiosk    string
		r        *StoredResponse
		existing *FollowUpCase
		want     string
	}{
		{"sent again", "k-1", lowResponse(rated), existing, string(FollowUpInProgress)},
		{"code taken by another rating", "k-1", lowResponse(rated), &FollowUpCase{Code: ref.Code, KioskID: "k-1", ResponseID: "r0"}, FollowUpRefused},
		{"code taken by another kiosk", "k-2", lowResponse(rated), existing, FollowUpRefused},
		{"rating not here yet", "k-1", nil, nil, FollowUpPending},
		{"rating of another kiosk", "k-2", lowResponse(rated), nil, FollowUpRefused},
		{"rating not low", "k-1", func() *StoredResponse { r := lowResponse(rated); r.Ratings.Set(Perilaku, 3); return r }(), nil, FollowUpRefused},
	} {
		c, res := p.Open(ref, tc.kiosk, tc.r, tc.existing, now)
		if c != nil || res.Status != tc.want || res.Code != ref.Code {
			t.Errorf("%s: Open = %v, %+v; want no new case and %q", tc.name, c, res, tc.want)
		}
		if tc.want == FollowUpRefused && res.Reason == "" {
			t.Errorf("%s: a refusal without a reason", tc.name)
		}
	}
	bad := FollowUpRef{Code: "nope", ResponseID: "r1"}
	if err := bad.CheckRef(); ErrorCode(err) != EINVALID || AsError(err).Field != "code" {
		t.Errorf("CheckRef of a bad code: %v", err)
	}
	noID := FollowUpRef{Code: "k7m2 9pqx 4hrt"}
	if err := noID.CheckRef(); ErrorCode(err) != EINVALID || AsError(err).Field != "response_id" || noID.Code != "K7M2-9PQX-4HRT" {
		t.Errorf("CheckRef without a response id: %v (code %q)", err, noID.Code)
	}
}

func TestFollowUpApply(t *testing.T) {
	at := wib("2026-11-25 10:00")
	c := FollowUpCase{Status: FollowUpReceived}
	for _, tc := range []struct {
		name  string
		u     FollowUpUpdate
		field string
	}{
		{"in progress without an action", FollowUpUpdate{Status: FollowUpInProgress}, "action"},
		{"answered without an answer", FollowUpUpdate{Status: FollowUpAnswered, Action: "ditelepon"}, "answer"},
		{"unknown status", FollowUpUpdate{Status: "closed"}, "status"},
		{"answer too long", FollowUpUpdate{Status: FollowUpAnswered, Answer: strings.Repeat("a", MaxFollowUpText+1)}, "answer"},
		{"action not UTF-8", FollowUpUpdate{Status: FollowUpReceived, Action: "\xff"}, "action"},
	} {
		if err := c.Apply(tc.u); ErrorCode(err) != EINVALID || AsError(err).Field != tc.field {
			t.Errorf("%s: %v, want EINVALID on %s", tc.name, err, tc.field)
		}
	}
	if c.Status != FollowUpReceived {
		t.Fatalf("a refused update changed the case: %+v", c)
	}
	if err := c.Apply(FollowUpUpdate{Status: FollowUpAnswered, Action: " ditelepon ", Answer: "Petugas sudah ditegur.", By: "kepala", At: at}); err != nil {
		t.Fatal(err)
	}
	if c.AnsweredAt == nil || !c.AnsweredAt.Equal(at) || c.Action != "ditelepon" || c.UpdatedBy != "kepala" {
		t.Errorf("after answering: %+v", c)
	}
	// Editing the answer later keeps the first answer's time.
	if err := c.Apply(FollowUpUpdate{Status: FollowUpAnswered, Answer: "Petugas sudah ditegur dan dilatih.", At: at.Add(time.Hour)}); err != nil || !c.AnsweredAt.Equal(at) {
		t.Errorf("edited answer: AnsweredAt %v, %v; want the first answer's time", c.AnsweredAt, err)
	}
	if err := c.Apply(FollowUpUpdate{Status: FollowUpInProgress, Action: "dibuka lagi", At: at}); err != nil || c.AnsweredAt != nil {
		t.Errorf("reopened: AnsweredAt %v, %v; want none", c.AnsweredAt, err)
	}
}

func TestSummarizeFollowUps(t *testing.T) {
	cal, _ := NewWorkCalendar(nil)
	opened := wib("2026-11-23 10:00") // Monday; due at the end of Monday 30 November
	due := cal.Due(opened, 5)
	answered := func(at time.Time) FollowUpCase {
		return FollowUpCase{Status: FollowUpAnswered, OpenedAt: opened, DueAt: due, AnsweredAt: &at}
	}
	cases := []FollowUpCase{
		answered(wib("2026-11-23 15:00")), // 0 working days
		answered(wib("2026-11-25 09:00")), // 2
		answered(wib("2026-12-02 09:00")), // 7, late
		{Status: FollowUpInProgress, OpenedAt: opened, DueAt: due},
		{Status: FollowUpReceived, OpenedAt: opened, DueAt: due},
	}
	s := SummarizeFollowUps(cases, cal, wib("2026-12-01 08:00"))
	if s.Opened != 5 || s.Answered != 3 || s.OnTime != 2 || s.Overdue != 2 || s.AnsweredShare != 60 {
		t.Errorf("stats = %+v", s)
	}
	if s.MedianWorkingDays == nil || *s.MedianWorkingDays != 2 {
		t.Errorf("median = %v, want 2", s.MedianWorkingDays)
	}
	s = SummarizeFollowUps(cases[:2], cal, wib("2026-11-26 08:00"))
	if s.MedianWorkingDays == nil || *s.MedianWorkingDays != 1 {
		t.Errorf("median of 0 and 2 = %v, want 1", s.MedianWorkingDays)
	}
	if s := SummarizeFollowUps(nil, cal, wib("2026-11-26 08:00")); s.Opened != 0 || s.AnsweredShare != 0 || s.MedianWorkingDays != nil {
		t.Errorf("no cases: %+v", s)
	}
	// Before the due time nothing is overdue.
	if s := SummarizeFollowUps(cases[3:], cal, due.Add(-time.Second)); s.Overdue != 0 {
		t.Errorf("overdue a second before due: %d", s.Overdue)
	}
}

func TestWordingLanguages(t *testing.T) {
	for _, lang := range WordingLanguages {
		w := DefaultWording(lang)
		for _, e := range Elements {
			q, ok := w[e]
			if !ok || q.Text == "" || w.ElementName(e, lang) == "" {
				t.Errorf("%s: no wording for %s", lang, e)
			}
			for i, l := range q.Labels {
				if l == "" {
					t.Errorf("%s.%s: label %d is empty", lang, e, i+1)
				}
			}
			if err := q.Validate(e); err != nil {
				t.Errorf("%s.%s: %v", lang, e, err)
			}
			regional := lang == "jv" || lang == "su"
			if q.Draft != regional {
				t.Errorf("%s.%s: draft %v, want %v (only the regional wordings are drafts)", lang, e, q.Draft, regional)
			}
			if regional && (q.Name == "" || q.Text == wordingID[e].Text) {
				t.Errorf("%s.%s: the draft has no name of its own or repeats the Indonesian text", lang, e)
			}
		}
	}
	if !ValidWordingLang("su") || ValidWordingLang("fr") {
		t.Error("ValidWordingLang")
	}
	if got := DefaultWording("fr")[Sarana].Text; got != wordingID[Sarana].Text {
		t.Errorf("an unknown language gets %q, want the Indonesian text", got)
	}
	// A reviewed element is no longer a draft; the others stay drafts.
	jv := DefaultWording("jv").Merge(Wording{Sarana: {Labels: [4]string{"", "", "", "Sae pisan"}}})
	if jv[Sarana].Draft || jv[Sarana].Labels[3] != "Sae pisan" || jv[Sarana].Labels[0] != "Elek" {
		t.Errorf("merged sarana = %+v", jv[Sarana])
	}
	if got := jv.Drafts(); len(got) != NumElements-1 || slices.Contains(got, Sarana) {
		t.Errorf("Drafts() = %v, want every element but sarana", got)
	}
	// An override with nothing in it changes nothing, the draft mark included.
	if DefaultWording("su").Merge(Wording{Waktu: {}})[Waktu].Draft != true {
		t.Error("an empty override cleared the draft mark")
	}
	bad := Question{Text: "two\nlines"}
	if err := bad.Validate(Waktu); ErrorCode(err) != EINVALID || AsError(err).Field != "waktu.question" {
		t.Errorf("Validate of a two-line question: %v", err)
	}
	long := Question{Labels: [4]string{"", strings.Repeat("x", MaxWordingLabel+1)}}
	if err := long.Validate(Waktu); ErrorCode(err) != EINVALID || AsError(err).Field != "waktu.labels[1]" {
		t.Errorf("Validate of a long label: %v", err)
	}
}
