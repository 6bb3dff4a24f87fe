package survey

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// A citizen who rates an officer's competence or conduct, or the handling
// of complaints, 1 or 2 and agrees to be contacted gets a tracking code on
// the thank-you page. The kiosk keeps the contact; central gets the code and
// the response's id, opens a follow-up case, and answers the code's status
// on its public page. docs/followups.md describes the whole loop.

// DefaultFollowUpElements are the elements whose low answer opens a case
// when central has not said otherwise: the default attributable elements
// (docs/domain.md) and the complaint handling element.
var DefaultFollowUpElements = []Element{Kompetensi, Perilaku, Pengaduan}

// FollowUpElements returns the elements that open a case: the attributable
// ones and pengaduan, in the regulation's order.
func FollowUpElements(attributable []Element) []Element {
	var out []Element
	for _, e := range Elements {
		if e == Pengaduan || slices.Contains(attributable, e) {
			out = append(out, e)
		}
	}
	return out
}

// LowElements returns the elements of among that r answers 1 or 2.
func LowElements(r Ratings, among []Element) []Element {
	var out []Element
	for _, e := range Elements {
		if v := r.Get(e); v >= 1 && v <= 2 && slices.Contains(among, e) {
			out = append(out, e)
		}
	}
	return out
}

// trackingAlphabet is Crockford's base 32: no I, L, O or U, so a code read
// aloud or copied by hand survives the usual confusions.
const trackingAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// trackingLen is 12 characters, 60 random bits: guessing one of a million
// live codes at a thousand tries a second takes some 36,000 years.
const trackingLen = 12

// NewTrackingCode returns a fresh random tracking code, as XXXX-XXXX-XXXX.
func NewTrackingCode() string {
	b := make([]byte, trackingLen)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = trackingAlphabet[b[i]&31]
	}
	return formatTracking(string(b))
}

func formatTracking(s string) string { return s[0:4] + "-" + s[4:8] + "-" + s[8:12] }

// ParseTrackingCode reads a code as a citizen types it: any case, with or
// without spaces and dashes, O for 0 and I or L for 1.
func ParseTrackingCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '.':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(trackingAlphabet, r) || b.Len() >= trackingLen {
			return "", Invalid("kode", "a tracking code is 12 letters and digits, such as K7M2-9PQX-4HRT; check what you typed",
				"kode lacak terdiri dari 12 huruf dan angka, misalnya K7M2-9PQX-4HRT; periksa yang Anda ketik")
		}
		b.WriteRune(r)
	}
	if b.Len() != trackingLen {
		return "", Invalid("kode", "a tracking code is 12 letters and digits, such as K7M2-9PQX-4HRT; check what you typed",
			"kode lacak terdiri dari 12 huruf dan angka, misalnya K7M2-9PQX-4HRT; periksa yang Anda ketik")
	}
	return formatTracking(b.String()), nil
}

// WorkCalendar counts Indonesian working days: Monday to Friday in
// Asia/Jakarta, less the listed holidays (libur nasional and cuti bersama,
// which change every year and are configured, not built in).
type WorkCalendar struct {
	holidays map[string]bool
}

// NewWorkCalendar reads holidays as YYYY-MM-DD dates.
func NewWorkCalendar(holidays []string) (WorkCalendar, error) {
	c := WorkCalendar{holidays: make(map[string]bool, len(holidays))}
	for _, h := range holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return c, fmt.Errorf("holiday %q is not a date YYYY-MM-DD", h)
		}
		c.holidays[h] = true
	}
	return c, nil
}

// WorkingDay reports whether t's Asia/Jakarta date is a working day.
func (c WorkCalendar) WorkingDay(t time.Time) bool {
	t = t.In(Jakarta)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !c.holidays[t.Format(time.DateOnly)]
}

// Due returns the end (midnight Asia/Jakarta) of the n-th working day after
// the day of opened: a case opened on a Friday with n = 5 is due at the end
// of the next Friday; the day it opened never counts.
func (c WorkCalendar) Due(opened time.Time, n int) time.Time {
	day := DayStart(opened, Jakarta)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.WorkingDay(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1)
}

