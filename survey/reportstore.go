package survey

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// RTLStatus is the state of a follow-up (RTL) action.
type RTLStatus string

// Follow-up statuses, in their usual order.
const (
	RTLPlanned    RTLStatus = "planned"
	RTLInProgress RTLStatus = "in_progress"
	RTLDone       RTLStatus = "done"
	RTLCancelled  RTLStatus = "cancelled"
)

// RTLStatuses lists the statuses in display order.
var RTLStatuses = []RTLStatus{RTLPlanned, RTLInProgress, RTLDone, RTLCancelled}

// RTLAction is one action of an office's follow-up plan (Rencana Tindak
// Lanjut) for a period: what will be done about an element, by whom, by when.
type RTLAction struct {
	ID        int64     `json:"id"`
	OfficeID  int64     `json:"office_id"`
	Period    string    `json:"period"`            // canonical period code
	Element   Element   `json:"element,omitempty"` // the element addressed; "" for a general action
	Action    string    `json:"action"`
	Owner     string    `json:"owner"`
	Due       string    `json:"due"` // YYYY-MM-DD
	Status    RTLStatus `json:"status"`
	Note      string    `json:"note,omitempty"` // progress or evidence of completion
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// DoneAt is when the status last became done; nil unless it is done.
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// Normalize trims the text fields and defaults the status to planned.
func (f *RTLAction) Normalize() {
	f.Action, f.Owner = strings.TrimSpace(f.Action), strings.TrimSpace(f.Owner)
	f.Due, f.Note = strings.TrimSpace(f.Due), strings.TrimSpace(f.Note)
	f.Element = Element(strings.TrimSpace(string(f.Element)))
	if f.Status == "" {
		f.Status = RTLPlanned
	}
}

// Validate checks a follow-up action, naming the first bad field.
func (f RTLAction) Validate() error {
	if f.Period == "" {
		return Invalid("period", "a follow-up action needs a period", "tindak lanjut memerlukan periode")
	}
	if f.Element != "" && !f.Element.Valid() {
		return Invalid("element", fmt.Sprintf("%q is not an element code", f.Element), fmt.Sprintf("%q bukan kode unsur", f.Element))
	}
	for _, x := range []struct {
		field, value string
		max          int
	}{{"action", f.Action, 1000}, {"owner", f.Owner, 200}, {"note", f.Note, 2000}} {
		if x.field != "note" && x.value == "" {
			return Invalid(x.field, x.field+" is required", x.field+" wajib diisi")
		}
		if !utf8.ValidString(x.value) || utf8.RuneCountInString(x.value) > x.max {
			return Invalid(x.field, fmt.Sprintf("%s must be valid text of at most %d characters", x.field, x.max),
				fmt.Sprintf("%s harus teks yang sah, paling banyak %d karakter", x.field, x.max))
		}
	}
	if _, err := time.Parse(time.DateOnly, f.Due); err != nil {
		return Invalid("due", "due must be a date YYYY-MM-DD", "tenggat harus tanggal TTTT-BB-HH")
	}
	for _, s := range RTLStatuses {
		if f.Status == s {
			return nil
		}
	}
	return Invalid("status", "status must be planned, in_progress, done or cancelled",
		"status harus planned, in_progress, done atau cancelled")
}

// StaffStatement is a staff member's written response to their own report
// for a period (the objection channel of UU 27/2022 Pasal 10), recorded by
// the staff member or, on their behalf, by the office head or an admin.
type StaffStatement struct {
	ID         int64     `json:"id"`
	OfficeID   int64     `json:"office_id"`
	NIP        string    `json:"nip"`
	Period     string    `json:"period"`
	Text       string    `json:"text"`
	RecordedBy string    `json:"recorded_by"` // username
	ByStaff    bool      `json:"by_staff"`    // written from the staff member's own account
	CreatedAt  time.Time `json:"created_at"`
}

// MaxStatement bounds a staff statement, in characters.
const MaxStatement = 4000

// Validate checks a statement's text.
func (s StaffStatement) Validate() error {
	if strings.TrimSpace(s.Text) == "" {
		return Invalid("text", "write the response first", "tuliskan tanggapan terlebih dahulu")
	}
	if !utf8.ValidString(s.Text) || utf8.RuneCountInString(s.Text) > MaxStatement {
		return Invalid("text", fmt.Sprintf("the response must be valid text of at most %d characters", MaxStatement),
			fmt.Sprintf("tanggapan harus teks yang sah, paling banyak %d karakter", MaxStatement))
	}
	if s.NIP == "" || s.Period == "" || s.RecordedBy == "" {
		return Invalid("nip", "a statement needs a NIP, a period and who recorded it", "tanggapan memerlukan NIP, periode dan pencatat")
	}
	return nil
}

// ReportStore answers the queries of appraisal reports and keeps the
// follow-up register and staff statements. Figures by office, unit, counter,
// staff member and service come from the daily rollups Ingest maintains;
// per-person intervals, comments and profiles from the stored responses.
// Every query takes a ReportFilter of one office and period. The store also
// keeps the record of who asked for which report.
type ReportStore interface {
	ReportAccessStore

	// SumRollups adds up the daily rollups the filter selects.
	SumRollups(ctx context.Context, f ReportFilter) (Tally, error)
	// RollupCells groups the selected daily rollups by the given dimensions
	// (the other keys of each cell stay zero); without a dimension it returns
	// one cell, the total. Fewer dimensions make fewer, cheaper groups.
	RollupCells(ctx context.Context, f ReportFilter, by ...Dimension) ([]Cell, error)
	// PersonCells sums the individual scores (the answers to attributable
	// elements) of the selected responses per NIP, month, verification,
	// suspicion, channel and flags, with the count of each score.
	PersonCells(ctx context.Context, f ReportFilter, attributable []Element) ([]PersonCell, error)
	// NoVisitCounts counts the selected unverified, unflagged responses per
	// NIP and day that arrived on a day when the office's kiosks issued visit
	// codes (visit tallies) but none for the staff member rated.
	NoVisitCounts(ctx context.Context, f ReportFilter) ([]NoVisitCount, error)
	// FindComments lists the non-empty comments of the selected responses,
	// by month and then text: no time finer than the month, no order of arrival.
	FindComments(ctx context.Context, f ReportFilter) ([]Comment, error)
	// ProfileCells counts the selected responses per respondent profile.
	ProfileCells(ctx context.Context, f ReportFilter) ([]ProfileCell, error)

	// FindRTL lists an office's follow-up actions for a period, oldest first.
	FindRTL(ctx context.Context, officeID int64, period string) ([]RTLAction, error)
	// RTLByID returns one follow-up action of the office.
	RTLByID(ctx context.Context, officeID, id int64) (RTLAction, error)
	// CreateRTL validates and stores a; a.ID, CreatedAt and UpdatedAt are set.
	CreateRTL(ctx context.Context, a *RTLAction) error
	// UpdateRTL changes an action's element, text, owner, due date, status and note.
	UpdateRTL(ctx context.Context, a *RTLAction) error

	// FindStaffStatements lists a staff member's statements for a period, oldest first.
	FindStaffStatements(ctx context.Context, officeID int64, nip, period string) ([]StaffStatement, error)
	// CreateStaffStatement validates and stores s; s.ID and CreatedAt are set.
	CreateStaffStatement(ctx context.Context, s *StaffStatement) error
}