// WorkingDays counts the working days after from's day up to and including
// to's day: 0 for an answer on the day the case opened.
func (c WorkCalendar) WorkingDays(from, to time.Time) int {
	n := 0
	end := DayStart(to, Jakarta)
	for day := DayStart(from, Jakarta).AddDate(0, 0, 1); !day.After(end); day = day.AddDate(0, 0, 1) {
		if c.WorkingDay(day) {
			n++
		}
	}
	return n
}

// FollowUpStatus is where a case stands, as the citizen sees it.
type FollowUpStatus string

// Case statuses, in order.
const (
	FollowUpReceived   FollowUpStatus = "received"    // opened at central, nobody acted yet
	FollowUpInProgress FollowUpStatus = "in_progress" // the office recorded an action
	FollowUpAnswered   FollowUpStatus = "answered"    // the office gave its public answer
)

// FollowUpStatuses lists the statuses in display order.
var FollowUpStatuses = []FollowUpStatus{FollowUpReceived, FollowUpInProgress, FollowUpAnswered}

// Valid reports whether s is a known status.
func (s FollowUpStatus) Valid() bool { return slices.Contains(FollowUpStatuses, s) }

// FollowUpCase is a follow-up central opened for a low rating whose citizen
// agreed to be contacted. It holds no contact: that stays on the kiosk.
type FollowUpCase struct {
	ID         int64          `json:"id"`
	Code       string         `json:"code"`
	OfficeID   int64          `json:"office_id"`
	KioskID    string         `json:"kiosk_id"`
	ResponseID string         `json:"response_id"`
	NIP        string         `json:"nip"`
	Service    string         `json:"service"`
	Comment    string         `json:"comment,omitempty"`
	Elements   []Element      `json:"elements"` // the low elements that opened it
	Status     FollowUpStatus `json:"status"`
	// Action is the office's internal record of what it did; Answer is its
	// public answer, shown to whoever holds the code.
	Action     string     `json:"action,omitempty"`
	Answer     string     `json:"answer,omitempty"`
	OpenedAt   time.Time  `json:"opened_at"` // the rating's time, or its arrival if the kiosk's clock ran ahead
	DueAt      time.Time  `json:"due_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
	UpdatedBy  string     `json:"updated_by,omitempty"`
}

// LastDay is the last day to answer: the day whose end is DueAt.
func (c FollowUpCase) LastDay() time.Time { return c.DueAt.Add(-time.Nanosecond) }

// Overdue reports whether the case is unanswered past its due time.
func (c FollowUpCase) Overdue(now time.Time) bool {
	return c.Status != FollowUpAnswered && !now.Before(c.DueAt)
}

// MaxFollowUpText bounds the action and the answer, in characters.
const MaxFollowUpText = 2000

// FollowUpUpdate is what an office records on a case.
type FollowUpUpdate struct {
	Status FollowUpStatus
	Action string
	Answer string
	By     string
	At     time.Time
}

// Apply checks u and records it on c: the first answer sets AnsweredAt,
// and a case taken back from answered loses it.
func (c *FollowUpCase) Apply(u FollowUpUpdate) error {
	u.Action, u.Answer = strings.TrimSpace(u.Action), strings.TrimSpace(u.Answer)
	if !u.Status.Valid() {
		return Invalid("status", "status must be received, in_progress or answered",
			"status harus received, in_progress atau answered")
	}
	for _, x := range []struct{ field, value string }{{"action", u.Action}, {"answer", u.Answer}} {
		if !utf8.ValidString(x.value) || utf8.RuneCountInString(x.value) > MaxFollowUpText {
			return Invalid(x.field, fmt.Sprintf("%s must be valid text of at most %d characters", x.field, MaxFollowUpText),
				fmt.Sprintf("%s harus teks yang sah, paling banyak %d karakter", x.field, MaxFollowUpText))
		}
	}
	if u.Status == FollowUpAnswered && u.Answer == "" {
		return Invalid("answer", "write the public answer before marking the case answered",
			"tulis jawaban untuk warga sebelum menandai tindak lanjut sudah dijawab")
	}
	if u.Status == FollowUpInProgress && u.Action == "" {
		return Invalid("action", "write what the office did before marking the case in progress",
			"tulis tindakan kantor sebelum menandai tindak lanjut sedang diproses")
	}
	switch {
	case u.Status == FollowUpAnswered && c.AnsweredAt == nil:
		at := u.At.UTC()
		c.AnsweredAt = &at
	case u.Status != FollowUpAnswered:
		c.AnsweredAt = nil
	}
	c.Status, c.Action, c.Answer, c.UpdatedBy, c.UpdatedAt = u.Status, u.Action, u.Answer, u.By, u.At.UTC()
	return nil
}

// FollowUpRef is what a kiosk sends central for a tracking code it showed.
type FollowUpRef struct {
	Code       string `json:"code"`
	ResponseID string `json:"response_id"`
}

// Outcomes of a FollowUpRef besides a case's status.
const (
	// FollowUpPending: central does not hold the response yet; send again.
	FollowUpPending = "pending"
	// FollowUpRefused: the reference cannot open a case (see Reason); do not send again.
	FollowUpRefused = "refused"
)

// FollowUpResult is central's answer for one reference: a case status, pending or refused.
type FollowUpResult struct {
	Code   string `json:"code"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// FollowUpPolicy is central's rule for opening cases.
type FollowUpPolicy struct {
	Elements []Element // a low answer to one of these opens a case
	DueDays  int       // working days to answer
	Calendar WorkCalendar
}

// Open decides what a reference to the stored response r (nil when central
// does not hold it) does: a new case, pending, or a refusal. existing is the
// case already open under the code, if any; at is now.
func (p FollowUpPolicy) Open(ref FollowUpRef, kioskID string, r *StoredResponse, existing *FollowUpCase, at time.Time) (*FollowUpCase, FollowUpResult) {
	res := FollowUpResult{Code: ref.Code}
	switch {
	case existing != nil && existing.ResponseID == ref.ResponseID && existing.KioskID == kioskID:
		res.Status = string(existing.Status)
		return nil, res
	case existing != nil:
		res.Status, res.Reason = FollowUpRefused, "the code is already used by another rating"
		return nil, res
	case r == nil:
		res.Status = FollowUpPending
		return nil, res
	case r.KioskID != kioskID:
		res.Status, res.Reason = FollowUpRefused, "the rating belongs to another kiosk"
		return nil, res
	}
	low := LowElements(r.Ratings, p.Elements)
	if len(low) == 0 {
		res.Status, res.Reason = FollowUpRefused, "no follow-up element of the rating is 1 or 2"
		return nil, res
	}
	opened := r.CreatedAt
	if !r.ReceivedAt.IsZero() && r.ReceivedAt.Before(opened) {
		opened = r.ReceivedAt // a kiosk clock ahead must not shorten the office's time
	}
	c := &FollowUpCase{Code: ref.Code, OfficeID: r.OfficeID, KioskID: kioskID, ResponseID: r.ID, NIP: r.NIP,
		Service: r.Service, Comment: r.Comment, Elements: low, Status: FollowUpReceived,
		OpenedAt: opened.UTC(), DueAt: p.Calendar.Due(opened, p.DueDays).UTC(), UpdatedAt: at.UTC()}
	res.Status = string(FollowUpReceived)
	return c, res
}

// CheckRef validates a reference's shape and normalises its code.
func (ref *FollowUpRef) CheckRef() error {
	code, err := ParseTrackingCode(ref.Code)
	if err != nil {
		return Invalid("code", fmt.Sprintf("%q is not a tracking code", ref.Code), fmt.Sprintf("%q bukan kode lacak", ref.Code))
	}
	ref.Code = code
	if ref.ResponseID == "" || len(ref.ResponseID) > 64 {
		return Invalid("response_id", "response_id is required (at most 64 characters)", "response_id wajib diisi (paling banyak 64 karakter)")
	}
	return nil
}

// FollowUpStats are an office's follow-up figures for a period (the PEKPPP
// indicators): of the cases opened in it, how many were answered, on time,
// and in how many working days.
type FollowUpStats struct {
	Opened   int `json:"opened"`
	Answered int `json:"answered"`
	// AnsweredShare is Answered as a percentage of Opened (0 when none opened).
	AnsweredShare float64 `json:"answered_share"`
	OnTime        int     `json:"answered_on_time"`
	// Overdue counts the open cases past their due time now.
	Overdue int `json:"overdue"`
	// MedianWorkingDays to answer, over the answered cases (nil when none).
	MedianWorkingDays *float64 `json:"median_working_days"`
}

// SummarizeFollowUps computes the figures of cases (those opened in the period).
func SummarizeFollowUps(cases []FollowUpCase, cal WorkCalendar, now time.Time) FollowUpStats {
	var s FollowUpStats
	var days []int
	for _, c := range cases {
		s.Opened++
		if c.Overdue(now) {
			s.Overdue++
		}
		if c.Status != FollowUpAnswered || c.AnsweredAt == nil {
			continue
		}
		s.Answered++
		if c.AnsweredAt.Before(c.DueAt) {
			s.OnTime++
		}
		days = append(days, cal.WorkingDays(c.OpenedAt, *c.AnsweredAt))
	}
	if s.Opened > 0 {
		s.AnsweredShare = 100 * float64(s.Answered) / float64(s.Opened)
	}
	if n := len(days); n > 0 {
		sort.Ints(days)
		m := float64(days[n/2])
		if n%2 == 0 {
			m = float64(days[n/2-1]+days[n/2]) / 2
		}
		s.MedianWorkingDays = &m
	}
	return s
}

// FollowUpFilter selects cases of one office (0: every office).
type FollowUpFilter struct {
	OfficeID int64
	// OpenedFrom and OpenedTo bound OpenedAt to [from, to) when set.
	OpenedFrom, OpenedTo time.Time
	// OpenOnly leaves out answered cases; DueBefore, when set, keeps those due before it.
	OpenOnly  bool
	DueBefore time.Time
	Limit     int // 0: no limit
}

// ErrNoFollowUp is the answer for a code or id without a case.
func ErrNoFollowUp() *Error {
	return NewError(ENOTFOUND, "no follow-up with this tracking code; check the code, or try again after the office's next nightly upload",
		"tidak ada tindak lanjut dengan kode lacak ini; periksa kodenya, atau coba lagi setelah kantor mengirim data malam berikutnya")
}

// JoinElements writes elements as a comma-separated list of codes, as stored.
func JoinElements(es []Element) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = string(e)
	}
	return strings.Join(parts, ",")
}

// SplitElements reads a list JoinElements wrote.
func SplitElements(s string) []Element {
	var out []Element
	for _, e := range strings.Split(s, ",") {
		if e != "" {
			out = append(out, Element(e))
		}
	}
	return out
}

// FollowUpStore keeps central's follow-up cases.
type FollowUpStore interface {
	// OpenFollowUps applies p to each of kiosk's references in one
	// transaction: a new case, the status of the case already open under
	// the code, pending or refused.
	OpenFollowUps(ctx context.Context, kioskID string, refs []FollowUpRef, p FollowUpPolicy, at time.Time) ([]FollowUpResult, error)
	// FollowUpCaseByCode returns the case under a tracking code.
	FollowUpCaseByCode(ctx context.Context, code string) (FollowUpCase, error)
	// FollowUpCaseByID returns one case of an office.
	FollowUpCaseByID(ctx context.Context, officeID, id int64) (FollowUpCase, error)
	// FindFollowUpCases lists the cases f selects, oldest first.
	FindFollowUpCases(ctx context.Context, f FollowUpFilter) ([]FollowUpCase, error)
	// UpdateFollowUpCase stores c's status, action, answer and their times.
	UpdateFollowUpCase(ctx context.Context, c FollowUpCase) error
}
